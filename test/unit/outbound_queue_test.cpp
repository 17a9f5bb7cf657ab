#include <array>
#include <string>

#include <catch2/catch.hpp>

#include "common/encode.hpp"
#include "common/frame_arena.hpp"
#include "common/outbound_queue.hpp"

namespace {

std::string drain_text(chat::outbound_queue& q) {
    std::array<std::string_view, 64> ranges;
    std::string out;
    const auto n = q.gather(ranges, SIZE_MAX);
    for (std::size_t i = 0; i < n; ++i) {
        out.append(ranges[i]);
    }
    q.consume(out.size());
    return out;
}

}  // namespace

TEST_CASE("encode_line joins fields with spaces and ends with a newline", "[arena]") {
    chat::frame_arena arena(1024);
    const auto f = chat::encode_line(arena, {"MSG", chat::decimal(42).view(), "alice", "hi there"});
    CHECK(f.bytes() == "MSG 42 alice hi there\n");
}

TEST_CASE("frames queued back to back become one range", "[arena]") {
    chat::frame_arena arena(1024);
    chat::outbound_queue q;
    for (int i = 0; i < 10; ++i) {
        q.push(chat::encode_line(arena, {"MSG", chat::decimal(static_cast<unsigned>(i)).view()}));
    }
    CHECK(q.ranges() == 1);
    CHECK(drain_text(q) ==
          "MSG 0\nMSG 1\nMSG 2\nMSG 3\nMSG 4\nMSG 5\nMSG 6\nMSG 7\nMSG 8\nMSG 9\n");
    CHECK(q.empty());
}

TEST_CASE("a frame skipped by this queue starts a new range", "[arena]") {
    chat::frame_arena arena(1024);
    chat::outbound_queue q;
    q.push(chat::encode_line(arena, {"A"}));
    (void)chat::encode_line(arena, {"NOT-FOR-US"});
    q.push(chat::encode_line(arena, {"B"}));
    CHECK(q.ranges() == 2);
    CHECK(drain_text(q) == "A\nB\n");
}

TEST_CASE("one frame shared by many queues is stored once", "[arena]") {
    chat::frame_arena arena(4096);
    std::array<chat::outbound_queue, 100> queues;
    const auto f = chat::encode_line(arena, {"MSG", "shared"});
    for (auto& q : queues) {
        q.push(f);
    }
    CHECK(arena.live_chunks() == 1);
    for (auto& q : queues) {
        REQUIRE(drain_text(q) == "MSG shared\n");
    }
}

TEST_CASE("partial consumption resumes mid-frame", "[arena]") {
    chat::frame_arena arena(1024);
    chat::outbound_queue q;
    q.push(chat::encode_line(arena, {"HELLO", "world"}));
    q.consume(3);
    CHECK(q.bytes() == 9);
    CHECK(drain_text(q) == "LO world\n");
}

TEST_CASE("chunks return to the pool when the last queue lets go", "[arena]") {
    chat::frame_arena arena(256, 4);
    {
        chat::outbound_queue q;
        for (int i = 0; i < 100; ++i) {
            q.push(chat::encode_line(arena, {"MSG", "a message of some length"}));
        }
        CHECK(arena.live_chunks() > 5);
        CHECK(q.bytes() == 100 * std::string("MSG a message of some length\n").size());
        while (!q.empty()) {
            REQUIRE_FALSE(drain_text(q).empty());
        }
    }
    // Only the arena's current chunk is still in use; the rest are pooled (at most 4) or freed.
    CHECK(arena.live_chunks() == 1);
    CHECK(arena.free_chunks() == 4);

    arena.release_free_chunks();
    CHECK(arena.free_chunks() == 0);
    CHECK(arena.live_chunks() == 1);
    // The arena still works after giving its spares back.
    chat::outbound_queue q;
    q.push(chat::encode_line(arena, {"MSG", "after"}));
    CHECK(drain_text(q) == "MSG after\n");
}

TEST_CASE("a frame larger than a chunk gets one of its own", "[arena]") {
    chat::frame_arena arena(64);
    chat::outbound_queue q;
    const std::string big(500, 'x');
    q.push(chat::encode_line(arena, {"USERS", big}));
    q.push(chat::encode_line(arena, {"small"}));
    CHECK(drain_text(q) == "USERS " + big + "\nsmall\n");
}

TEST_CASE("clear drops everything queued", "[arena]") {
    chat::frame_arena arena(128, 0);
    chat::outbound_queue q;
    for (int i = 0; i < 20; ++i) {
        q.push(chat::encode_line(arena, {"some bytes to fill chunks"}));
    }
    q.clear();
    CHECK(q.empty());
    CHECK(arena.live_chunks() == 1);
}

namespace {

/// Everything queued, in order, without consuming it.
std::string peek_text(const chat::outbound_queue& q) {
    std::array<std::string_view, 256> ranges;
    std::string out;
    const auto n = q.gather(ranges, SIZE_MAX);
    for (std::size_t i = 0; i < n; ++i) {
        out.append(ranges[i]);
    }
    return out;
}

}  // namespace

TEST_CASE("a queue that is not drained never pins much more than it holds", "[arena]") {
    // A reader that stopped reading gets one small frame from each of many chunks, which
    // everyone else's traffic fills: without copying out, every one of those chunks would stay.
    constexpr std::size_t chunk = 1024;
    chat::frame_arena arena(chunk, 0);
    chat::outbound_queue stuck;
    std::string expected;
    const std::string filler(200, 'f');
    for (unsigned i = 0; i < 2000; ++i) {
        const auto f = chat::encode_line(arena, {"PONG", chat::decimal(i).view()});
        stuck.push(f);
        expected.append(f.bytes());
        for (int k = 0; k < 5; ++k) {
            (void)chat::encode_line(arena, {filler});  // others' frames, dropped at once
        }
        CHECK(stuck.pinned() <= stuck.bytes() + stuck.bytes() / 4 + 6 * chunk);
        if (i % 97 == 0) {
            // A little is written now and then: the rest must stay intact and in order.
            std::array<std::string_view, 1> first;
            REQUIRE(stuck.gather(first, SIZE_MAX) == 1);
            const std::size_t n = std::min<std::size_t>(first[0].size(), 7);
            stuck.consume(n);
            expected.erase(0, n);
        }
    }
    CHECK(peek_text(stuck) == expected);
    // What is live is the private copies (full chunks) and the chunks being sent and filled,
    // not 2000 chunks' worth.
    CHECK(arena.live_chunks() <= stuck.bytes() / chunk + 5);
    CHECK(drain_text(stuck) == expected);
    CHECK(stuck.pinned() == 0);
    CHECK(arena.live_chunks() <= 1);
}

TEST_CASE("a drained queue shares chunks and never copies", "[arena]") {
    chat::frame_arena arena(1024, 0);
    chat::outbound_queue a;
    chat::outbound_queue b;
    for (unsigned i = 0; i < 500; ++i) {
        const auto f = chat::encode_line(arena, {"MSG", chat::decimal(i).view(), "text"});
        a.push(f);
        b.push(f);
        if (i % 10 == 9) {
            std::array<std::string_view, 8> ra;
            std::array<std::string_view, 8> rb;
            REQUIRE(a.gather(ra, SIZE_MAX) == b.gather(rb, SIZE_MAX));
            CHECK(ra[0].data() == rb[0].data());  // the same bytes, not copies
            drain_text(a);
            drain_text(b);
        }
        CHECK(a.pinned() <= 2 * 1024);
    }
}

TEST_CASE("a queue copies out only what no other queue still holds", "[arena]") {
    // Two receivers behind on the same frames: copying would free nothing and double the
    // memory, so neither copies. Once one has caught up, the other is the last holder and copies
    // its scraps out.
    constexpr std::size_t chunk = 1024;
    chat::frame_arena arena(chunk, 0);
    chat::outbound_queue behind;
    chat::outbound_queue also_behind;
    std::string expected;
    const auto push_round = [&](unsigned i) {
        const auto f = chat::encode_line(arena, {"MSG", chat::decimal(i).view()});
        behind.push(f);
        also_behind.push(f);
        expected.append(f.bytes());
        for (int k = 0; k < 5; ++k) {
            (void)chat::encode_line(arena, {std::string(200, 'f')});
        }
    };
    for (unsigned i = 0; i < 200; ++i) {
        push_round(i);
    }
    const std::size_t live_shared = arena.live_chunks();
    CHECK(behind.pinned() > 100 * chunk);  // nothing copied: the other queue holds it all too
    also_behind.clear();
    for (unsigned i = 200; i < 1000; ++i) {
        const auto f = chat::encode_line(arena, {"MSG", chat::decimal(i).view()});
        behind.push(f);
        expected.append(f.bytes());
        for (int k = 0; k < 5; ++k) {
            (void)chat::encode_line(arena, {std::string(200, 'f')});
        }
    }
    CHECK(arena.live_chunks() < live_shared / 4);  // the scraps were copied out, chunks freed
    CHECK(behind.pinned() <= 2 * (behind.bytes() + behind.bytes() / 4) + 8 * chunk);
    CHECK(peek_text(behind) == expected);
    CHECK(drain_text(behind) == expected);
}
