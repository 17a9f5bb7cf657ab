// The connection core without sockets: every command, every error, rooms, renames across rooms,
// and the notices of parting and closing, checked as exact wire lines through a fake transport.

#include <algorithm>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>

#include "common/frame_arena.hpp"
#include "common/server_line.hpp"
#include "server/config.hpp"
#include "server/connection.hpp"
#include "server/hub.hpp"
#include "test/unit/fake_connection.hpp"

using namespace chat;

using namespace chat::test;

namespace {}  // namespace

TEST_CASE("a new connection is greeted with HELLO chat/2", "[connection]") {
    world w;
    client c(w);
    CHECK(c.take() == lines{"HELLO chat/2 max-line=4096 Welcome! Send your name, or an empty "
                            "line for a generated one."});
}

TEST_CASE("registering puts the user in the default room and tells its members", "[connection]") {
    world w;
    client alice(w, "alice");
    client bob(w);
    bob.take();
    bob.send("  bob ");
    CHECK(masked(bob.take()) == lines{"WELCOME bob TOKEN Hello bob! /help lists the commands.",
                                      "JOINED #lobby 2 you are now talking in #lobby",
                                      "HISTORY #lobby complete 0"});
    CHECK(alice.take() == lines{"JOIN #lobby bob"});
    CHECK(bob.core().name() == "bob");
    CHECK(bob.core().room_count() == 1);
}

TEST_CASE("refused names leave the connection waiting for another", "[connection]") {
    world w;
    client alice(w, "alice");
    client c(w);
    c.take();
    c.send("bad name!");
    c.send("ALICE");
    c.send("server");
    c.send(std::string(33, 'x'));
    const auto replies = c.take();
    REQUIRE(replies.size() == 4);
    CHECK(replies[0].starts_with("ERR name-invalid "));
    CHECK(replies[1] == "ERR name-taken the name ALICE is taken; send another");
    CHECK(replies[2].starts_with("ERR name-invalid "));
    CHECK(replies[3].starts_with("ERR name-invalid "));
    CHECK_FALSE(c.core().registered());
    c.send("");
    const auto welcome = c.take();
    REQUIRE(!welcome.empty());
    CHECK(welcome[0].starts_with("WELCOME "));
    CHECK(c.core().registered());
    CHECK(alice.take().size() == 1);  // one JOIN, for the generated name only
}

TEST_CASE("with no default room a plain line has nowhere to go", "[connection]") {
    server_config config;
    config.default_room.clear();
    world w(config);
    client c(w);
    c.take();
    c.send("carol");
    CHECK(masked(c.take()) == lines{"WELCOME carol TOKEN Hello carol! /help lists the commands."});
    c.send("hello?");
    c.send("/me waves");
    c.send("/who");
    c.send("/part");
    const auto replies = c.take();
    REQUIRE(replies.size() == 4);
    for (const auto& r : replies) {
        CHECK(r.starts_with("ERR not-in-room "));
    }
    c.send("/join #a");
    c.send("now");
    CHECK(masked(c.take()) ==
          lines{"JOINED #a 1 you are now talking in #a", "HISTORY #a complete 0", "SENT ID T"});
}

TEST_CASE("a room message reaches the other members once, and the sender gets SENT",
          "[connection]") {
    world w;
    client alice(w, "alice");
    client bob(w, "bob");
    client carol(w, "carol");
    alice.take();
    bob.take();
    alice.send("hi all");
    const auto sent = alice.take();
    REQUIRE(sent.size() == 1);
    REQUIRE(sent[0].starts_with("SENT "));
    const auto to_bob = bob.take();
    REQUIRE(to_bob.size() == 1);
    CHECK(masked(to_bob[0]) == "MSG #lobby ID T alice hi all");
    CHECK(field(to_bob[0], &server_line::id) == field(sent[0], &server_line::id));
    CHECK(field(to_bob[0], &server_line::time) == field(sent[0], &server_line::time));
    CHECK(carol.take() == to_bob);
    alice.send("/me waves");
    CHECK(masked(bob.take()) == lines{"ME #lobby ID T alice waves"});
    CHECK(masked(alice.take()) == lines{"SENT ID T"});
}

TEST_CASE("rooms are separate, and #room text talks to a room without switching", "[connection]") {
    world w;
    client alice(w, "alice");
    client bob(w, "bob");
    client lurker(w, "lurker");
    alice.take();
    bob.take();
    alice.send("/join #rust");
    CHECK(alice.take() ==
          lines{"JOINED #rust 1 you are now talking in #rust", "HISTORY #rust complete 0"});
    bob.send("/join #RUST");
    CHECK(bob.take() == lines{"JOINED #rust 2 you are now talking in #rust",
                              "HISTORY #rust complete 0"});  // as created
    CHECK(alice.take() == lines{"JOIN #rust bob"});
    CHECK(lurker.take().empty());  // nothing of #rust reaches #lobby

    alice.send("in rust");
    alice.send("#lobby in the lobby");
    alice.send("rust again");  // the current room did not change
    CHECK(masked(bob.take()) == lines{"MSG #rust ID T alice in rust",
                                      "MSG #lobby ID T alice in the lobby",
                                      "MSG #rust ID T alice rust again"});
    CHECK(masked(lurker.take()) == lines{"MSG #lobby ID T alice in the lobby"});
    CHECK(alice.take().size() == 3);  // three SENT
}

TEST_CASE("joining a room one is in makes it current and tells nobody", "[connection]") {
    world w;
    client alice(w, "alice");
    client bob(w, "bob");
    alice.send("/join #a");
    alice.take();
    bob.take();
    alice.send("/join #lobby");
    CHECK(alice.take() == lines{"JOINED #lobby 2 you are now talking in #lobby"});
    CHECK(bob.take().empty());
    alice.send("back in the lobby");
    CHECK(masked(bob.take()) == lines{"MSG #lobby ID T alice back in the lobby"});
}

TEST_CASE("room names are checked and the room limit holds", "[connection]") {
    server_config config;
    config.max_rooms = 3;
    world w(config);
    client alice(w, "alice");
    for (const auto* bad : {"/join rust", "/join #", "/join #a b!", "/join #a/b", "#! hi"}) {
        alice.send(bad);
        const auto reply = alice.take();
        REQUIRE(reply.size() == 1);
        CHECK(reply[0].starts_with("ERR room-name-invalid "));
    }
    alice.send("/join #" + std::string(33, 'x'));
    CHECK(alice.take()[0].starts_with("ERR room-name-invalid "));
    alice.send("/join #" + std::string(32, 'x'));
    CHECK(alice.take()[0].starts_with("JOINED #"));
    alice.send("/join #b");
    CHECK(alice.take()[0].starts_with("JOINED #b "));
    alice.send("/join #c");
    CHECK(alice.take() ==
          lines{"ERR too-many-rooms you are in 3 rooms, the most allowed; /part one first"});
    CHECK(alice.core().room_count() == 3);
    alice.send("still here");
    CHECK(masked(alice.take()) == lines{"SENT ID T"});
}

TEST_CASE("parting tells the room, confirms, and falls back to the last room joined",
          "[connection]") {
    world w;
    client alice(w, "alice");
    client bob(w, "bob");
    alice.send("/join #a");
    alice.send("/join #b");
    bob.send("/join #a");
    bob.send("/join #b");
    alice.take();
    bob.take();

    alice.send("/part off to lunch");  // the current room, #b, with a reason
    CHECK(alice.take() == lines{"PARTED #b"});
    CHECK(bob.take() == lines{"LEAVE #b alice part off to lunch"});
    alice.send("where am I");
    CHECK(masked(bob.take()) == lines{"MSG #a ID T alice where am I"});
    alice.take();

    alice.send("/part #lobby");
    CHECK(alice.take() == lines{"PARTED #lobby"});
    CHECK(bob.take() == lines{"LEAVE #lobby alice part"});
    alice.send("/part #lobby");
    CHECK(alice.take()[0].starts_with("ERR not-in-room "));
    alice.send("#lobby hello");
    CHECK(alice.take()[0].starts_with("ERR not-in-room "));
    alice.send("still #a");
    CHECK(masked(bob.take()) == lines{"MSG #a ID T alice still #a"});
}

TEST_CASE("an empty room disappears with its topic", "[connection]") {
    world w;
    client alice(w, "alice");
    alice.send("/join #tmp");
    alice.send("/topic #tmp short-lived");
    alice.send("/part #tmp");
    alice.take();
    alice.send("/rooms");
    CHECK(alice.take() == lines{"ROOMS #lobby:1"});
    alice.send("/topic #tmp");
    CHECK(alice.take() == lines{"ERR no-such-room there is no room #tmp; /rooms lists them"});
    alice.send("/join #tmp");
    CHECK(alice.take() == lines{"JOINED #tmp 1 you are now talking in #tmp",
                                "HISTORY #tmp complete 0"});  // no TOPIC
}

TEST_CASE("topics are set by members, shown to all, and sent on join", "[connection]") {
    world w;
    client alice(w, "alice");
    client bob(w, "bob");
    alice.send("/join #a");
    alice.take();
    bob.take();
    alice.send("/topic");
    CHECK(alice.take() == lines{"INFO #a has no topic"});
    alice.send("/topic #a all about a");
    CHECK(masked(alice.take()) == lines{"TOPIC #a alice T all about a"});
    bob.send("/topic #a");  // anyone may look
    CHECK(masked(bob.take()) == lines{"TOPIC #a alice T all about a"});
    bob.send("/topic #a mine now");  // only members may set it
    CHECK(bob.take()[0].starts_with("ERR not-in-room "));
    bob.send("/join #a");
    CHECK(masked(bob.take()) == lines{"JOINED #a 2 you are now talking in #a",
                                      "TOPIC #a alice T all about a", "HISTORY #a complete 0"});
    bob.send("/join #lobby");
    bob.send("/join #a");  // switching back shows the topic again
    CHECK(masked(bob.take()) == lines{"JOINED #lobby 2 you are now talking in #lobby",
                                      "JOINED #a 2 you are now talking in #a",
                                      "TOPIC #a alice T all about a"});
    bob.send("/topic nope");
    CHECK(bob.take() == lines{"ERR usage usage: /topic [#ROOM [TEXT]]"});
    bob.send("/topic #nowhere");
    CHECK(bob.take()[0].starts_with("ERR no-such-room "));
}

TEST_CASE("who and rooms list names and counts without regard to case", "[connection]") {
    world w;
    client bob(w, "bob");
    client alice(w, "Alice");
    client carol(w, "carol");
    carol.send("/join #Zeta");
    carol.send("/join #alpha");
    carol.take();
    bob.take();
    bob.send("/who");
    CHECK(bob.take() == lines{"USERS #lobby Alice bob carol"});
    bob.send("/who #alpha");
    CHECK(bob.take()[0].starts_with("ERR not-in-room "));
    bob.send("/who #none");
    CHECK(bob.take()[0].starts_with("ERR no-such-room "));
    bob.send("/who bad");
    CHECK(bob.take() == lines{"ERR usage usage: /who [#ROOM]"});
    bob.send("/rooms");
    CHECK(bob.take() == lines{"ROOMS #alpha:1 #lobby:3 #Zeta:1"});
    for (const auto* name : {"#a0", "#a-b", "#a", "#ab"}) {
        carol.send(std::string("/join ") + name);
    }
    carol.take();
    bob.send("/rooms");  // by name: "#a" before "#a-b", though ':' sorts after '-'
    CHECK(bob.take() == lines{"ROOMS #a:1 #a-b:1 #a0:1 #ab:1 #alpha:1 #lobby:3 #Zeta:1"});
}

TEST_CASE("a rename is announced once to everyone sharing a room, and to the user",
          "[connection]") {
    world w;
    client alice(w, "alice");
    client both(w, "both");      // shares #lobby and #a with alice
    client only_a(w, "only_a");  // shares #a only
    client stranger(w, "stranger");
    alice.send("/join #a");
    both.send("/join #a");
    only_a.send("/join #a");
    only_a.send("/part #lobby");
    stranger.send("/part #lobby");
    for (auto* c : {&alice, &both, &only_a, &stranger}) {
        c->take();
    }
    alice.send("/nick Alicia");
    CHECK(alice.take() == lines{"NICK alice Alicia"});
    CHECK(both.take() == lines{"NICK alice Alicia"});
    CHECK(only_a.take() == lines{"NICK alice Alicia"});
    CHECK(stranger.take().empty());
    alice.send("/nick ALICIA");  // a change of case only is allowed
    CHECK(alice.take() == lines{"NICK Alicia ALICIA"});
    alice.send("/nick ALICIA");  // no change: nothing said
    CHECK(alice.take().empty());
    alice.send("/nick BOTH");
    CHECK(alice.take() == lines{"ERR name-taken the name BOTH is taken"});
    alice.send("/nick bad!");
    CHECK(alice.take()[0].starts_with("ERR name-invalid "));
    both.take();
    stranger.send("@alicia hi");  // the new name is found anywhere, the old one is free
    CHECK(masked(alice.take()) == lines{"PRIV ID T stranger hi"});
    stranger.take();
    stranger.send("@alice hi");
    CHECK(stranger.take() == lines{"ERR no-such-user nobody here is called alice"});
}

TEST_CASE("private messages reach a user in any room or in none", "[connection]") {
    world w;
    client alice(w, "alice");
    client bob(w, "bob");
    bob.send("/part");
    alice.take();
    bob.take();
    alice.send("@bob psst");
    alice.send("/msg bob again");
    const auto sent = alice.take();
    const auto got = bob.take();
    REQUIRE(sent.size() == 2);
    REQUIRE(got.size() == 2);
    CHECK(masked(got) == lines{"PRIV ID T alice psst", "PRIV ID T alice again"});
    CHECK(field(got[0], &server_line::id) == field(sent[0], &server_line::id));
    CHECK(field(got[1], &server_line::id) == field(sent[1], &server_line::id));
}

TEST_CASE("ids increase across rooms and private messages", "[connection]") {
    world w;
    client alice(w, "alice");
    client bob(w, "bob");
    alice.send("/join #a");
    alice.send("one");
    alice.send("#lobby two");
    alice.send("@bob three");
    alice.send("/me four");
    std::vector<unsigned long> ids;
    for (const auto& l : alice.take()) {
        if (l.starts_with("SENT ")) {
            ids.push_back(std::stoul(field(l, &server_line::id)));
        }
    }
    REQUIRE(ids.size() == 4);
    CHECK(std::is_sorted(ids.begin(), ids.end()));
    CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
}

TEST_CASE("every message line gets one SENT or one ERR, in the order of the lines",
          "[connection]") {
    world w;
    client alice(w, "alice");
    client bob(w, "bob");
    alice.send("/join #a");
    alice.take();
    for (const auto* line : {"ok 1", "#nowhere x", "@nobody x", "@bob ok 2", "#a ok 3",
                             "#lobby ok 4", "/me ok 5", "#bad! x", "@", "ok 6"}) {
        alice.send(line);
    }
    // Each answer reduced to what identifies it: SENT with its id and time masked, ERR with
    // its code.
    lines answers;
    for (const auto& l : alice.take()) {
        answers.push_back(l.starts_with("SENT ") ? masked(l)
                                                 : l.substr(0, l.find(' ', l.find(' ') + 1)));
    }
    CHECK(answers == lines{"SENT ID T", "ERR not-in-room", "ERR no-such-user", "SENT ID T",
                           "SENT ID T", "SENT ID T", "SENT ID T", "ERR room-name-invalid",
                           "ERR usage", "SENT ID T"});
}

TEST_CASE("closing says LEAVE once in each room, with the reason", "[connection]") {
    world w;
    auto alice = std::make_unique<client>(w, "alice");
    client bob(w, "bob");
    client carol(w, "carol");
    alice->send("/join #a");
    alice->send("/join #b");
    bob.send("/join #a");
    bob.send("/join #b");
    carol.send("/join #b");
    carol.send("/part #lobby");
    for (auto* c : {alice.get(), &bob, &carol}) {
        c->take();
    }
    alice->send("/quit see you");
    REQUIRE(alice->transport().closed == close_reason::quit);
    auto seen = bob.take();
    std::sort(seen.begin(), seen.end());
    CHECK(seen == lines{"LEAVE #a alice quit see you", "LEAVE #b alice quit see you",
                        "LEAVE #lobby alice quit see you"});
    CHECK(carol.take() == lines{"LEAVE #b alice quit see you"});
    alice.reset();  // the core is destroyed after on_close: nothing more is said
    CHECK(bob.take().empty());
    client again(w, "alice");  // the name is free again
    CHECK(again.core().registered());
}

TEST_CASE("leaving for other reasons names them, at shutdown nobody is told", "[connection]") {
    server_config no_grace;
    no_grace.resume_grace = std::chrono::milliseconds(0);  // a lost connection leaves at once
    world w(no_grace);
    client bob(w, "bob");
    for (const auto& [reason, wire] : std::vector<std::pair<close_reason, std::string>>{
             {close_reason::disconnected, "disconnected"},
             {close_reason::idle_timeout, "timeout"},
             {close_reason::slow_consumer, "slow-consumer"},
             {close_reason::io_error, "error"}}) {
        client x(w, "x");
        bob.take();
        x.core().on_close(reason, {});
        CHECK(bob.take() == lines{"LEAVE #lobby x " + wire});
        x.core().on_close(reason, {});  // idempotent
        CHECK(bob.take().empty());
    }
    client y(w, "y");
    bob.take();
    y.core().on_close(close_reason::shutdown, {});
    CHECK(bob.take().empty());
}

TEST_CASE("deadlines: handshake, PING at half the idle time, idle", "[connection]") {
    server_config config;
    config.handshake_timeout = std::chrono::seconds(10);
    config.idle_timeout = std::chrono::seconds(120);
    world w(config);
    client c(w);
    c.take();
    CHECK_FALSE(c.core().check_deadlines(t0 + std::chrono::seconds(9)));
    CHECK(c.core().check_deadlines(t0 + std::chrono::seconds(10)) ==
          close_reason::handshake_timeout);

    client d(w, "d");
    const auto at = [](int s) { return t0 + std::chrono::seconds(s); };
    CHECK_FALSE(d.core().check_deadlines(at(59)));
    CHECK(d.take().empty());
    CHECK_FALSE(d.core().check_deadlines(at(60)));
    const auto ping = d.take();
    REQUIRE(ping.size() == 1);
    REQUIRE(ping[0].starts_with("PING "));
    CHECK_FALSE(d.core().check_deadlines(at(61)));
    CHECK(d.take().empty());  // one PING until answered
    d.send("/pong " + ping[0].substr(5), at(70));
    CHECK_FALSE(d.core().check_deadlines(at(189)));
    CHECK(d.core().check_deadlines(at(190)) == close_reason::idle_timeout);
}

TEST_CASE("bad text and long lines get ERR and change nothing", "[connection]") {
    world w;
    client alice(w, "alice");
    client bob(w, "bob");
    alice.take();
    alice.send(std::string("a\x01") + "b");
    alice.send("\xff");
    alice.core().on_line_too_long();
    const auto replies = alice.take();
    REQUIRE(replies.size() == 3);
    CHECK(replies[0].starts_with("ERR bad-encoding "));
    CHECK(replies[1].starts_with("ERR bad-encoding "));
    CHECK(replies[2] == "ERR line-too-long lines are limited to 4096 bytes; that one was dropped");
    CHECK(bob.take().empty());
}

TEST_CASE("commands: ping, help, stats, unknown, usage", "[connection]") {
    world w;
    client alice(w, "alice");
    alice.send("/ping");
    alice.send("/ping abc");
    CHECK(alice.take() == lines{"PONG", "PONG abc"});
    alice.send("/help");
    const auto help = alice.take();
    CHECK(help.size() >= 5);
    CHECK(std::all_of(help.begin(), help.end(),
                      [](const auto& l) { return l.starts_with("INFO "); }));
    alice.send("/stats");
    CHECK(alice.take() == lines{"INFO connections=1 users=1 rooms=1 messages=0"});
    alice.send("/dance");
    CHECK(alice.take() ==
          lines{"ERR unknown-command there is no command /dance; /help lists them"});
    alice.send("/join");
    CHECK(alice.take() == lines{"ERR usage usage: /join #ROOM"});
    alice.send("#lobby");
    CHECK(alice.take() == lines{"ERR usage usage: #ROOM TEXT"});
}

TEST_CASE("memberships stay consistent through random joins, parts and closes", "[connection]") {
    // The two-sided indices (room -> member slot, connection -> membership slot) are the one
    // tricky data structure here: compare them with a plain model after every kind of change.
    server_config config;
    config.max_rooms = 6;
    world w(config);
    std::mt19937 rng(12345);
    std::vector<std::unique_ptr<client>> clients;
    std::map<std::string, std::set<std::string>> model;      // room -> members
    std::map<std::string, std::vector<std::string>> joined;  // member -> rooms, in join order
    std::map<std::string, std::string> current;              // member -> current room
    int serial = 0;
    const auto add_client = [&] {
        const std::string name = "u" + std::to_string(serial++);
        clients.push_back(std::make_unique<client>(w, name));
        model["#lobby"].insert(name);
        joined[name] = {"#lobby"};
        current[name] = "#lobby";
    };
    for (int i = 0; i < 12; ++i) {
        add_client();
    }
    for (int step = 0; step < 3000; ++step) {
        auto& c = *clients[rng() % clients.size()];
        const std::string name = c.core().name();
        const std::string room = "#r" + std::to_string(rng() % 8);
        switch (rng() % 6) {
            case 0:
            case 1:
            case 2:
                c.send("/join " + room);
                if (model[room].contains(name)) {
                    current[name] = room;
                } else if (joined[name].size() < config.max_rooms) {
                    model[room].insert(name);
                    joined[name].push_back(room);
                    current[name] = room;
                }
                break;
            case 3:
            case 4:
                c.send("/part " + room);
                if (model[room].erase(name) != 0) {
                    std::erase(joined[name], room);
                    if (current[name] == room) {
                        current[name] = joined[name].empty() ? "" : joined[name].back();
                    }
                }
                break;
            default: {
                const auto it = std::find_if(clients.begin(), clients.end(),
                                             [&](const auto& p) { return p.get() == &c; });
                c.send("/quit");
                for (const auto& r : joined[name]) {
                    model[r].erase(name);
                }
                joined.erase(name);
                clients.erase(it);
                add_client();
                break;
            }
        }
    }
    std::size_t rooms_alive = 0;
    for (const auto& [room, members] : model) {
        rooms_alive += members.empty() ? 0U : 1U;
    }
    for (auto& c : clients) {
        c->take();
        const auto& mine = joined[c->core().name()];
        CHECK(c->core().room_count() == mine.size());
        for (const auto& room : mine) {
            c->send("/who " + room);
            const auto reply = c->take();
            REQUIRE(reply.size() == 1);
            std::set<std::string> seen;
            for_each_name(field(reply[0], &server_line::text),
                          [&](std::string_view n) { seen.emplace(n); });
            CHECK(seen == model[room]);
        }
        if (!mine.empty()) {
            // The current room: the last one joined or re-joined, else the last one still held.
            c->send("/who");
            CHECK(field(c->take()[0], &server_line::room) == current[c->core().name()]);
        }
    }
    CHECK(w.h.rooms.size() == rooms_alive);
}

TEST_CASE("a long member list comes in lines of at most max-line, encoded once", "[connection]") {
    server_config config;
    config.max_line = 200;
    world w(config);
    std::vector<std::unique_ptr<client>> crowd;
    std::set<std::string> expected;
    for (int i = 0; i < 60; ++i) {
        const std::string name = "member-number-" + std::to_string(i);
        crowd.push_back(std::make_unique<client>(w, name));
        expected.insert(name);
    }
    auto& asker = *crowd.front();
    asker.take();
    asker.send("/who");
    const auto first = asker.take();
    REQUIRE(first.size() > 1);
    std::set<std::string> seen;
    for (std::size_t i = 0; i < first.size(); ++i) {
        CHECK(first[i].size() <= config.max_line);
        const auto parsed = parse_server_line(first[i]);
        REQUIRE(parsed);
        CHECK(parsed->tag == server_tag::users);
        CHECK(parsed->room == "#lobby");
        const auto part = split_list_part(parsed->text);
        CHECK(part.more == (i + 1 < first.size()));  // "+" on every line but the last
        for_each_name(part.items, [&](std::string_view n) { CHECK(seen.emplace(n).second); });
    }
    CHECK(seen == expected);
    // A big answer costs its asker: 60 names of ~17 bytes is about half a line's worth more.
    CHECK(asker.core().take_extra_cost() > 0.4);
    CHECK(asker.core().take_extra_cost() == 0);

    const std::size_t live = w.directs.live_chunks();
    for (int i = 0; i < 20; ++i) {
        asker.send("/who");
    }
    CHECK(w.directs.live_chunks() == live);  // the same encoded lines, shared, not 20 copies
    const auto again = asker.take();
    CHECK(lines(again.end() - static_cast<std::ptrdiff_t>(first.size()), again.end()) == first);
    crowd.back()->send("/nick renamed");  // a change makes the next answer new
    asker.take();
    asker.send("/who");
    const auto after = asker.take();
    CHECK(after != first);
    CHECK(std::any_of(after.begin(), after.end(),
                      [](const auto& l) { return l.find(" renamed") != std::string::npos; }));
}

TEST_CASE("private messages past a reader's budget get target-busy, and nothing is lost",
          "[connection]") {
    server_config config;
    config.private_rate = 1000;  // bytes per second; 4,000 at once (but at least a line)
    config.max_line = 1000;
    world w(config);
    client victim(w, "victim");
    client a(w, "a");
    client b(w, "b");
    victim.take();  // the JOINs
    const std::string text(900, 'x');
    // 4,000 bytes of budget: four lines of 900 pass, the fifth does not, from whoever it comes.
    for (auto* sender : {&a, &b, &a, &b}) {
        sender->send("@victim " + text, t0);
        CHECK(sender->take().back().starts_with("SENT "));
    }
    a.send("@victim " + text, t0);
    CHECK(a.take() == lines{"ERR target-busy victim is getting more private messages than they "
                            "can read; nothing was sent, try again in a moment"});
    CHECK(victim.take().size() == 4);
    // The budget refills with time.
    b.send("@victim " + text, t0 + std::chrono::seconds(1));
    CHECK(b.take().back().starts_with("SENT "));
    CHECK(victim.take().size() == 1);
    // A reader far behind (a quarter of its queue) takes nothing, whatever its budget.
    victim.transport().queued = config.max_send_queue / 4 + 1;
    a.send("@victim hi", t0 + std::chrono::seconds(60));
    CHECK(a.take()[0].starts_with("ERR target-busy "));
    victim.transport().queued = 0;
    a.send("@victim hi", t0 + std::chrono::seconds(61));
    CHECK(a.take()[0].starts_with("SENT "));
}

TEST_CASE("/ignore hides a sender's private messages, through renames, without a hint",
          "[connection]") {
    world w;
    client alice(w, "alice");
    client troll(w, "troll");
    alice.take();
    alice.send("/ignore");
    CHECK(alice.take() == lines{"INFO you ignore nobody"});
    alice.send("/ignore Troll");
    CHECK(alice.take() == lines{"INFO ignoring Troll: their private messages will not reach you"});
    troll.take();
    troll.send("@alice hello?");
    CHECK(masked(troll.take()) == lines{"SENT ID T"});  // as if it went through
    CHECK(alice.take().empty());
    troll.send("/nick troll2");  // a new name does not get around it
    alice.take();
    troll.take();
    troll.send("@alice it's me");
    CHECK(masked(troll.take()) == lines{"SENT ID T"});
    CHECK(alice.take().empty());
    troll.send("room messages still arrive");
    CHECK(alice.take().size() == 1);
    alice.send("/ignore");
    CHECK(alice.take() == lines{"INFO you ignore: Troll"});  // as typed
    alice.send("/unignore troll2");                          // by the current name of the same user
    CHECK(alice.take() == lines{"INFO no longer ignoring troll2"});
    troll.send("@alice sorry");
    CHECK(masked(alice.take()) == lines{"PRIV ID T troll2 sorry"});
    alice.send("/unignore");
    CHECK(alice.take() == lines{"ERR usage usage: /unignore NAME"});
    alice.send("/ignore bad!");
    CHECK(alice.take()[0].starts_with("ERR name-invalid "));
}

TEST_CASE("/rooms lists at most 500 rooms in name order, from a prefix", "[connection]") {
    world w;
    std::vector<std::unique_ptr<client>> owners;
    for (int c = 0; c < 11; ++c) {
        owners.push_back(std::make_unique<client>(w, "owner" + std::to_string(c)));
        for (int r = 0; r < 49; ++r) {
            owners.back()->send("/join #r" + std::to_string(c * 49 + r));
        }
        owners.back()->take();
    }
    auto& asker = *owners.front();
    asker.send("/rooms");
    const auto all = asker.take();
    REQUIRE(all.size() >= 2);
    std::vector<std::string> listed;
    for (const auto& l : all) {
        if (l.starts_with("ROOMS")) {
            for_each_room_entry(
                split_list_part(l.substr(5)).items,
                [&](std::string_view room, std::string_view) { listed.emplace_back(room); });
        }
    }
    CHECK(listed.size() == 500);
    CHECK(std::is_sorted(listed.begin(), listed.end()));
    CHECK(all.back().starts_with("INFO there are more rooms than the 500 listed"));
    asker.send("/rooms #r53");
    CHECK(asker.take() == lines{"ROOMS #r53:1 #r530:1 #r531:1 #r532:1 #r533:1 #r534:1 "
                                "#r535:1 #r536:1 #r537:1 #r538:1"});  // 539 rooms: #r0 to #r538
    asker.send("/rooms #nothing");
    CHECK(asker.take() == lines{"ROOMS"});
    asker.send("/rooms r5");
    CHECK(asker.take() == lines{"ERR usage usage: /rooms [#PREFIX]"});
}

TEST_CASE("a topic is at most 390 bytes", "[connection]") {
    world w;
    client alice(w, "alice");
    alice.send("/topic #lobby " + std::string(391, 't'));
    CHECK(alice.take() == lines{"ERR usage a topic is at most 390 bytes"});
    alice.send("/topic #lobby " + std::string(390, 't'));
    CHECK(alice.take()[0].starts_with("TOPIC #lobby alice "));
}

TEST_CASE("a private message to oneself is acknowledged and not echoed", "[connection]") {
    world w;
    client alice(w, "alice");
    alice.send("@alice note to self");
    CHECK(masked(alice.take()) == lines{"SENT ID T"});
}

TEST_CASE("a rename costs flood budget by the members it reaches", "[connection]") {
    world w;
    std::vector<std::unique_ptr<client>> crowd;
    for (int i = 0; i < 200; ++i) {
        crowd.push_back(std::make_unique<client>(w, "m" + std::to_string(i)));
    }
    auto& renamer = *crowd.front();
    renamer.take();
    renamer.send("/nick renamed");
    // 200 members x "NICK m0 renamed\n" (16 bytes) = 3,200 bytes: more than one line's worth.
    CHECK(renamer.core().take_extra_cost() > 1.5);
}

TEST_CASE("/ignore of a name not online follows that user once seen", "[connection]") {
    world w;
    client alice(w, "alice");
    alice.send("/ignore Later");
    alice.take();
    client later(w, "later");
    later.send("@alice hi");
    CHECK(alice.take() == lines{"JOIN #lobby later"});  // the PRIV went nowhere
    later.send("/nick other");
    later.send("@alice again");
    alice.take();  // NICK
    later.send("@alice and again");
    CHECK(alice.take().empty());
    alice.send("/ignore");
    CHECK(alice.take() == lines{"INFO you ignore: Later"});
}
