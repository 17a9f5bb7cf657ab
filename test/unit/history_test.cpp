// The history facade over a store that fails: chat goes on in memory, nothing is read back
// from the half-written store, and resumes say what they cannot vouch for.

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "server/history.hpp"
#include "server/history_store.hpp"

using namespace chat;

namespace {

/// A store whose commits fail from the first one on, as on a full disk. Its reads answer with
/// an old, complete-looking page, which the facade must no longer trust.
class failing_store final : public history_store {
  public:
    void append_room(std::string_view, const stored_message&) override { pending_ = true; }
    void append_private(std::string_view, std::string_view, const stored_message&) override {
        pending_ = true;
    }
    bool pending() const override { return pending_; }
    void commit() override {
        pending_ = false;
        stats_.failed = true;
        ++stats_.write_failures;
    }
    void note_ids_up_to(std::uint64_t) override {}
    history_page room_before(std::string_view, std::uint64_t, std::size_t) override {
        ++reads;
        return stale();
    }
    history_page room_after(std::string_view, std::uint64_t, std::size_t) override {
        ++reads;
        return stale();
    }
    history_page missed(std::span<const std::string>, std::string_view, std::string_view,
                        std::uint64_t, std::size_t) override {
        ++reads;
        return stale();
    }
    void save_topic(std::string_view, const std::optional<room_topic>&) override {}
    std::optional<room_topic> load_topic(std::string_view) override { return std::nullopt; }
    void save_token(const resume_record&) override {}
    std::optional<resume_record> find_token(const token_hash&) override { return std::nullopt; }
    void close_open_tokens(std::int64_t) override {}
    void erase_token(const token_hash&) override {}
    std::uint64_t max_id() override { return 0; }
    history_store_stats stats() const override { return stats_; }

    int reads = 0;

  private:
    static history_page stale() {
        history_page p;
        p.messages.push_back({1, message_kind::msg, 1000, "#r", "old", "from the file"});
        return p;
    }
    bool pending_ = false;
    history_store_stats stats_;
};

stored_message msg(std::uint64_t id, std::string sender, std::string text) {
    return {id,   message_kind::msg, static_cast<std::int64_t>(id) * 1000,
            "#r", std::move(sender), std::move(text)};
}

}  // namespace

TEST_CASE("history: once the store fails, memory keeps what comes and nothing stale is read",
          "[history]") {
    auto owned = std::make_unique<failing_store>();
    failing_store& store = *owned;
    history h(std::move(owned), 2,
              std::size_t{1} << 20);  // rings of two: deeper pages are the store's
    room_history& ring = h.open_room("#r");
    const int reads_at_open = store.reads;  // the ring was filled from the store once

    h.record_room(ring, "#r", msg(10, "ann", "before the failure"));
    h.commit(10);  // the disk is full: the store gives up
    REQUIRE(store.stats().failed);
    h.record_room(ring, "#r", msg(11, "ann", "after"));
    h.record_private("s-ann", "s-bob", {12, message_kind::priv, 12000, {}, "ann", "psst"});
    h.commit(12);

    // A page deeper than the ring would be read from a healthy store; from this one it is what
    // memory holds, and says gap.
    const auto page = h.latest(ring, "#r", 10);
    REQUIRE(page.messages.size() == 2);
    CHECK(page.status == page_status::gap);
    CHECK(page.messages.back().text == "after");
    // A resume gets the private message kept in memory, and is told a gap: what the failed
    // commit held is not known.
    const std::string rooms[] = {"#r"};
    const auto missed = h.missed(rooms, "bob", "s-bob", 9, 10);
    REQUIRE(missed.messages.size() == 3);
    CHECK(missed.messages.back().text == "psst");
    CHECK(missed.status == page_status::gap);
    CHECK(store.reads == reads_at_open);
}
