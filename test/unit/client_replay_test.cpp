#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <catch2/catch.hpp>

#include "client/renderer.hpp"
#include "client/replay_view.hpp"

namespace {

using namespace std::chrono;
using lines = std::vector<std::string>;

const system_clock::time_point at_14_03 = time_point_cast<system_clock::duration>(
    sys_days{year{2026} / 11 / 21} + hours{14} + minutes{3} + seconds{40});

/// What the clients do with each server line, for a view and a renderer: HISTORY ends a replay
/// (its lines, then the summary), our markers' PONGs let out what is held, every other line is
/// offered to the view with its live and its history rendering. Returns what gets printed.
class pipeline {
  public:
    explicit pipeline(bool color = false) : renderer_({.color = color, .utc = true}) {
        renderer_.set_self("alice");
        view_.set_enabled(true);
    }

    chat::replay_view& view() { return view_; }
    const chat::renderer& renderer() const { return renderer_; }

    lines feed(std::string_view line) {
        const auto parsed = chat::parse_server_line(line);
        REQUIRE(parsed);
        if (auto released = view_.history(*parsed)) {
            lines out = std::move(released->lines);
            if (auto summary = renderer_.history_summary(*released->end); !summary.empty()) {
                out.push_back(std::move(summary));
            }
            return out;
        }
        if (parsed->tag == chat::server_tag::pong) {
            if (auto held = view_.marker_answered(parsed->text)) {
                return *held;
            }
        }
        chat::replay_view::item item{renderer_.render(*parsed, at_14_03), {}, {}, 0};
        if (parsed->tag == chat::server_tag::msg || parsed->tag == chat::server_tag::me) {
            item.as_history = renderer_.replayed(*parsed, at_14_03);
            item.room = std::string(parsed->room);
            item.id = chat::parse_count(parsed->id).value_or(0);
        }
        return view_.show(std::move(item));
    }

    /// Feeds every line; returns everything printed, in order.
    lines feed_all(std::initializer_list<std::string_view> all) {
        lines out;
        for (const auto l : all) {
            for (auto& printed : feed(l)) {
                out.push_back(std::move(printed));
            }
        }
        return out;
    }

  private:
    chat::renderer renderer_;
    chat::replay_view view_;
};

chat::replay_view::summary summary_of(std::string_view room, chat::page_status status,
                                      std::uint64_t count) {
    chat::replay_view::summary s;
    s.room = std::string(room);
    s.status = status;
    s.count = count;
    return s;
}

}  // namespace

TEST_CASE("which lines may draw a replay", "[client][replay]") {
    using r = chat::replay_view::request;
    CHECK(chat::replay_request("/join #rust") == r::join);
    CHECK(chat::replay_request("/history") == r::history);
    CHECK(chat::replay_request("/history #rust before 123 20") == r::history);
    CHECK(chat::replay_request("/history #rust after 123") == r::history_after);
    CHECK(chat::replay_request("/history after 5 10") == r::history_after);
    CHECK_FALSE(chat::replay_request("/who #rust"));
    CHECK_FALSE(chat::replay_request("/joinx #rust"));
    CHECK_FALSE(chat::replay_request("hello /join #rust"));
    CHECK_FALSE(chat::replay_request("//history"));
}

TEST_CASE("disabled (a chat/2.0 server): nothing is held, no marker goes out", "[client][replay]") {
    chat::replay_view v;
    CHECK_FALSE(v.expect(chat::replay_view::request::welcome));
    CHECK_FALSE(v.expect(chat::replay_view::request::join));
    CHECK_FALSE(v.expect(chat::replay_view::request::resume));
    CHECK(v.show({"[14:03] #lobby bob: hi", "dim", "#lobby", 7}) ==
          lines{"[14:03] #lobby bob: hi"});
    CHECK(v.show({"", "", "", 0}).empty());
    CHECK(v.held() == 0);
    CHECK_FALSE(v.marker_answered("chat-client-replay-1"));
}

TEST_CASE("a join's replay is shown as history up to its HISTORY line", "[client][replay]") {
    pipeline p;
    CHECK(p.view().expect(chat::replay_view::request::join) == "/ping chat-client-replay-1");
    const auto out = p.feed_all({
        "JOINED #rust 3 you are now talking in #rust",
        "TOPIC #rust carol 2026-11-20T08:00:00.000Z borrow checker tips",
        "MSG #rust 10 2026-11-20T09:15:00.000Z carol old one",
        "ME #rust 11 2026-11-21T13:00:00.000Z dave waves",
        "HISTORY #rust complete 2",
    });
    CHECK(out == lines{
                     "[14:03] -- you joined #rust (3 members)",
                     "[14:03] #rust -- topic: borrow checker tips (set by carol)",
                     "[2026-11-20 09:15] #rust carol: old one",
                     "[13:00] #rust * dave waves",
                     "#rust -- 2 earlier messages --",
                 });
    // Until the marker's answer, lines wait; then they come out live.
    CHECK(p.feed("MSG #rust 12 2026-11-21T14:03:30.000Z dave live now").empty());
    CHECK(p.feed("PONG chat-client-replay-1") == lines{"[14:03] #rust dave: live now"});
    CHECK(p.feed("MSG #rust 13 2026-11-21T14:03:31.000Z dave and now") ==
          lines{"[14:03] #rust dave: and now"});
    CHECK(p.view().held() == 0);
}

TEST_CASE("replayed lines are dimmed as a whole when colours are on, live ones are not",
          "[client][replay]") {
    pipeline p(true);
    REQUIRE(p.view().expect(chat::replay_view::request::join));
    const auto out = p.feed_all({
        "JOINED #rust 2 you are now talking in #rust",
        "MSG #rust 10 2026-11-21T09:15:00.000Z carol old one",
        "HISTORY #rust complete 1",
        "PONG chat-client-replay-1",
        "MSG #rust 12 2026-11-21T14:03:30.000Z carol new one",
    });
    REQUIRE(out.size() == 4);
    // One dim run, no colour inside it: dim under a colour's reset would not show.
    CHECK(out[1] == "\x1b[2m[09:15] #rust carol: old one\x1b[0m");
    CHECK(out[2].find("-- 1 earlier message --") != std::string::npos);
    CHECK(out[3].starts_with("\x1b[2m[14:03]\x1b[0m "));
    CHECK(out[3].find("carol") != std::string::npos);
    CHECK(out[3].find("\x1b[2mcarol") == std::string::npos);
}

TEST_CASE("an empty room's join shows no summary", "[client][replay]") {
    pipeline p;
    REQUIRE(p.view().expect(chat::replay_view::request::join));
    CHECK(p.feed_all({"JOINED #new 1 you are now talking in #new", "HISTORY #new complete 0"}) ==
          lines{"[14:03] -- you joined #new (just you)"});
}

TEST_CASE("live lines that come before a /history answer stay live", "[client][replay]") {
    pipeline p;
    REQUIRE(p.view().expect(chat::replay_view::request::history) == "/ping chat-client-replay-1");
    const auto out = p.feed_all({
        "MSG #lobby 120 2026-11-21T14:03:20.000Z bob typed meanwhile",
        "JOIN #lobby carol",
        "MSG #lobby 100 2026-11-21T13:00:00.000Z bob from history",
        "MSG #lobby 101 2026-11-21T13:01:00.000Z carol also",
        "HISTORY #lobby more 2",
        "PONG chat-client-replay-1",
    });
    CHECK(out == lines{
                     "[14:03] #lobby bob: typed meanwhile",
                     "[14:03] #lobby -- carol joined",
                     "[13:00] #lobby bob: from history",
                     "[13:01] #lobby carol: also",
                     "#lobby -- 2 messages from history; /history #lobby before 100 for more --",
                 });
}

TEST_CASE("a refused /history lets out what was held, live", "[client][replay]") {
    pipeline p;
    REQUIRE(p.view().expect(chat::replay_view::request::history));
    CHECK(p.feed("MSG #lobby 120 2026-11-21T14:03:20.000Z bob hi").empty());
    CHECK(p.feed("ERR unknown-command there is no command /history; /help lists them").empty());
    CHECK(p.feed("PONG chat-client-replay-1") ==
          lines{"[14:03] #lobby bob: hi",
                "!! Unknown command: there is no command /history; /help lists them"});
}

TEST_CASE("a /join of a room we are in may or may not replay", "[client][replay]") {
    pipeline p;
    REQUIRE(p.view().expect(chat::replay_view::request::join));
    CHECK(p.feed_all({"JOINED #rust 2 you are now talking in #rust",
                      "MSG #rust 30 2026-11-21T14:03:30.000Z carol live",
                      "PONG chat-client-replay-1"}) ==
          lines{"[14:03] -- you joined #rust (2 members)", "[14:03] #rust carol: live"});
}

TEST_CASE("the HISTORY count bounds the replay, its room and its run", "[client][replay]") {
    pipeline p;
    REQUIRE(p.view().expect(chat::replay_view::request::history));
    const auto out = p.feed_all({
        "MSG #rust 98 2026-11-21T13:00:00.000Z carol live in rust",
        "MSG #lobby 99 2026-11-21T13:00:00.000Z bob live in lobby",
        "MSG #rust 50 2026-11-21T12:00:00.000Z carol one",
        "MSG #rust 51 2026-11-21T12:01:00.000Z carol two",
        "HISTORY #RUST gap 5",
    });
    // Only the run of #rust lines right before the HISTORY; the #lobby line ends it.
    CHECK(out == lines{
                     "[13:00] #rust carol: live in rust",
                     "[13:00] #lobby bob: live in lobby",
                     "[12:00] #rust carol: one",
                     "[12:01] #rust carol: two",
                     "#RUST -- 5 messages from history; older history not kept --",
                 });

    REQUIRE(p.view().expect(chat::replay_view::request::history));
    CHECK(p.feed_all({"MSG #rust 60 2026-11-21T12:00:00.000Z carol one",
                      "MSG #rust 61 2026-11-21T12:01:00.000Z carol two",
                      "HISTORY #rust complete 1"}) == lines{"[12:00] #rust carol: one",
                                                            "[12:01] #rust carol: two",
                                                            "#rust -- 1 message from history --"});
}

TEST_CASE("registering: the default room's replay, then the marker sent at WELCOME",
          "[client][replay]") {
    pipeline p;
    CHECK(p.feed("WELCOME alice 0123456789abcdef0123456789abcdef Hello alice!") ==
          lines{"-- Hello alice!"});
    REQUIRE(p.view().expect(chat::replay_view::request::welcome));
    CHECK(p.feed_all({"JOINED #lobby 2 you are now talking in #lobby",
                      "MSG #lobby 5 2026-11-21T13:00:00.000Z bob earlier", "HISTORY #lobby more 1",
                      "PONG chat-client-replay-1"}) ==
          lines{"[14:03] -- you joined #lobby (2 members)", "[13:00] #lobby bob: earlier",
                "#lobby -- 1 earlier message; /history #lobby before 5 for more --"});
}

TEST_CASE("several answers on their way are told apart in order", "[client][replay]") {
    pipeline p;
    REQUIRE(p.view().expect(chat::replay_view::request::join) == "/ping chat-client-replay-1");
    REQUIRE(p.view().expect(chat::replay_view::request::history_after) ==
            "/ping chat-client-replay-2");
    const auto out = p.feed_all({
        "JOINED #a 2 you are now talking in #a",
        "MSG #a 1 2026-11-21T13:00:00.000Z bob a1",
        "HISTORY #a complete 1",
        "MSG #a 40 2026-11-21T14:03:00.000Z bob live",
        "PONG chat-client-replay-1",
        "MSG #a 41 2026-11-21T14:03:01.000Z bob live too",
        "MSG #a 2 2026-11-21T13:00:01.000Z bob a2",
        "MSG #a 3 2026-11-21T13:00:02.000Z bob a3",
        "HISTORY #a more 2",
        "PONG chat-client-replay-2",
    });
    CHECK(out == lines{
                     "[14:03] -- you joined #a (2 members)",
                     "[13:00] #a bob: a1",
                     "#a -- 1 earlier message --",
                     "[14:03] #a bob: live",
                     "[14:03] #a bob: live too",
                     "[13:00] #a bob: a2",
                     "[13:00] #a bob: a3",
                     "#a -- 2 messages from history; /history #a after 3 for more --",
                 });
}

TEST_CASE("a resume's window closes at RESUMED, a reset lets everything out live",
          "[client][replay]") {
    pipeline p;
    CHECK_FALSE(p.view().expect(chat::replay_view::request::resume));
    CHECK(p.feed("JOINED #lobby 2 you are now talking in #lobby").empty());
    CHECK(p.feed("MSG #lobby 44 2026-11-21T14:01:00.000Z bob missed").empty());
    CHECK(p.view().resumed() ==
          lines{"[14:03] -- you joined #lobby (2 members)", "[14:01] #lobby bob: missed"});

    REQUIRE(p.view().expect(chat::replay_view::request::join));
    CHECK(p.feed("MSG #lobby 45 2026-11-21T14:02:00.000Z bob held").empty());
    CHECK(p.view().reset() == lines{"[14:02] #lobby bob: held"});
    CHECK_FALSE(p.view().marker_answered("chat-client-replay-1"));  // from before the reset
    CHECK(p.feed("PONG chat-client-replay-1") == lines{"-- pong chat-client-replay-1"});
}

TEST_CASE("markers: only our own, in order, a skipped one closed by a later one",
          "[client][replay]") {
    chat::replay_view v;
    v.set_enabled(true);
    REQUIRE(v.expect(chat::replay_view::request::join));
    REQUIRE(v.expect(chat::replay_view::request::join));
    CHECK_FALSE(v.marker_answered("chat-client-sync-1"));
    CHECK_FALSE(v.marker_answered("chat-client-replay-7"));
    CHECK(v.show({"held", "", "", 0}).empty());
    CHECK(v.marker_answered("chat-client-replay-2") == lines{"held"});
    CHECK_FALSE(v.marker_answered("chat-client-replay-1"));  // closed with the later one
    CHECK(v.show({"live", "", "", 0}) == lines{"live"});
}

TEST_CASE("a server that never answers cannot make the view hold lines without end",
          "[client][replay]") {
    chat::replay_view v;
    v.set_enabled(true);
    REQUIRE(v.expect(chat::replay_view::request::history));
    std::size_t printed = 0;
    for (std::size_t i = 0; i < chat::replay_view::max_held; ++i) {
        printed += v.show({"line", "", "", 0}).size();
    }
    CHECK(printed == chat::replay_view::max_held);
    CHECK(v.held() == 0);
}

TEST_CASE("the summary after a replay says how much, and how to get more", "[client][replay]") {
    const chat::renderer r({.color = false, .utc = true});
    using st = chat::page_status;
    CHECK(r.history_summary(summary_of("#r", st::complete, 0)).empty());
    CHECK(r.history_summary(summary_of("#r", st::complete, 12)) == "#r -- 12 earlier messages --");
    auto s = summary_of("#r", st::more, 50);
    s.first_id = 123;
    s.last_id = 200;
    CHECK(r.history_summary(s) == "#r -- 50 earlier messages; /history #r before 123 for more --");
    CHECK(r.history_summary(summary_of("#r", st::gap, 0)) == "#r -- older history not kept --");
    CHECK(r.history_summary(summary_of("#r", st::gap, 3)) ==
          "#r -- 3 earlier messages; older history not kept --");
    CHECK(r.history_summary(summary_of("#r", st::more, 0)) == "#r -- more is kept --");

    s.asked = true;
    CHECK(r.history_summary(s) ==
          "#r -- 50 messages from history; /history #r before 123 for more --");
    s.forward = true;
    CHECK(r.history_summary(s) ==
          "#r -- 50 messages from history; /history #r after 200 for more --");
    auto asked = summary_of("#r", st::complete, 0);
    asked.asked = true;
    CHECK(r.history_summary(asked) == "#r -- no messages in history --");
    asked.forward = true;
    CHECK(r.history_summary(asked) == "#r -- no newer messages in history --");
    asked.status = st::gap;
    asked.count = 2;
    CHECK(r.history_summary(asked) ==
          "#r -- 2 messages from history; some of it is no longer kept --");
    // The room comes from the network: made safe like every field.
    CHECK(r.history_summary(summary_of("#r\x1b[2J", st::complete, 1)) ==
          "#r\xEF\xBF\xBD[2J -- 1 earlier message --");
}

TEST_CASE("replayed lines carry their date when not from today", "[client][replay]") {
    const chat::renderer r({.color = false, .utc = true});
    const auto line = [](std::string_view l) {
        const auto parsed = chat::parse_server_line(l);
        REQUIRE(parsed);
        return *parsed;
    };
    CHECK(r.replayed(line("MSG #lobby 1 2026-11-21T00:00:00.000Z bob midnight"), at_14_03) ==
          "[00:00] #lobby bob: midnight");
    CHECK(r.replayed(line("MSG #lobby 1 2026-11-20T23:59:59.999Z bob late"), at_14_03) ==
          "[2026-11-20 23:59] #lobby bob: late");
    CHECK(r.replayed(line("ME #lobby 1 2025-01-02T03:04:05.000Z bob waves"), at_14_03) ==
          "[2025-01-02 03:04] #lobby * bob waves");
    // Mentions are not bolded in history, and nothing from the network escapes.
    const chat::renderer c({.color = true, .utc = true});
    CHECK(c.replayed(line("MSG #lobby 1 2026-11-21T09:00:00.000Z bob hi \x1b]0;x me"), at_14_03) ==
          "\x1b[2m[09:00] #lobby bob: hi \xEF\xBF\xBD]0;x me\x1b[0m");
}

TEST_CASE("the resume notices", "[client][replay]") {
    const chat::renderer r({.color = false, .utc = true});
    chat::resume_state::outcome o;
    CHECK(r.resumed(o) == "-- reconnected, no missed messages");
    o.missed = 1;
    CHECK(r.resumed(o) == "-- reconnected, 1 missed message");
    o.missed = 12;
    CHECK(r.resumed(o) == "-- reconnected, 12 missed messages");
    o.gap = true;
    o.gap_before = 57;
    CHECK(r.resumed(o) == "-- reconnected; history has a gap before id 57");
    CHECK(r.resume_refused("no such session", "alice") ==
          "-- could not resume the session (no such session); joining again as alice");
    CHECK(r.resume_refused("", "alice") ==
          "-- could not resume the session; joining again as alice");
}
