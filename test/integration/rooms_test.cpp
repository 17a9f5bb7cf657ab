// Named rooms (chat/2) against the real daemon: what reaches whom, how membership ends, the room
// commands and their errors, the SENT that answers every message line, and many rooms at once.
//
// "Nothing else came" is never waited out with a sleep: a `/ping` from the client is a fence,
// since the daemon handles lines in order on one thread, so whatever was queued for a client
// before its PING was handled reaches it before the PONG.

#include <algorithm>
#include <chrono>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test/integration/hardening_support.hpp"
#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat::test;
using std::chrono::steady_clock;

namespace {

/// The room tests check exact sequences of room lines: they run without the replay of a room's
/// latest messages on join (and its HISTORY line), which history_test checks.
std::vector<std::string> no_replay(std::vector<std::string> args = {}) {
    args.insert(args.end(), {"--history-on-join", "0"});
    return args;
}

bool starts_with(const std::string& s, std::string_view prefix) {
    return s.rfind(prefix, 0) == 0;
}

/// The next line, or a text no check expects when none comes within 3 s.
std::string next_line(line_client& c) {
    return c.read_line(3s).value_or("(no line within 3 s)");
}

/// Sends `/ping <token>` and returns every line `c` receives before `PONG <token>`.
std::vector<std::string> lines_before_pong(line_client& c, const std::string& token) {
    c.send_line("/ping " + token);
    std::vector<std::string> lines;
    for (;;) {
        auto line = c.read_line(3s);
        INFO("waiting for PONG " << token << " after " << lines.size() << " lines");
        REQUIRE(line);
        if (*line == "PONG " + token) {
            return lines;
        }
        lines.push_back(std::move(*line));
    }
}

/// Sends `/join <room>` and returns the JOINED line, skipping what comes before it.
std::string join(line_client& c, const std::string& room) {
    c.send_line("/join " + room);
    const auto joined = c.read_until("JOINED ", 3s);
    INFO("joining " << room);
    REQUIRE(joined);
    return *joined;
}

/// `id time` of a `SENT <id> <time>` line; empty for any other line.
std::string sent_stamp(const std::string& line) {
    return starts_with(line, "SENT ") ? line.substr(5) : std::string();
}

}  // namespace

TEST_CASE("rooms: nothing said in a room reaches anyone outside it", "[rooms]") {
    test_server server(no_replay({"--default-room", ""}));
    line_client alice(server.port());
    line_client bob(server.port());
    line_client carol(server.port());
    alice.register_as("alice", server.default_room());
    bob.register_as("bob", server.default_room());
    carol.register_as("carol", server.default_room());
    CHECK(starts_with(join(alice, "#a"), "JOINED #a 1 "));
    CHECK(starts_with(join(bob, "#b"), "JOINED #b 1 "));
    CHECK(starts_with(join(carol, "#a"), "JOINED #a 2 "));
    CHECK(starts_with(join(carol, "#b"), "JOINED #b 2 "));

    // Everything alice can do in #a, and a rename: she shares a room with carol, not with bob.
    alice.send_raw("plain in a\n#a hash in a\n/me acts in a\n/topic #a topic of a\n/nick alicia\n");
    CHECK(next_line(alice) == "JOIN #a carol");
    for (const char* prefix : {"SENT ", "SENT ", "SENT ", "TOPIC #a alice ", "NICK alice alicia"}) {
        CHECK(starts_with(next_line(alice), prefix));
    }
    const std::vector<std::string> expected_prefixes = {"MSG #a ", "MSG #a ", "ME #a ",
                                                        "TOPIC #a alice ", "NICK alice alicia"};
    const std::vector<std::string> expected_endings = {" alice plain in a", " alice hash in a",
                                                       " alice acts in a", " topic of a", ""};
    for (std::size_t i = 0; i < expected_prefixes.size(); ++i) {
        const std::string line = next_line(carol);
        INFO(line);
        CHECK(starts_with(line, expected_prefixes[i]));
        CHECK(line.ends_with(expected_endings[i]));
    }
    // Carol has seen it all, so it has been handled: a line in #b now comes after anything of
    // it that could have reached bob.
    carol.send_line("#b fence for bob");
    CHECK(starts_with(next_line(carol), "SENT "));
    const auto fence = bob.read_until("MSG #b ", 3s);
    REQUIRE(fence);
    CHECK(fence->ends_with(" carol fence for bob"));
    CHECK(bob.skipped() == std::vector<std::string>{"JOIN #b carol"});

    // And the other way round; alice also cannot reach #b by naming it.
    bob.send_raw("plain in b\n/me acts in b\n/topic #b topic of b\n");
    for (const char* prefix : {"MSG #b ", "ME #b ", "TOPIC #b bob "}) {
        CHECK(starts_with(next_line(carol), prefix));
    }
    alice.send_raw("#b sneaking in\n/who #b\n/topic #b mine now\n");
    for (int i = 0; i < 3; ++i) {
        CHECK(starts_with(next_line(alice), "ERR not-in-room "));
    }
    // Every line alice was sent is accounted for: anything of bob's would come before this.
    carol.send_line("#a fence for alice");
    const std::string fence_sent = sent_stamp(next_line(carol));
    CHECK(next_line(alice) == "MSG #a " + fence_sent + " carol fence for alice");
    CHECK(lines_before_pong(carol, "end").empty());  // "sneaking in" reached nobody
}

TEST_CASE("rooms: a member of three rooms who goes leaves each room once", "[rooms][leave]") {
    test_server server(no_replay({"--default-room", ""}));
    const std::string& none = server.default_room();
    line_client x(server.port());    // in #r1
    line_client y(server.port());    // in #r1 and #r2
    line_client z(server.port());    // in #r3
    line_client w_c(server.port());  // in #other only
    line_client u(server.port());    // in #r1, #r2 and #r3
    x.register_as("x", none);
    y.register_as("y", none);
    z.register_as("z", none);
    w_c.register_as("w", none);
    u.register_as("u", none);
    join(x, "#r1");
    join(y, "#r1");
    join(y, "#r2");
    join(z, "#r3");
    join(w_c, "#other");
    join(u, "#r1");
    join(u, "#r2");
    join(u, "#r3");
    CHECK(lines_before_pong(x, "joined") == std::vector<std::string>{"JOIN #r1 y", "JOIN #r1 u"});
    CHECK(lines_before_pong(y, "joined") == std::vector<std::string>{"JOIN #r1 u", "JOIN #r2 u"});
    CHECK(lines_before_pong(z, "joined") == std::vector<std::string>{"JOIN #r3 u"});
    inbox w(w_c, true, "#other");

    std::string how;
    SECTION("a disconnect") {
        u.close();
        how = "disconnected";
    }
    SECTION("a /quit with a reason") {
        u.send_line("/quit gone fishing");
        CHECK(u.read_until("BYE ", 3s) == std::optional<std::string>("BYE goodbye"));
        CHECK(u.closed_within(3s));
        u.close();  // the daemon waits for that after BYE
        how = "quit gone fishing";
    }
    // Once the daemon counts one connection fewer, u's connection is gone for good: every LEAVE
    // it will ever cause is queued before the fences below.
    CHECK(await_connections(w, 4, 5s) == 4);
    const auto leaves = [](std::vector<std::string> lines) {
        std::sort(lines.begin(), lines.end());
        return lines;
    };
    CHECK(lines_before_pong(x, "gone") == std::vector<std::string>{"LEAVE #r1 u " + how});
    CHECK(leaves(lines_before_pong(y, "gone")) ==
          std::vector<std::string>{"LEAVE #r1 u " + how, "LEAVE #r2 u " + how});
    CHECK(lines_before_pong(z, "gone") == std::vector<std::string>{"LEAVE #r3 u " + how});
    for (const auto& line : w.all()) {
        CHECK_FALSE(starts_with(line, "LEAVE "));
    }
    // It is counted in no room any more.
    x.send_line("/rooms");
    CHECK(next_line(x) == "ROOMS #other:1 #r1:2 #r2:1 #r3:1");
}

TEST_CASE("rooms: a rename reaches each member sharing rooms once, and nobody else",
          "[rooms][nick]") {
    test_server server(no_replay({"--default-room", ""}));
    const std::string& none = server.default_room();
    line_client x(server.port());  // shares #r1 with u
    line_client y(server.port());  // shares all three
    line_client w(server.port());  // shares nothing
    line_client u(server.port());
    x.register_as("x", none);
    y.register_as("y", none);
    w.register_as("w", none);
    u.register_as("u", none);
    join(x, "#r1");
    join(w, "#other");
    for (const char* room : {"#r1", "#r2", "#r3"}) {
        join(y, room);
        join(u, room);
    }
    lines_before_pong(x, "joined");
    lines_before_pong(y, "joined");

    u.send_line("/nick v");
    CHECK(lines_before_pong(u, "renamed") == std::vector<std::string>{"NICK u v"});
    CHECK(lines_before_pong(x, "renamed") == std::vector<std::string>{"NICK u v"});
    CHECK(lines_before_pong(y, "renamed") == std::vector<std::string>{"NICK u v"});
    CHECK(lines_before_pong(w, "renamed").empty());

    // The new name is the one shown everywhere after; the same name again changes nothing.
    u.send_line("#r2 as v");
    const auto msg = y.read_until("MSG ", 3s);
    REQUIRE(msg);
    CHECK(starts_with(*msg, "MSG #r2 "));
    CHECK(msg->ends_with(" v as v"));
    x.send_line("/who #r1");
    CHECK(next_line(x) == "USERS #r1 v x y");
    CHECK(starts_with(next_line(u), "SENT "));
    u.send_line("/nick v");
    CHECK(lines_before_pong(u, "same").empty());
    CHECK(lines_before_pong(y, "same").empty());
}

TEST_CASE("rooms: a netcat user lands in the default room and talks there at once",
          "[rooms][default-room]") {
    test_server server(no_replay());
    line_client observer(server.port());
    observer.register_as("observer");
    line_client nc(server.port());
    // What `printf 'netcat\nfirst line\nsecond line\n' | nc -N host port` does: all in one
    // write before the HELLO, then the end of input.
    REQUIRE(nc.send_raw("netcat\nfirst line\nsecond line\n"));
    nc.shutdown_send();

    CHECK(starts_with(next_line(nc), "HELLO chat/2 "));
    CHECK(starts_with(next_line(nc), "WELCOME netcat "));
    CHECK(starts_with(next_line(nc), "JOINED #lobby 2 "));
    const std::string first = sent_stamp(next_line(nc));
    const std::string second = sent_stamp(next_line(nc));
    CHECK(nc.closed_within(3s));
    CHECK(nc.skipped().empty());

    CHECK(next_line(observer) == "JOIN #lobby netcat");
    CHECK(next_line(observer) == "MSG #lobby " + first + " netcat first line");
    CHECK(next_line(observer) == "MSG #lobby " + second + " netcat second line");
    CHECK(next_line(observer) == "LEAVE #lobby netcat disconnected");
    CHECK(lines_before_pong(observer, "end").empty());
}

TEST_CASE("rooms: with --default-room '' a new user is in no room until it joins one",
          "[rooms][default-room]") {
    test_server server(no_replay({"--default-room", ""}));
    line_client a(server.port());
    REQUIRE(a.read_until("HELLO "));
    a.send_line("alone");
    CHECK(starts_with(next_line(a), "WELCOME alone "));
    // Each answer is the very next line: no JOINED came after the WELCOME.
    for (const char* line : {"hello?", "/me waves", "/who", "/part", "/topic", "#lobby hi"}) {
        INFO(line);
        a.send_line(line);
        CHECK(starts_with(next_line(a), "ERR not-in-room "));
    }
    a.send_line("/rooms");
    CHECK(next_line(a) == "ROOMS");

    CHECK(starts_with(join(a, "#first"), "JOINED #first 1 "));
    a.send_line("now in a room");
    CHECK(starts_with(next_line(a), "SENT "));
    line_client b(server.port());
    b.register_as("b", server.default_room());
    CHECK(lines_before_pong(a, "b-registered").empty());  // b is in no room a is in
    CHECK(starts_with(join(b, "#first"), "JOINED #first 2 "));
    CHECK(next_line(a) == "JOIN #first b");
    a.send_line("/rooms");
    CHECK(next_line(a) == "ROOMS #first:2");
}

TEST_CASE("rooms: --max-rooms caps the rooms of one connection, which goes on", "[rooms][limits]") {
    test_server server(no_replay({"--max-rooms", "3"}));
    line_client u(server.port());
    const auto hello = u.read_until("HELLO ");
    REQUIRE(hello);
    CHECK(hello->find("max-rooms=3,") != std::string::npos);
    u.send_line("u");
    REQUIRE(u.read_until("JOINED #lobby ", 3s));
    CHECK(starts_with(join(u, "#a"), "JOINED #a 1 "));
    CHECK(starts_with(join(u, "#b"), "JOINED #b 1 "));

    u.send_line("/join #c");
    CHECK(starts_with(next_line(u), "ERR too-many-rooms "));
    u.send_line("/rooms");
    CHECK(next_line(u) == "ROOMS #a:1 #b:1 #lobby:1");  // #c was not made
    // A room it is in can still be made current; then the connection carries on as before.
    u.send_line("/join #a");
    CHECK(starts_with(next_line(u), "JOINED #a 1 "));
    u.send_line("/who");
    CHECK(next_line(u) == "USERS #a u");
    u.send_line("still talking");
    CHECK(starts_with(next_line(u), "SENT "));
    u.send_line("/part #b");
    CHECK(next_line(u) == "PARTED #b");
    CHECK(starts_with(join(u, "#c"), "JOINED #c 1 "));
    u.send_line("/join #d");
    CHECK(starts_with(next_line(u), "ERR too-many-rooms "));
    CHECK(lines_before_pong(u, "end").empty());
}

TEST_CASE("rooms: room names are checked, and compared without regard to case", "[rooms][names]") {
    test_server server(no_replay());
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("a");
    b.register_as("b");
    REQUIRE(a.read_until("JOIN #lobby b", 3s));

    for (const std::string& bad :
         {std::string("rust"), std::string("#"), "#" + std::string(33, 'x'), std::string("#a b!"),
          std::string("#a!"), std::string("#caf\xc3\xa9")}) {
        INFO("/join " << bad);
        a.send_line("/join " + bad);
        CHECK(starts_with(next_line(a), "ERR room-name-invalid "));
    }
    const std::string longest = "#" + std::string(32, 'x');
    CHECK(starts_with(join(a, longest), "JOINED " + longest + " 1 "));

    CHECK(starts_with(join(a, "#Rust"), "JOINED #Rust 1 "));
    // Shown as its creator spelled it, whoever names it how.
    CHECK(starts_with(join(b, "#rust"), "JOINED #Rust 2 "));
    CHECK(next_line(a) == "JOIN #Rust b");
    b.send_line("#RUST any case reaches it");
    const auto msg = a.read_line(3s);
    REQUIRE(msg);
    CHECK(starts_with(*msg, "MSG #Rust "));
    CHECK(msg->ends_with(" b any case reaches it"));
    CHECK(starts_with(next_line(b), "SENT "));
    b.send_line("/who #rUST");
    CHECK(next_line(b) == "USERS #Rust a b");
    a.send_line("/rooms");
    CHECK(next_line(a) == "ROOMS #lobby:2 #Rust:2 " + longest + ":1");

    // Bad names are refused wherever a room is named.
    b.send_raw("#a! text\n/who #a!\n/topic #a! text\n/part #a!\n");
    for (int i = 0; i < 4; ++i) {
        CHECK(starts_with(next_line(b), "ERR room-name-invalid "));
    }
    // Once empty the room is gone; the next to make it spells it anew.
    a.send_line("/part #rust");
    CHECK(next_line(a) == "PARTED #Rust");
    CHECK(next_line(b) == "LEAVE #Rust a part");
    b.send_line("/part #Rust");
    CHECK(next_line(b) == "PARTED #Rust");
    CHECK(starts_with(join(b, "#RUST"), "JOINED #RUST 1 "));
}

TEST_CASE("rooms: /part leaves the current room, a named one, with or without a reason",
          "[rooms][part]") {
    test_server server(no_replay());
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("a");
    b.register_as("b");
    join(b, "#one");
    join(b, "#two");
    join(a, "#one");
    join(a, "#two");                                                  // a's current room
    CHECK(a.skipped() == std::vector<std::string>{"JOIN #lobby b"});  // passed over by join()
    CHECK(lines_before_pong(b, "joined") == std::vector<std::string>{"JOIN #one a", "JOIN #two a"});

    a.send_line("/part");
    CHECK(next_line(a) == "PARTED #two");
    CHECK(next_line(b) == "LEAVE #two a part");
    // The current room is now the one joined last of those left.
    a.send_line("where am i");
    CHECK(starts_with(next_line(a), "SENT "));
    auto msg = next_line(b);
    CHECK(starts_with(msg, "MSG #one "));
    CHECK(msg.ends_with(" a where am i"));

    a.send_line("/part #one see you later");
    CHECK(next_line(a) == "PARTED #one");
    CHECK(next_line(b) == "LEAVE #one a part see you later");
    a.send_line("/part #two");
    CHECK(starts_with(next_line(a), "ERR not-in-room "));

    // A first word without # is the reason, for the current room.
    a.send_line("/part bye all");
    CHECK(next_line(a) == "PARTED #lobby");
    CHECK(next_line(b) == "LEAVE #lobby a part bye all");
    a.send_line("anyone?");
    CHECK(starts_with(next_line(a), "ERR not-in-room "));
    a.send_line("/part");
    CHECK(starts_with(next_line(a), "ERR not-in-room "));

    // Parted means parted: nothing of those rooms reaches a any more.
    b.send_raw("#one in one\n#two in two\n#lobby in lobby\n");
    for (int i = 0; i < 3; ++i) {
        CHECK(starts_with(next_line(b), "SENT "));
    }
    CHECK(lines_before_pong(a, "end").empty());
    // /join of a room one is in makes it current and tells nobody else.
    b.send_line("/join #one");
    CHECK(starts_with(next_line(b), "JOINED #one 1 "));
    b.send_line("to one");
    CHECK(starts_with(next_line(b), "SENT "));
    b.send_line("/who");
    CHECK(next_line(b) == "USERS #one b");
    CHECK(lines_before_pong(a, "rejoin").empty());
}

TEST_CASE("rooms: /topic sets, shows, greets newcomers, and goes with the room", "[rooms][topic]") {
    test_server server(no_replay());
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("a");
    b.register_as("b");
    join(a, "#t");
    join(b, "#t");
    REQUIRE(a.read_until("JOIN #t b", 3s));

    a.send_line("/topic");
    const std::string none = next_line(a);
    CHECK(starts_with(none, "INFO "));
    CHECK(none.find("#t") != std::string::npos);

    a.send_line("/topic #t all about t");
    const std::regex topic_line(
        R"(TOPIC #t a (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) all about t)");
    const std::string set = next_line(a);  // the setter sees it too
    std::smatch m;
    REQUIRE(std::regex_match(set, m, topic_line));
    CHECK(next_line(b) == set);
    // Shown on request, by anyone, member or not, with who set it and when.
    a.send_line("/topic");
    CHECK(next_line(a) == set);
    line_client c(server.port());
    c.register_as("c");
    c.send_line("/topic #T");
    CHECK(next_line(c) == set);
    c.send_line("/topic #t not a member");
    CHECK(starts_with(next_line(c), "ERR not-in-room "));
    // A newcomer gets it right after JOINED.
    c.send_line("/join #t");
    CHECK(starts_with(next_line(c), "JOINED #t 3 "));
    CHECK(next_line(c) == set);

    c.send_raw("/topic #nope\n/topic #nope text\n/topic #bad! x\n/topic nohash\n");
    CHECK(starts_with(next_line(c), "ERR no-such-room "));
    CHECK(starts_with(next_line(c), "ERR no-such-room "));
    CHECK(starts_with(next_line(c), "ERR room-name-invalid "));
    CHECK(starts_with(next_line(c), "ERR usage "));

    // When the last member leaves, the topic goes with the room.
    for (auto* member : {&a, &b, &c}) {
        member->send_line("/part #t");
        REQUIRE(member->read_until("PARTED #t", 3s));
    }
    CHECK(starts_with(join(a, "#t"), "JOINED #t 1 "));
    CHECK(lines_before_pong(a, "fresh").empty());
}

TEST_CASE("rooms: /rooms lists every room with its size", "[rooms][list]") {
    test_server server(no_replay());
    line_client a(server.port());
    line_client b(server.port());
    line_client c(server.port());
    a.register_as("a");
    b.register_as("b");
    c.register_as("c");
    join(a, "#Beta");
    join(b, "#beta");
    join(c, "#alpha");
    c.send_line("/rooms");
    CHECK(next_line(c) == "ROOMS #alpha:1 #Beta:2 #lobby:3");
    c.send_line("/part #alpha");
    CHECK(next_line(c) == "PARTED #alpha");
    a.send_line("/part #lobby");
    REQUIRE(a.read_until("PARTED #lobby", 3s));
    CHECK(next_line(c) == "LEAVE #lobby a part");
    c.send_line("/rooms");
    CHECK(next_line(c) == "ROOMS #Beta:2 #lobby:2");
}

TEST_CASE("rooms: /who lists a room's members, and says why when it cannot", "[rooms][who]") {
    test_server server(no_replay());
    line_client a(server.port());
    line_client b(server.port());
    line_client c(server.port());
    a.register_as("carl");
    b.register_as("Bea");
    c.register_as("abe");
    join(a, "#r");
    join(b, "#r");
    a.send_line("/who #R");
    CHECK(a.read_until("USERS ", 3s) == std::optional<std::string>("USERS #r Bea carl"));
    a.send_line("/who");
    CHECK(next_line(a) == "USERS #r Bea carl");
    a.send_line("/names #lobby");
    CHECK(next_line(a) == "USERS #lobby abe Bea carl");

    c.send_raw("/who #r\n/who #nope\n/who r\n/who #r!\n");
    CHECK(starts_with(c.read_until("ERR ", 3s).value_or(""), "ERR not-in-room "));
    CHECK(starts_with(next_line(c), "ERR no-such-room "));
    CHECK(starts_with(next_line(c), "ERR usage "));
    CHECK(starts_with(next_line(c), "ERR room-name-invalid "));
}

TEST_CASE("rooms: SENT carries the id receivers see, increasing across rooms and PRIV",
          "[rooms][sent]") {
    test_server server(no_replay());
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("a");
    b.register_as("b");
    join(a, "#x");
    join(a, "#y");
    join(b, "#x");
    join(b, "#y");
    lines_before_pong(a, "joined");

    a.send_raw("#x one\n#y two\n@b three\n/me four\n#lobby five\n/msg b six\nseven\n");
    const std::vector<std::string> shapes = {"MSG #x",     "MSG #y", "PRIV",  "ME #y",
                                             "MSG #lobby", "PRIV",   "MSG #y"};
    const std::vector<std::string> texts = {"one", "two", "three", "four", "five", "six", "seven"};
    long long last_id = 0;
    for (std::size_t i = 0; i < texts.size(); ++i) {
        const std::string stamp = sent_stamp(next_line(a));
        REQUIRE_FALSE(stamp.empty());
        const long long id = std::stoll(stamp.substr(0, stamp.find(' ')));
        CHECK(id > last_id);
        last_id = id;
        CHECK(next_line(b) == shapes[i] + " " + stamp + " a " + texts[i]);
    }
    CHECK(lines_before_pong(a, "end").empty());
    CHECK(lines_before_pong(b, "end").empty());
}

TEST_CASE("rooms: every message line gets one SENT or one ERR, in the order of the lines",
          "[rooms][sent]") {
    test_server server(no_replay({"--max-line", "100"}));
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("a");
    b.register_as("b");
    join(b, "#x");
    join(a, "#x");  // a's current room; b is in #lobby and #x
    CHECK(a.skipped() == std::vector<std::string>{"JOIN #lobby b"});  // passed over by join()
    CHECK(lines_before_pong(b, "joined") == std::vector<std::string>{"JOIN #x a"});

    struct step {
        std::string line;
        std::string answer;   // "" for none
        std::string relayed;  // what b sees, without the stamp: "" for nothing
    };
    const std::vector<step> steps = {
        {"good one", "SENT", "MSG #x"},
        {"", "", ""},
        {"#nope x", "ERR not-in-room", ""},
        {"@nobody x", "ERR no-such-user", ""},
        {"/me waves", "SENT", "ME #x"},
        {"#bad! x", "ERR room-name-invalid", ""},
        {"@b hi", "SENT", "PRIV"},
        {"#lobby to lobby", "SENT", "MSG #lobby"},
        {"/msg b", "ERR usage", ""},
        {"#lobby", "ERR usage", ""},
        {"bad \xc3\x28 utf8", "ERR bad-encoding", ""},
        {std::string(150, 'l'), "ERR line-too-long", ""},
        {"/me", "ERR usage", ""},
        {"//slashed", "SENT", "MSG #x"},
        {"@b \x1b[31mred", "ERR bad-encoding", ""},
        {"last", "SENT", "MSG #x"},
    };
    std::string all;
    for (const auto& s : steps) {
        all += s.line + "\n";
    }
    REQUIRE(a.send_raw(all));  // one write: the daemon sees them all at once
    for (const auto& s : steps) {
        if (s.answer.empty()) {
            continue;
        }
        INFO("line '" << s.line << "'");
        const std::string got = next_line(a);
        CHECK(starts_with(got, s.answer + " "));
        if (!s.relayed.empty()) {
            const std::string seen = next_line(b);
            CHECK(starts_with(seen, s.relayed + " " + sent_stamp(got) + " a "));
        }
    }
    CHECK(lines_before_pong(a, "end").empty());
    CHECK(lines_before_pong(b, "end").empty());
}

TEST_CASE("rooms: 200 clients in 20 rooms each get their room's burst once and in order",
          "[rooms][fanout]") {
    constexpr int rooms = 20;
    constexpr int per_room = 10;
    constexpr int clients_total = rooms * per_room;
    constexpr int burst = 30;
    // 200 connections from one address at once, each sending a burst of 31 lines at once.
    test_server server(no_replay(
        {"--default-room", "", "--max-per-ip", "0", "--connect-rate", "0", "--rate", "0"}));
    const auto start = steady_clock::now();
    std::vector<line_client> clients;
    clients.reserve(clients_total);
    const auto room_of = [](int i) { return numbered("#room", i % rooms); };
    for (int i = 0; i < clients_total; ++i) {
        clients.emplace_back(server.port());
        clients.back().register_as(numbered("c", i), server.default_room());
        const std::string joined = join(clients.back(), room_of(i));
        CHECK(starts_with(joined, "JOINED " + room_of(i) + numbered(" ", i / rooms + 1) + " "));
    }
    // Every membership is in place: each burst is sent whole before any is read.
    for (int i = 0; i < clients_total; ++i) {
        std::string lines;
        for (int k = 0; k < burst; ++k) {
            lines += numbered("m ", k) + "\n";
        }
        REQUIRE(clients[static_cast<std::size_t>(i)].send_raw(lines));
    }

    const auto deadline = start + 10s;
    // Per client: every message id it saw or sent, to compare between members of a room.
    std::vector<std::set<long long>> ids(clients_total);
    for (int i = 0; i < clients_total; ++i) {
        auto& c = clients[static_cast<std::size_t>(i)];
        const int later_joiners = per_room - 1 - i / rooms;
        int joins = 0;
        int sent = 0;
        int received = 0;
        long long last_id = 0;
        std::map<std::string, int> next;  // per sender: the next line wanted
        while (joins < later_joiners || sent < burst || received < (per_room - 1) * burst) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - steady_clock::now());
            const auto line = c.read_line(std::max(left, std::chrono::milliseconds(0)));
            INFO("client " << i << ": " << joins << " JOIN, " << sent << " SENT, " << received
                           << " MSG so far");
            REQUIRE(line);
            INFO(*line);
            if (starts_with(*line, "JOIN ")) {
                REQUIRE(starts_with(*line, "JOIN " + room_of(i) + " c"));
                REQUIRE(received == 0);  // every JOIN came before the first message
                ++joins;
                continue;
            }
            long long id = 0;
            if (const std::string stamp = sent_stamp(*line); !stamp.empty()) {
                id = std::stoll(stamp);
                ++sent;
            } else {
                const auto r = parse_relayed(*line);
                REQUIRE(r);
                REQUIRE(r->tag == "MSG");
                REQUIRE(r->room == room_of(i));
                REQUIRE(r->from != numbered("c", i));
                REQUIRE(room_of(std::stoi(r->from.substr(1))) == room_of(i));
                REQUIRE(r->text == numbered("m ", next[r->from]++));
                id = std::stoll(r->id);
                ++received;
            }
            // One room's lines reach each member in the one order the daemon gave them ids.
            REQUIRE(id > last_id);
            last_id = id;
            ids[static_cast<std::size_t>(i)].insert(id);
        }
    }
    const auto elapsed = steady_clock::now() - start;
    INFO("connect, join, send and receive took "
         << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms");
    CHECK(elapsed < 10s);
    // Exactly once: nothing more is on its way to anyone.
    for (int i = 0; i < clients_total; ++i) {
        INFO("client " << i);
        CHECK(lines_before_pong(clients[static_cast<std::size_t>(i)], "done").empty());
    }
    // Each member saw (or sent) every line of its room, and no room shares an id with another.
    std::set<long long> seen_in_other_rooms;
    for (int r = 0; r < rooms; ++r) {
        const auto& first = ids[static_cast<std::size_t>(r)];
        CHECK(first.size() == static_cast<std::size_t>(per_room * burst));
        for (int k = 1; k < per_room; ++k) {
            CHECK(ids[static_cast<std::size_t>(r + k * rooms)] == first);
        }
        for (const long long id : first) {
            CHECK(seen_in_other_rooms.insert(id).second);
        }
    }
}
