#include <string>
#include <string_view>

#include <catch2/catch.hpp>

#include "client/replay_view.hpp"
#include "client/resume_state.hpp"

namespace {

constexpr std::string_view token_a = "0123456789abcdef0123456789abcdef";
constexpr std::string_view token_b = "fedcba9876543210fedcba9876543210";

/// Feeds one server line, as the clients do.
void feed(chat::resume_state& s, const std::string& line) {
    const auto parsed = chat::parse_server_line(line);
    REQUIRE(parsed);
    s.observe(*parsed);
}

/// A line known to parse; its views point into `line`, which must outlive it.
chat::server_line parsed(std::string_view line) {
    const auto p = chat::parse_server_line(line);
    REQUIRE(p);
    return *p;
}

std::string welcome(std::string_view name, std::string_view token) {
    return "WELCOME " + std::string(name) + " " + std::string(token) + " Hello " +
           std::string(name) + "!";
}

}  // namespace

TEST_CASE("HISTORY and RESUMED are read, malformed ones are not", "[client][resume]") {
    chat::replay_view v;
    const auto h = v.history(parsed("HISTORY #rust more 50"));
    REQUIRE(h);
    REQUIRE(h->end);
    CHECK(h->end->room == "#rust");
    CHECK(h->end->status == chat::page_status::more);
    CHECK(h->end->count == 50);
    CHECK(v.history(parsed("HISTORY #r complete 0"))->end->status == chat::page_status::complete);
    CHECK(v.history(parsed("HISTORY #r gap 3"))->end->status == chat::page_status::gap);
    // A field past the last is not read, as on every server line of fixed fields.
    CHECK(v.history(parsed("HISTORY #r gap 3 extra"))->end->count == 3);
    for (const auto* bad :
         {"HISTORY #r complete", "HISTORY #r done 3", "HISTORY #r gap -1", "HISTORY",
          "HISTORY #r gap 99999999999999999999", "INFO HISTORY #r gap 1", "RESUMED 1 gap"}) {
        CAPTURE(bad);
        const auto line = chat::parse_server_line(bad);
        CHECK((!line || !v.history(*line)));
    }

    chat::resume_state s;
    const auto r = s.resumed(parsed("RESUMED 12 gap"));
    REQUIRE(r);
    CHECK(r->missed == 12);
    CHECK(r->gap);
    CHECK(s.resumed(parsed("RESUMED 0 complete"))->missed == 0);
    CHECK(s.resumed(parsed("RESUMED 1 more x"))->missed == 1);
    for (const auto* bad : {"RESUMED complete 0", "RESUMED 1", "RESUMED 1 done", "RESUMED x gap",
                            "RESUMED 99999999999999999999 gap", "HISTORY #r gap 1"}) {
        CAPTURE(bad);
        const auto line = chat::parse_server_line(bad);
        CHECK((!line || !s.resumed(*line)));
    }
}

TEST_CASE("a RESUMED this client cannot read leaves the resume under way", "[client][resume]") {
    chat::resume_state s;
    feed(s, welcome("alice", token_a));
    REQUIRE(s.resume_line("alice"));
    CHECK_FALSE(s.resumed(parsed("RESUMED 2 done")));
    CHECK(s.resuming());
    CHECK(s.resumed(parsed("RESUMED 2 complete")));
    CHECK_FALSE(s.resuming());
}

TEST_CASE("last-id is the largest id of MSG, ME, PRIV and our SENT", "[client][resume]") {
    chat::resume_state s;
    feed(s, welcome("alice", token_a));
    CHECK(s.resumable());
    CHECK(s.token() == token_a);
    CHECK(s.last_id() == 0);
    feed(s, "JOINED #lobby 2 you are now talking in #lobby");
    feed(s, "MSG #lobby 7 2026-11-21T14:03:12.345Z bob hi");
    CHECK(s.last_id() == 7);
    feed(s, "SENT 9 2026-11-21T14:03:13.000Z");
    CHECK(s.last_id() == 9);
    feed(s, "ME #lobby 12 2026-11-21T14:03:14.000Z bob waves");
    CHECK(s.last_id() == 12);
    feed(s, "PRIV 15 2026-11-21T14:03:15.000Z bob psst");
    CHECK(s.last_id() == 15);
    // A replayed (older) line never lowers it; lines without ids do not touch it.
    feed(s, "MSG #rust 3 2026-11-20T09:00:00.000Z carol old news");
    feed(s, "TOPIC #rust carol 2026-11-20T08:00:00.000Z 99");
    feed(s, "PONG 1000");
    feed(s, "USERS #lobby 200 300");
    CHECK(s.last_id() == 15);
    CHECK(s.resume_line("alice") == "/resume alice " + std::string(token_a) + " 15");
}

TEST_CASE("no token, no resume: a chat/2.0 server gets the name as before", "[client][resume]") {
    chat::resume_state s;
    CHECK_FALSE(s.resume_line("alice"));  // never welcomed
    feed(s, "WELCOME alice Hello alice! /help lists the commands.");
    feed(s, "MSG #lobby 7 2026-11-21T14:03:12.345Z bob hi");
    CHECK_FALSE(s.resumable());
    CHECK_FALSE(s.resume_line("alice"));
    CHECK_FALSE(s.resuming());
}

TEST_CASE("resume: the line, then RESUMED complete", "[client][resume]") {
    chat::resume_state s;
    feed(s, welcome("alice", token_a));
    feed(s, "MSG #lobby 41 2026-11-21T14:03:12.345Z bob hi");
    s.connection_lost();
    CHECK_FALSE(s.resume_line(""));  // no name: nothing to resume as
    CHECK_FALSE(s.resuming());
    const auto line = s.resume_line("alice");
    CHECK(line == "/resume alice " + std::string(token_a) + " 41");
    CHECK(s.resuming());

    // The server hands out a new token and replays; last-id carries on through the resume.
    feed(s, welcome("alice", token_b));
    CHECK(s.token() == token_b);
    CHECK(s.last_id() == 41);
    feed(s, "JOINED #lobby 3 you are now talking in #lobby");
    feed(s, "MSG #lobby 44 2026-11-21T14:05:00.000Z bob while you were away");
    feed(s, "PRIV 46 2026-11-21T14:05:01.000Z bob psst");
    const auto o = s.resumed(parsed("RESUMED 2 complete"));
    REQUIRE(o);
    CHECK(o->missed == 2);
    CHECK_FALSE(o->gap);
    CHECK_FALSE(s.resuming());
    CHECK(s.last_id() == 46);
    CHECK(s.resume_line("alice") == "/resume alice " + std::string(token_b) + " 46");
}

TEST_CASE("resume with a gap: before the first id replayed, or last-id + 1", "[client][resume]") {
    chat::resume_state s;
    feed(s, welcome("alice", token_a));
    feed(s, "SENT 20 2026-11-21T14:03:12.345Z");
    REQUIRE(s.resume_line("alice"));
    feed(s, welcome("alice", token_b));
    feed(s, "JOINED #lobby 3 you are now talking in #lobby");
    feed(s, "MSG #lobby 57 2026-11-21T14:05:00.000Z bob after the gap");
    feed(s, "MSG #lobby 58 2026-11-21T14:05:01.000Z bob more");
    auto o = s.resumed(parsed("RESUMED 2 gap"));
    REQUIRE(o);
    CHECK(o->gap);
    CHECK(o->gap_before == 57);

    s.connection_lost();
    REQUIRE(s.resume_line("alice") == "/resume alice " + std::string(token_b) + " 58");
    feed(s, welcome("alice", token_a));
    o = s.resumed(parsed("RESUMED 0 gap"));
    REQUIRE(o);
    CHECK(o->gap);
    CHECK(o->gap_before == 59);
}

TEST_CASE("a refused resume forgets the token, the next registration starts afresh",
          "[client][resume]") {
    chat::resume_state s;
    feed(s, welcome("alice", token_a));
    feed(s, "MSG #lobby 900 2026-11-21T14:03:12.345Z bob hi");
    REQUIRE(s.resume_line("alice"));
    feed(s, "ERR resume-failed that session has ended");
    CHECK(s.resuming());  // the ERR alone says nothing to the state: the client decides
    s.refused();
    CHECK_FALSE(s.resuming());
    CHECK_FALSE(s.resumable());
    CHECK_FALSE(s.resume_line("alice"));
    // Registered afresh (perhaps with a restarted server, whose ids need not go on from ours):
    // last-id counts again from what this session sees.
    feed(s, welcome("alice", token_b));
    CHECK(s.last_id() == 0);
    feed(s, "MSG #lobby 5 2026-11-21T14:06:00.000Z bob hello again");
    CHECK(s.resume_line("alice") == "/resume alice " + std::string(token_b) + " 5");
}

TEST_CASE("a session the server ended is resumed, one taken over elsewhere is not",
          "[client][resume]") {
    chat::resume_state s;
    feed(s, welcome("alice", token_a));
    feed(s, "MSG #lobby 7 2026-11-21T14:06:00.000Z bob before the restart");
    feed(s, "BYE server shutting down");
    CHECK(s.resumable());
    CHECK(s.resume_line("alice") == "/resume alice " + std::string(token_a) + " 7");
    feed(s, welcome("alice", token_b));
    feed(s, "BYE resumed elsewhere");
    CHECK_FALSE(s.resumable());
    CHECK_FALSE(s.resume_line("alice"));
}

TEST_CASE("a resume cut short is tried again with what was seen", "[client][resume]") {
    chat::resume_state s;
    feed(s, welcome("alice", token_a));
    feed(s, "MSG #lobby 10 2026-11-21T14:03:12.345Z bob hi");
    REQUIRE(s.resume_line("alice"));
    s.connection_lost();  // before any answer: the old token may still be good
    CHECK_FALSE(s.resuming());
    CHECK(s.resume_line("alice") == "/resume alice " + std::string(token_a) + " 10");
    feed(s, welcome("alice", token_b));
    feed(s, "MSG #lobby 12 2026-11-21T14:05:00.000Z bob one");
    s.connection_lost();  // after WELCOME: the new token, and what the replay brought so far
    CHECK(s.resume_line("alice") == "/resume alice " + std::string(token_b) + " 12");
}
