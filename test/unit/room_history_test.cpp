// The in-memory history of a room: pages in both directions and the three ways a page ends.

#include <cstdint>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server/room_history.hpp"

using namespace chat;

namespace {

room_history with_ids(std::size_t capacity, std::uint64_t first, std::uint64_t last,
                      std::uint64_t step = 1) {
    room_history h(capacity);
    for (std::uint64_t id = first; id <= last; id += step) {
        h.append({id, id % 7 == 0 ? message_kind::me : message_kind::msg, 1'764'374'400'000, "#r",
                  "alice", "m" + std::to_string(id)});
    }
    return h;
}

std::vector<std::uint64_t> ids(const history_page& p) {
    std::vector<std::uint64_t> out;
    for (const auto& m : p.messages) {
        out.push_back(m.id);
    }
    return out;
}

using idv = std::vector<std::uint64_t>;

}  // namespace

TEST_CASE("history: the latest messages, oldest first", "[history]") {
    const auto h = with_ids(100, 1, 10);
    auto p = h.latest(3);
    CHECK(ids(p) == idv{8, 9, 10});
    CHECK(p.status == page_status::more);
    p = h.latest(50);
    CHECK(ids(p).size() == 10);
    CHECK(p.status == page_status::complete);
    CHECK(p.messages.front().text == "m1");
    CHECK(with_ids(10, 1, 0).latest(5).status == page_status::complete);  // an empty room
}

TEST_CASE("history: paging back with before", "[history]") {
    const auto h = with_ids(100, 10, 100, 10);  // ids 10, 20, ... 100 (others' rooms use the rest)
    auto p = h.before(55, 2);
    CHECK(ids(p) == idv{40, 50});
    CHECK(p.status == page_status::more);
    p = h.before(40, 5);
    CHECK(ids(p) == idv{10, 20, 30});
    CHECK(p.status == page_status::complete);
    p = h.before(10, 5);
    CHECK(ids(p).empty());
    CHECK(p.status == page_status::complete);
}

TEST_CASE("history: paging forward with after, as a resume does", "[history]") {
    const auto h = with_ids(100, 1, 20);
    auto p = h.after(15, 10);
    CHECK(ids(p) == idv{16, 17, 18, 19, 20});
    CHECK(p.status == page_status::complete);
    p = h.after(5, 3);
    CHECK(ids(p) == idv{6, 7, 8});
    CHECK(p.status == page_status::more);
    p = h.after(20, 3);
    CHECK(ids(p).empty());
    CHECK(p.status == page_status::complete);
}

TEST_CASE("history: what retention forgot shows as a gap, never as fewer", "[history]") {
    const auto h = with_ids(5, 1, 20);  // keeps 16..20, forgot 1..15
    CHECK(h.size() == 5);
    auto p = h.before(18, 10);
    CHECK(ids(p) == idv{16, 17});
    CHECK(p.status == page_status::gap);
    p = h.before(16, 10);
    CHECK(ids(p).empty());
    CHECK(p.status == page_status::gap);
    p = h.before(1, 10);  // nothing was ever older than 1
    CHECK(p.status == page_status::complete);
    p = h.after(10, 3);  // 11..15 are gone: a resume from 10 must say so
    CHECK(ids(p) == idv{16, 17, 18});
    CHECK(p.status == page_status::gap);
    p = h.after(15, 10);  // nothing after 15 was forgotten
    CHECK(ids(p) == idv{16, 17, 18, 19, 20});
    CHECK(p.status == page_status::complete);
    CHECK(h.latest(5).status == page_status::gap);
    CHECK(h.latest(4).status == page_status::more);
}
