#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "client/backoff.hpp"
#include "client/chat_state.hpp"

namespace {

std::optional<std::string> feed(chat::chat_state& s, std::string_view line) {
    const auto parsed = chat::parse_server_line(line);
    REQUIRE(parsed);
    return s.observe(*parsed);
}

using names = std::vector<std::string>;

}  // namespace

TEST_CASE("the state learns our name and the room from server lines", "[client][state]") {
    chat::chat_state s;
    CHECK_FALSE(s.registered());
    feed(s, "HELLO chat/1 max-line=4096 Welcome!");
    CHECK_FALSE(s.registered());
    feed(s, "WELCOME alice Hello alice!");
    CHECK(s.registered());
    CHECK(s.self() == "alice");
    feed(s, "USERS alice bob");
    CHECK(s.roster().names() == names{"alice", "bob"});
    feed(s, "JOIN carol");
    feed(s, "LEAVE bob quit bye");
    feed(s, "NICK carol caroline");
    CHECK(s.roster().names() == names{"alice", "caroline"});
    feed(s, "NICK alice alicia");  // our own rename, confirmed by the server
    CHECK(s.self() == "alicia");
    CHECK(s.roster().names() == names{"alicia", "caroline"});
}

TEST_CASE("a PING is answered with its token", "[client][state]") {
    chat::chat_state s;
    CHECK(feed(s, "PING 42") == "/pong 42");
    CHECK_FALSE(feed(s, "PONG 42"));
    CHECK_FALSE(feed(s, "MSG 1 2026-11-21T14:03:12.345Z bob PING 1"));
}

TEST_CASE("BYE is remembered until the connection is forgotten", "[client][state]") {
    chat::chat_state s;
    feed(s, "WELCOME alice hi");
    feed(s, "JOIN bob");
    CHECK_FALSE(s.bye_seen());
    feed(s, "BYE server shutting down");
    CHECK(s.bye_seen());
    s.reset();
    CHECK_FALSE(s.bye_seen());
    CHECK_FALSE(s.registered());
    CHECK(s.roster().size() == 0);
    CHECK(s.self() == "alice");  // kept, to be asked for again
}

TEST_CASE("reconnecting backs off exponentially up to 30 s", "[client][backoff]") {
    using std::chrono::seconds;
    chat::backoff b;
    std::vector<long> waits;
    for (int i = 0; i < 8; ++i) {
        waits.push_back(std::chrono::duration_cast<seconds>(b.next()).count());
    }
    CHECK(waits == std::vector<long>{1, 2, 4, 8, 16, 30, 30, 30});
    b.reset();
    CHECK(b.next() == seconds(1));
}
