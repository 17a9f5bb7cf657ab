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

names room_names(const chat::chat_state& s) {
    names out;
    for (const auto& r : s.rooms()) {
        out.push_back(r.name);
    }
    return out;
}

std::string current(const chat::chat_state& s) {
    const auto* r = s.current_room();
    return r == nullptr ? std::string("(none)") : r->name;
}

names members(const chat::chat_state& s, std::string_view room) {
    const auto* r = s.find_room(room);
    REQUIRE(r != nullptr);
    return r->members.names();
}

/// Registered as alice and put in #lobby, as the server does with a new user.
chat::chat_state in_lobby() {
    chat::chat_state s;
    feed(s, "HELLO chat/2 max-line=4096 Welcome!");
    feed(s, "WELCOME alice Hello alice!");
    feed(s, "JOINED #lobby 2 you are now talking in #lobby");
    return s;
}

}  // namespace

TEST_CASE("the state learns our name and our first room", "[client][state]") {
    chat::chat_state s;
    CHECK_FALSE(s.registered());
    CHECK(s.current_room() == nullptr);
    feed(s, "HELLO chat/2 max-line=4096 Welcome!");
    CHECK_FALSE(s.registered());
    feed(s, "WELCOME alice Hello alice!");
    CHECK(s.registered());
    CHECK(s.self() == "alice");
    CHECK(s.rooms().empty());
    feed(s, "JOINED #lobby 2 you are now talking in #lobby");
    CHECK(room_names(s) == names{"#lobby"});
    CHECK(current(s) == "#lobby");
    CHECK(members(s, "#lobby") == names{"alice"});  // we are in it; /who tells the rest
}

TEST_CASE("members per room follow USERS, JOIN, LEAVE and NICK", "[client][state]") {
    auto s = in_lobby();
    feed(s, "USERS #lobby alice bob");
    CHECK(members(s, "#lobby") == names{"alice", "bob"});
    feed(s, "JOINED #rust 1 you are now talking in #rust");
    feed(s, "USERS #rust alice");
    feed(s, "JOIN #rust carol");
    feed(s, "JOIN #lobby carol");
    feed(s, "LEAVE #lobby bob quit bye");
    CHECK(members(s, "#lobby") == names{"alice", "carol"});
    CHECK(members(s, "#rust") == names{"alice", "carol"});
    feed(s, "NICK carol caroline");  // once, for every room we share
    CHECK(members(s, "#lobby") == names{"alice", "caroline"});
    CHECK(members(s, "#rust") == names{"alice", "caroline"});
    feed(s, "NICK alice alicia");  // our own rename, confirmed by the server
    CHECK(s.self() == "alicia");
    CHECK(members(s, "#lobby") == names{"alicia", "caroline"});
    CHECK(members(s, "#rust") == names{"alicia", "caroline"});
    CHECK(s.everyone().names() == names{"alicia", "caroline"});
    feed(s, "LEAVE #rust caroline part");
    CHECK(members(s, "#rust") == names{"alicia"});
    CHECK(s.everyone().names() == names{"alicia", "caroline"});  // still in #lobby
}

TEST_CASE("lines about rooms we are not in change nothing", "[client][state]") {
    auto s = in_lobby();
    feed(s, "JOIN #elsewhere bob");
    feed(s, "USERS #elsewhere bob carol");
    feed(s, "PARTED #elsewhere");
    CHECK(room_names(s) == names{"#lobby"});
    CHECK(s.everyone().names() == names{"alice"});
    CHECK(s.find_room("#elsewhere") == nullptr);
}

TEST_CASE("JOINED makes its room current, and a room we hold keeps its place", "[client][state]") {
    auto s = in_lobby();
    feed(s, "JOINED #rust 3 x");
    feed(s, "JOINED #cpp 1 x");
    CHECK(room_names(s) == names{"#lobby", "#rust", "#cpp"});
    CHECK(current(s) == "#cpp");
    feed(s, "USERS #rust alice bob");
    feed(s, "JOINED #RUST 2 x");  // the answer to /join of a room we hold: any case
    CHECK(current(s) == "#rust");
    CHECK(room_names(s) == names{"#lobby", "#rust", "#cpp"});
    CHECK(members(s, "#rust") == names{"alice", "bob"});  // not forgotten
    CHECK(s.find_room("#Rust") == s.find_room("#rust"));
}

TEST_CASE("PARTED of the current room makes the last joined one current", "[client][state]") {
    auto s = in_lobby();
    feed(s, "JOINED #a 1 x");
    feed(s, "JOINED #b 1 x");
    feed(s, "JOINED #c 1 x");
    feed(s, "JOINED #a 1 x");  // back to #a: current, but #c is still the last joined
    feed(s, "PARTED #a");
    CHECK(current(s) == "#c");
    CHECK(room_names(s) == names{"#lobby", "#b", "#c"});

    feed(s, "PARTED #lobby");  // not the current one: current stays
    CHECK(current(s) == "#c");
    CHECK(room_names(s) == names{"#b", "#c"});
    feed(s, "JOINED #b 1 x");
    feed(s, "PARTED #c");  // after the current one in the order: current stays #b
    CHECK(current(s) == "#b");
    feed(s, "PARTED #b");
    CHECK(s.current_room() == nullptr);
    CHECK(s.rooms().empty());
    feed(s, "JOINED #d 1 x");
    CHECK(current(s) == "#d");
}

TEST_CASE("ROOMS lists rooms for /join, and ours are known too", "[client][state]") {
    auto s = in_lobby();
    CHECK(s.known_rooms() == names{"#lobby"});
    feed(s, "ROOMS #lobby:3 #rust:2 #Cpp:1 bad:1 #:2");
    CHECK(s.known_rooms() == names{"#Cpp", "#lobby", "#rust"});
    feed(s, "JOINED #zig 1 x");
    CHECK(s.known_rooms() == names{"#Cpp", "#lobby", "#rust", "#zig"});
    feed(s, "ROOMS #go:1");  // a new listing replaces the old one
    CHECK(s.known_rooms() == names{"#go", "#lobby", "#zig"});
}

TEST_CASE("a PING is answered with its token", "[client][state]") {
    chat::chat_state s;
    CHECK(feed(s, "PING 42") == "/pong 42");
    CHECK_FALSE(feed(s, "PONG 42"));
    CHECK_FALSE(feed(s, "MSG #lobby 1 2026-11-21T14:03:12.345Z bob PING 1"));
    CHECK_FALSE(feed(s, "SENT 1 2026-11-21T14:03:12.345Z"));
}

TEST_CASE("BYE is remembered until the connection is forgotten", "[client][state]") {
    auto s = in_lobby();
    feed(s, "JOIN #lobby bob");
    feed(s, "ROOMS #lobby:2 #rust:4");
    CHECK_FALSE(s.bye_seen());
    feed(s, "BYE server shutting down");
    CHECK(s.bye_seen());
    s.reset();
    CHECK_FALSE(s.bye_seen());
    CHECK_FALSE(s.registered());
    CHECK(s.rooms().empty());
    CHECK(s.current_room() == nullptr);
    CHECK(s.known_rooms().empty());
    CHECK(s.everyone().size() == 0);
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

TEST_CASE("a member list in several USERS lines is read whole", "[client][state]") {
    auto s = in_lobby();
    feed(s, "USERS #lobby alice bob +");
    feed(s, "USERS #lobby carol dave +");
    feed(s, "USERS #lobby erin");
    CHECK(members(s, "#lobby") == names{"alice", "bob", "carol", "dave", "erin"});
    feed(s, "USERS #lobby alice zed");  // the next answer replaces it
    CHECK(members(s, "#lobby") == names{"alice", "zed"});
}
