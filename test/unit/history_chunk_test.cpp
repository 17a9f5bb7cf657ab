// The packed form of a room's messages: a round trip keeps every field, and no blob, however
// cut or scrambled, crashes the decoder or reads outside it.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server/history_chunk.hpp"

using namespace chat;

namespace {

stored_message msg(std::uint64_t id, message_kind kind, std::int64_t at_ms, std::string sender,
                   std::string text, std::string room = "#Lobby") {
    stored_message m;
    m.id = id;
    m.kind = kind;
    m.at_ms = at_ms;
    m.room = std::move(room);
    m.sender = std::move(sender);
    m.text = std::move(text);
    return m;
}

std::vector<std::byte> bytes_of(const chunk_encoder& c) {
    return {c.bytes().begin(), c.bytes().end()};
}

std::vector<std::byte> bytes_of(std::initializer_list<int> values) {
    std::vector<std::byte> out;
    for (const int v : values) {
        out.push_back(static_cast<std::byte>(v));
    }
    return out;
}

void check_same(const stored_message& a, const stored_message& b) {
    CHECK(a.id == b.id);
    CHECK(a.kind == b.kind);
    CHECK(a.at_ms == b.at_ms);
    CHECK(a.room == b.room);
    CHECK(a.sender == b.sender);
    CHECK(a.text == b.text);
}

/// Messages with every field at its edges: ids far apart and adjacent, times that step back and
/// span the whole range, empty and long texts, bytes that are not UTF-8.
std::vector<stored_message> awkward_messages() {
    constexpr auto min_ms = std::numeric_limits<std::int64_t>::min();
    constexpr auto max_ms = std::numeric_limits<std::int64_t>::max();
    return {
        msg(1, message_kind::msg, 1'764'400'000'123, "Ann", "hello"),
        msg(2, message_kind::me, 1'764'400'000'100, "Ann", "waves"),  // the clock stepped back
        msg(300, message_kind::msg, 0, "", ""),
        msg(301, message_kind::msg, min_ms, "B", std::string(1000, 'x')),
        msg(302, message_kind::msg, max_ms, "C", std::string("\0\xff\x80 bytes", 9)),
        msg(std::numeric_limits<std::uint64_t>::max(), message_kind::msg, -1, "Zed", "last"),
    };
}

}  // namespace

TEST_CASE("history chunk: a round trip keeps every field", "[history][chunk]") {
    const auto messages = awkward_messages();
    chunk_encoder c;
    for (const auto& m : messages) {
        REQUIRE(c.accepts(m));
        c.add(m);
    }
    CHECK(c.count() == messages.size());
    CHECK(c.first_id() == 1);
    CHECK(c.last_id() == std::numeric_limits<std::uint64_t>::max());
    CHECK(c.last_at_ms() == -1);

    std::vector<stored_message> out;
    REQUIRE(decode_chunk(c.bytes(), out));
    REQUIRE(out.size() == messages.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
        check_same(out[i], messages[i]);
    }
}

TEST_CASE("history chunk: the exact bytes of a small chunk", "[history][chunk]") {
    chunk_encoder c;
    c.add(msg(5, message_kind::msg, 1000, "Ann", "hi", "#a"));
    c.add(msg(7, message_kind::me, 999, "Bo", "", "#a"));
    // version, room "#a"; id 5, MSG, +1000 (zigzag 2000 = d0 0f), "Ann", "hi";
    // id +2, ME, -1 (zigzag 1), "Bo", "".
    CHECK(bytes_of(c) == bytes_of({1, 2, '#',  'a',                                    //
                                   5, 0, 0xd0, 0x0f, 3,   'A', 'n', 'n', 2, 'h', 'i',  //
                                   2, 1, 1,    2,    'B', 'o', 0}));
}

TEST_CASE("history chunk: clear keeps the buffer, and a chunk takes one spelling and rising ids",
          "[history][chunk]") {
    chunk_encoder c;
    CHECK(c.empty());
    CHECK(c.accepts(msg(9, message_kind::msg, 0, "Ann", "x", "#any")));
    c.add(msg(9, message_kind::msg, 0, "Ann", "x", "#Lobby"));
    CHECK(c.accepts(msg(10, message_kind::msg, 0, "Ann", "x", "#Lobby")));
    CHECK_FALSE(c.accepts(msg(10, message_kind::msg, 0, "Ann", "x", "#lobby")));
    CHECK_FALSE(c.accepts(msg(9, message_kind::msg, 0, "Ann", "x", "#Lobby")));
    CHECK_FALSE(c.accepts(msg(8, message_kind::msg, 0, "Ann", "x", "#Lobby")));

    const auto first = bytes_of(c);
    c.clear();
    CHECK(c.empty());
    CHECK(c.size() == 0);
    c.add(msg(9, message_kind::msg, 0, "Ann", "x", "#Lobby"));
    CHECK(bytes_of(c) == first);
}

TEST_CASE("history chunk: a chunk cut short never reads past its end", "[history][chunk]") {
    chunk_encoder c;
    for (const auto& m : awkward_messages()) {
        c.add(m);
    }
    const auto whole = bytes_of(c);
    // Cut at every length: either refused, or (cut at a record's end) fewer messages, never more
    // and never a crash. The store tells the second case by the row's count.
    for (std::size_t size = 0; size < whole.size(); ++size) {
        std::vector<stored_message> out;
        const bool ok = decode_chunk(std::span(whole).first(size), out);
        CHECK(out.size() < awkward_messages().size());
        if (ok) {
            CHECK_FALSE(out.empty());
        }
    }
}

TEST_CASE("history chunk: malformed blobs are refused", "[history][chunk]") {
    std::vector<stored_message> out;
    const auto refused = [&out](std::initializer_list<int> values) {
        out.clear();
        const auto blob = bytes_of(values);
        return !decode_chunk(blob, out);
    };
    CHECK(refused({}));
    CHECK(refused({2, 0, 1, 0, 0, 0, 0}));  // a version from the future
    CHECK(refused({0, 0, 1, 0, 0, 0, 0}));
    CHECK(refused({1, 2, '#', 'a'}));                      // no record
    CHECK(refused({1, 9, '#', 'a'}));                      // the room's size past the end
    CHECK(refused({1, 0, 1, 3, 0, 0, 0}));                 // kind 3
    CHECK(refused({1, 0, 1, 0, 0, 5, 'A', 0}));            // the sender's size past the end
    CHECK(refused({1, 0, 1, 0, 0, 0}));                    // no text size
    CHECK(refused({1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0}));  // an id step of 0 after the first
    // A varint of eleven bytes, and one of ten whose last byte sets bits past the 64th.
    CHECK(refused(
        {1, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01, 0, 0, 0, 0}));
    CHECK(refused({1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 0}));
    // Ids that would wrap past 2^64.
    CHECK(
        refused({1,      0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0,
                 /**/ 1, 0, 0,    0,    0}));

    // Well formed: the largest id, and an empty sender and text.
    out.clear();
    REQUIRE(decode_chunk(
        bytes_of({1, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0, 0, 0, 0}),
        out));
    REQUIRE(out.size() == 1);
    CHECK(out[0].id == std::numeric_limits<std::uint64_t>::max());
    CHECK(out[0].room.empty());
}

TEST_CASE("history chunk: random and scrambled blobs never crash", "[history][chunk]") {
    std::mt19937 random(29);
    chunk_encoder c;
    for (const auto& m : awkward_messages()) {
        c.add(m);
    }
    const auto whole = bytes_of(c);
    std::vector<stored_message> out;
    for (int round = 0; round < 20000; ++round) {
        std::vector<std::byte> blob;
        if (round % 2 == 0) {
            blob.resize(random() % 64);
            for (auto& b : blob) {
                b = static_cast<std::byte>(random());
            }
        } else {
            blob = whole;
            for (int flips = 0; flips < 3; ++flips) {
                blob[random() % blob.size()] = static_cast<std::byte>(random());
            }
        }
        out.clear();
        const bool ok = decode_chunk(blob, out);
        // Every message takes at least five bytes, so a blob cannot claim more than that allows.
        CHECK(out.size() <= blob.size() / 5);
        if (ok) {
            CHECK_FALSE(out.empty());
        }
    }
}
