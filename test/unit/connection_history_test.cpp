// History and resume in the connection core, without sockets: the join replay, every /history
// form, a lost connection's grace, /resume in and after it, take-over, and what is never shown.

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "common/server_line.hpp"
#include "server/config.hpp"
#include "server/connection.hpp"
#include "test/unit/fake_connection.hpp"

using namespace chat;
using namespace chat::test;

namespace {

/// The resume token of the last WELCOME in `ls`.
std::string token_in(const lines& ls) {
    std::string token;
    for (const auto& l : ls) {
        if (l.starts_with("WELCOME ")) {
            token = field(l, &server_line::token);
        }
    }
    return token;
}

/// Says `n` numbered lines in the current room.
void say(client& c, int n, const std::string& prefix = "m") {
    for (int i = 1; i <= n; ++i) {
        c.send(prefix + std::to_string(i));
    }
}

/// The texts of the MSG, ME and PRIV lines in `ls`, in order.
std::vector<std::string> texts(const lines& ls) {
    std::vector<std::string> out;
    for (const auto& l : ls) {
        const auto p = parse_server_line(l);
        if (p &&
            (p->tag == server_tag::msg || p->tag == server_tag::me || p->tag == server_tag::priv)) {
            out.emplace_back(p->text);
        }
    }
    return out;
}

std::uint64_t last_id(const lines& ls) {
    std::uint64_t id = 0;
    for (const auto& l : ls) {
        const auto p = parse_server_line(l);
        if (p && !p->id.empty()) {
            id = std::stoull(std::string(p->id));
        }
    }
    return id;
}

/// Registers `name` on a connection of its own and loses that connection (a reset): the session
/// waits, detached, for a resume. Returns its resume token.
std::string register_and_lose(world& w, const std::string& name) {
    client c(w);
    c.take();
    c.send(name);
    const auto token = token_in(c.take());
    c.core().on_close(close_reason::connection_lost, {});
    return token;
}

server_config small_join_replay() {
    server_config c;
    c.history_on_join = 3;
    return c;
}

}  // namespace

TEST_CASE("joining replays the room's last messages, then HISTORY, then live", "[history]") {
    world w(small_join_replay());
    client alice(w, "alice");
    say(alice, 5);
    alice.take();
    client bob(w);
    bob.take();
    bob.send("bob");
    const auto seen = bob.take();
    CHECK(masked(seen) == lines{"WELCOME bob TOKEN Hello bob! /help lists the commands.",
                                "JOINED #lobby 2 you are now talking in #lobby",
                                "MSG #lobby ID T alice m3", "MSG #lobby ID T alice m4",
                                "MSG #lobby ID T alice m5", "HISTORY #lobby more 3"});
    alice.send("live");
    CHECK(texts(bob.take()) == std::vector<std::string>{"live"});
}

TEST_CASE("a replayed line is the line that was shown", "[history]") {
    world w(small_join_replay());
    client alice(w, "alice");
    client bob(w, "bob");
    alice.send("/me waves");
    alice.send("hello there");
    const auto live = bob.take();
    REQUIRE(live.size() == 2);
    client carol(w);
    carol.take();
    carol.send("carol");
    auto seen = carol.take();
    REQUIRE(seen.size() == 5);
    CHECK(seen[2] == live[0]);  // ids, times, sender, text: byte for byte
    CHECK(seen[3] == live[1]);
    CHECK(seen[4] == "HISTORY #lobby complete 2");
}

TEST_CASE("/history pages back and forth and says how each page ends", "[history]") {
    server_config c;
    c.history_on_join = 0;  // no replay at join: the pages below are all there is
    c.history_max_page = 4;
    world w(c);
    client alice(w, "alice");
    say(alice, 10);
    const auto sent = alice.take();
    std::vector<std::uint64_t> ids;
    for (const auto& l : sent) {
        ids.push_back(std::stoull(field(l, &server_line::id)));
    }
    REQUIRE(ids.size() == 10);

    alice.send("/history");  // the latest, at most --history-max-page
    auto page = alice.take();
    CHECK(texts(page) == std::vector<std::string>{"m7", "m8", "m9", "m10"});
    CHECK(page.back() == "HISTORY #lobby more 4");

    alice.send("/history #lobby before " + std::to_string(ids[6]) + " 3");
    page = alice.take();
    CHECK(texts(page) == std::vector<std::string>{"m4", "m5", "m6"});
    CHECK(page.back() == "HISTORY #lobby more 3");

    alice.send("/history before " + std::to_string(ids[2]) + " 100");
    page = alice.take();
    CHECK(texts(page) == std::vector<std::string>{"m1", "m2"});
    CHECK(page.back() == "HISTORY #lobby complete 2");

    alice.send("/history after " + std::to_string(ids[7]));
    page = alice.take();
    CHECK(texts(page) == std::vector<std::string>{"m9", "m10"});
    CHECK(page.back() == "HISTORY #lobby complete 2");

    alice.send("/join #empty");
    alice.take();
    alice.send("/history #empty");
    CHECK(alice.take() == lines{"HISTORY #empty complete 0"});

    for (const char* bad : {"/history before", "/history before x", "/history after 3 0",
                            "/history sideways 3", "/history 3 4"}) {
        alice.send(bad);
        const auto answer = alice.take();
        REQUIRE(answer.size() == 1);
        CHECK(answer[0].starts_with("ERR usage "));
    }
    alice.send("/history #elsewhere");
    CHECK(alice.take()[0].starts_with("ERR not-in-room "));
}

TEST_CASE("what memory no longer holds is a gap, never fewer lines said complete", "[history]") {
    server_config c;
    c.history_memory = 5;  // no store: the ring is all there is
    c.history_on_join = 0;
    world w(c);
    client alice(w, "alice");
    say(alice, 8);
    alice.take();
    alice.send("/history 20");
    const auto page = alice.take();
    CHECK(texts(page) == std::vector<std::string>{"m4", "m5", "m6", "m7", "m8"});
    CHECK(page.back() == "HISTORY #lobby gap 5");
}

TEST_CASE("a lost connection keeps its name and rooms, silently, for the grace", "[resume]") {
    world w;
    client bob(w, "bob");
    auto alice = std::make_unique<client>(w);
    alice->take();
    alice->send("alice");
    const auto token = token_in(alice->take());
    REQUIRE(is_resume_token(token));
    bob.take();
    alice->core().on_close(close_reason::connection_lost, {});
    alice.reset();
    CHECK(bob.take().empty());  // nobody is told
    bob.send("/who");
    CHECK(bob.take() == lines{"USERS #lobby alice bob"});
    client eve(w);
    eve.take();
    eve.send("alice");  // the name is still hers
    CHECK(eve.take()[0].starts_with("ERR name-taken "));

    // Missed meanwhile: a room message and a private one.
    bob.send("while you were out");
    bob.send("@alice psst");
    bob.take();

    client back(w);
    back.take();
    back.send("/resume alice " + token + " 0");
    const auto seen = back.take();
    CHECK(masked(seen) == lines{"WELCOME alice TOKEN Hello alice! /help lists the commands.",
                                "JOINED #lobby 2 you are now talking in #lobby",
                                "MSG #lobby ID T bob while you were out", "PRIV ID T bob psst",
                                "RESUMED 2 complete"});
    CHECK(token_in(seen) != token);  // a fresh token each time
    CHECK(bob.take().empty());       // nor is anyone told of the return
    bob.send("hi again");
    CHECK(texts(back.take()) == std::vector<std::string>{"hi again"});
    CHECK(w.h.detached.empty());
}

TEST_CASE("resume replays only what came after last-id, and none of one's own", "[resume]") {
    world w;
    client bob(w, "bob");
    auto alice = std::make_unique<client>(w);
    alice->take();
    alice->send("alice");
    const auto token = token_in(alice->take());
    bob.send("seen");
    alice->send("mine");
    const std::uint64_t seen_up_to = last_id(alice->take());
    bob.take();
    alice->core().on_close(close_reason::io_error, {});
    alice.reset();
    bob.send("missed");
    bob.take();
    client back(w);
    back.take();
    back.send("/resume alice " + token + " " + std::to_string(seen_up_to));
    const auto seen = back.take();
    CHECK(texts(seen) == std::vector<std::string>{"missed"});
    CHECK(seen.back() == "RESUMED 1 complete");
}

TEST_CASE("a wrong token says resume-failed and nothing else", "[resume]") {
    world w;
    client bob(w, "bob");
    const auto token = register_and_lose(w, "alice");
    bob.send("@alice secret");
    bob.take();
    client eve(w);
    eve.take();
    for (const std::string& line :
         std::vector<std::string>{"/resume alice 0123456789abcdef0123456789abcdef 0",
                                  "/resume alice nonsense 0", "/resume bob " + token + " 0"}) {
        eve.send(line);
        const auto answer = eve.take();
        REQUIRE(answer.size() == 1);
        CHECK(answer[0].starts_with("ERR resume-failed "));
        CHECK(answer[0].find("secret") == std::string::npos);
    }
    eve.send("/resume alice");
    CHECK(eve.take()[0].starts_with("ERR usage "));
    eve.send("eve");  // still in the handshake: a name is taken
    CHECK(eve.core().registered());
}

TEST_CASE("a token is used once", "[resume]") {
    world w;
    const auto token = register_and_lose(w, "alice");
    client back(w);
    back.take();
    back.send("/resume alice " + token + " 0");
    REQUIRE(back.core().registered());
    back.core().on_close(close_reason::quit, {});
    client again(w);
    again.take();
    again.send("/resume alice " + token + " 0");
    CHECK(again.take()[0].starts_with("ERR resume-failed "));
}

TEST_CASE("after the grace the rooms see LEAVE timeout, and the token still resumes", "[resume]") {
    server_config c;
    c.resume_grace = std::chrono::seconds(5);
    world w(c);
    client bob(w, "bob");
    auto alice = std::make_unique<client>(w);
    alice->take();
    alice->send("alice");
    const auto token = token_in(alice->take());
    alice->send("/join #side");
    alice->take();
    bob.take();
    alice->core().on_close(close_reason::connection_lost, {});
    alice.reset();
    CHECK(connection::expire_detached(w.h, connection::clock::now()) == 0);
    CHECK(connection::expire_detached(w.h, connection::clock::now() + std::chrono::seconds(6)) ==
          1);
    CHECK(bob.take() == lines{"LEAVE #lobby alice timeout"});
    bob.send("after she left");
    bob.take();

    client back(w);
    back.take();
    back.send("/resume alice " + token + " 0");
    const auto seen = masked(back.take());
    // Back in both rooms, the current one last, as a newcomer (the others see JOIN), then what
    // was missed.
    CHECK(seen == lines{"WELCOME alice TOKEN Hello alice! /help lists the commands.",
                        "JOINED #lobby 2 you are now talking in #lobby",
                        "JOINED #side 1 you are now talking in #side",
                        "MSG #lobby ID T bob after she left", "RESUMED 1 complete"});
    CHECK(bob.take() == lines{"JOIN #lobby alice"});
}

TEST_CASE("a clean leave frees the name at once; the token brings the user back", "[resume]") {
    world w;
    client bob(w, "bob");
    auto alice = std::make_unique<client>(w);
    alice->take();
    alice->send("alice");
    const auto token = token_in(alice->take());
    bob.take();
    alice->core().on_close(close_reason::disconnected, {});
    alice.reset();
    CHECK(bob.take() == lines{"LEAVE #lobby alice disconnected"});
    CHECK(w.h.detached.empty());
    client back(w);
    back.take();
    back.send("/resume alice " + token + " 0");
    CHECK(back.core().registered());
    CHECK(back.core().name() == "alice");
}

TEST_CASE("a resume takes over a connection still open, which is told why", "[resume]") {
    world w;
    client bob(w, "bob");
    client first(w);
    first.take();
    first.send("alice");
    const auto token = token_in(first.take());
    bob.take();
    client second(w);
    second.take();
    second.send("/resume alice " + token + " 0");
    CHECK(first.transport().closed == close_reason::resumed_elsewhere);
    CHECK(second.core().name() == "alice");
    CHECK(bob.take().empty());
    bob.send("to the new one");
    CHECK(texts(second.take()) == std::vector<std::string>{"to the new one"});
    CHECK(first.take().empty());
}

TEST_CASE("someone else on the name makes a resume fail", "[resume]") {
    server_config c;
    c.resume_grace = std::chrono::milliseconds(0);
    world w(c);
    auto alice = std::make_unique<client>(w);
    alice->take();
    alice->send("alice");
    const auto token = token_in(alice->take());
    alice->core().on_close(close_reason::connection_lost, {});  // no grace: gone at once
    alice.reset();
    client other(w, "Alice");
    client back(w);
    back.take();
    back.send("/resume alice " + token + " 0");
    CHECK(back.take()[0].starts_with("ERR resume-failed "));
}

TEST_CASE("a long replay comes in parts, and live lines wait for its end", "[resume]") {
    server_config c;
    c.rate = 0;
    c.history_memory = 5000;
    world w(c);
    client bob(w, "bob");
    const auto token = register_and_lose(w, "alice");
    say(bob, 1000);
    bob.take();
    client back(w);
    back.take();
    back.send("/resume alice " + token + " 0");
    CHECK(back.core().replaying());
    CHECK(back.transport().continuations == 1);
    auto seen = back.take();
    CHECK(texts(seen).size() < 1000);
    bob.send("during");        // live meanwhile: comes once, in order, after what came before
    client carol(w, "carol");  // a notice meanwhile: after the RESUMED line
    int parts = 0;
    while (back.core().continue_replay()) {
        REQUIRE(++parts < 100);
    }
    for (auto& l : back.take()) {
        seen.push_back(l);
    }
    auto said = texts(seen);
    REQUIRE(said.size() == 1001);
    CHECK(said.front() == "m1");
    CHECK(said[999] == "m1000");
    CHECK(said.back() == "during");
    const auto resumed = std::find(seen.begin(), seen.end(), "RESUMED 1001 complete");
    REQUIRE(resumed != seen.end());
    CHECK(*(resumed + 1) == "JOIN #lobby carol");
}

TEST_CASE("a resume never replays what came before the session began", "[resume]") {
    server_config c;
    c.history_on_join = 0;
    world w(c);
    client bob(w, "bob");
    bob.send("before alice came");
    bob.take();
    const auto token = register_and_lose(w, "alice");
    bob.send("while she was away");
    bob.take();
    client back(w);
    back.take();
    back.send("/resume alice " + token + " 0");  // claims to have seen nothing at all
    const auto seen = back.take();
    CHECK(texts(seen) == std::vector<std::string>{"while she was away"});
    CHECK(seen.back() == "RESUMED 1 complete");
}

TEST_CASE("the current room is confirmed last on a resume", "[resume]") {
    world w;
    auto alice = std::make_unique<client>(w);
    alice->take();
    alice->send("alice");
    const auto token = token_in(alice->take());
    alice->send("/join #a");
    alice->send("/join #b");
    alice->send("/join #lobby");  // current again, though joined first
    alice->take();
    alice->core().on_close(close_reason::connection_lost, {});
    alice.reset();
    client back(w);
    back.take();
    back.send("/resume alice " + token + " 0");
    std::vector<std::string> joined;
    for (const auto& l : back.take()) {
        if (l.starts_with("JOINED ")) {
            joined.push_back(field(l, &server_line::room));
        }
    }
    CHECK(joined == std::vector<std::string>{"#a", "#b", "#lobby"});
    back.send("here");
    CHECK(back.core().current_room() != nullptr);
    CHECK(back.core().current_room()->name() == "#lobby");
}

TEST_CASE("private messages follow the session, not the name", "[resume]") {
    world w;
    client bob(w, "bob");
    // The first alice leaves; her token stays good for a day.
    auto first = std::make_unique<client>(w);
    first->take();
    first->send("alice");
    const auto first_token = token_in(first->take());
    first->send("/ping mark");
    first->core().on_close(close_reason::quit, {});
    first.reset();
    // Someone else takes the name, gets a private message, and leaves too.
    auto second = std::make_unique<client>(w);
    second->take();
    second->send("alice");
    second->take();
    bob.send("@alice for the second alice only");
    bob.take();
    second->core().on_close(close_reason::quit, {});
    second.reset();
    // The first alice comes back: what was sent to the other one is not hers.
    client back(w);
    back.take();
    back.send("/resume alice " + first_token + " 0");
    const auto seen = back.take();
    REQUIRE(back.core().registered());
    for (const auto& l : seen) {
        CHECK(l.find("for the second alice only") == std::string::npos);
    }
}

TEST_CASE("lines sent during a resume's replay wait for its end", "[resume]") {
    server_config c;
    c.history_memory = 5000;
    world w(c);
    client bob(w, "bob");
    const auto token = register_and_lose(w, "alice");
    say(bob, 600);
    bob.take();
    client back(w);
    back.take();
    back.send("/resume alice " + token + " 0");
    REQUIRE(back.core().replaying());
    back.send("/join #elsewhere");
    back.send("/history #lobby 1");
    auto seen = back.take();
    CHECK(std::none_of(seen.begin(), seen.end(),
                       [](const std::string& l) { return l.starts_with("JOINED #elsewhere"); }));
    while (back.core().continue_replay()) {
    }
    for (auto& l : back.take()) {
        seen.push_back(l);
    }
    const auto resumed = std::find(seen.begin(), seen.end(), "RESUMED 600 complete");
    REQUIRE(resumed != seen.end());
    // After RESUMED, in the order sent: the join, then the page.
    REQUIRE(seen.end() - resumed >= 4);
    CHECK((resumed + 1)->starts_with("JOINED #elsewhere "));
    CHECK(*(resumed + 2) == "HISTORY #elsewhere complete 0");
    CHECK(parse_server_line(*(resumed + 3))->text == "m600");
    CHECK(*(resumed + 4) == "HISTORY #lobby more 1");
}
