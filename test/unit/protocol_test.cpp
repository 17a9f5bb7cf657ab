#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include "common/encode.hpp"
#include "common/frame_arena.hpp"
#include "common/protocol.hpp"
#include "common/server_line.hpp"

using chat::command_kind;
using chat::parse_command;
using namespace chat;

TEST_CASE("plain lines are messages to the current room", "[protocol]") {
    const auto c = parse_command("hello there");
    CHECK(c.kind == command_kind::say);
    CHECK(c.text == "hello there");
}

TEST_CASE("blank lines are ignored", "[protocol]") {
    CHECK(parse_command("").kind == command_kind::empty);
    CHECK(parse_command("   ").kind == command_kind::empty);
}

TEST_CASE("double slash sends a line starting with one slash", "[protocol]") {
    const auto c = parse_command("//shrug");
    CHECK(c.kind == command_kind::say);
    CHECK(c.text == "/shrug");
}

TEST_CASE("@name and /msg are private messages", "[protocol]") {
    auto c = parse_command("@bob hi there");
    CHECK(c.kind == command_kind::private_message);
    CHECK(c.target == "bob");
    CHECK(c.text == "hi there");
    c = parse_command("/msg bob  hi");
    CHECK(c.kind == command_kind::private_message);
    CHECK(c.target == "bob");
    CHECK(c.text == "hi");
    CHECK(parse_command("@bob").kind == command_kind::usage);
    CHECK(parse_command("@").kind == command_kind::usage);
    CHECK(parse_command("/msg bob").kind == command_kind::usage);
    CHECK(parse_command("/msg").kind == command_kind::usage);
}

TEST_CASE("#room text talks to a room without switching", "[protocol]") {
    auto c = parse_command("#rust hello there");
    CHECK(c.kind == command_kind::room_say);
    CHECK(c.target == "#rust");
    CHECK(c.text == "hello there");
    c = parse_command("#rust   spaced  out ");
    CHECK(c.kind == command_kind::room_say);
    CHECK(c.text == "spaced  out ");  // the spaces after the room separate, the rest is text
    // Names are only recognised here; whether they are valid is check_room_name's to say.
    c = parse_command("#no!such hi");
    CHECK(c.kind == command_kind::room_say);
    CHECK(c.target == "#no!such");
    // A line opening with a space is plain text, as the not-in-room error tells people.
    c = parse_command(" #rust is great");
    CHECK(c.kind == command_kind::say);
    CHECK(c.text == " #rust is great");
}

TEST_CASE("#room without text, or # alone, is a usage error", "[protocol]") {
    for (const char* line : {"#rust", "#rust ", "#rust    ", "#", "# hi", "#  "}) {
        INFO(line);
        const auto c = parse_command(line);
        CHECK(c.kind == command_kind::usage);
        CHECK(c.target == "#");
    }
    CHECK(chat::usage_of("#") == "#ROOM TEXT");
}

TEST_CASE("/join takes one room", "[protocol]") {
    auto c = parse_command("/join #rust");
    CHECK(c.kind == command_kind::join);
    CHECK(c.target == "#rust");
    c = parse_command("/join   #rust  ");
    CHECK(c.kind == command_kind::join);
    CHECK(c.target == "#rust");
    // Like /nick: a target with a space is a name the rules refuse, not its first word.
    c = parse_command("/join #a #b");
    CHECK(c.kind == command_kind::join);
    CHECK(c.target == "#a #b");
    c = parse_command("/join rust");  // no '#': check_room_name refuses it with a reason
    CHECK(c.kind == command_kind::join);
    CHECK(c.target == "rust");
    CHECK(parse_command("/join").kind == command_kind::usage);
    CHECK(parse_command("/join   ").target == "join");
}

TEST_CASE("/part [#room] [reason]", "[protocol]") {
    auto c = parse_command("/part");
    CHECK(c.kind == command_kind::part);
    CHECK(c.target.empty());
    CHECK(c.text.empty());
    c = parse_command("/part #rust");
    CHECK(c.kind == command_kind::part);
    CHECK(c.target == "#rust");
    CHECK(c.text.empty());
    c = parse_command("/part #rust  off to bed ");
    CHECK(c.kind == command_kind::part);
    CHECK(c.target == "#rust");
    CHECK(c.text == "off to bed");
    c = parse_command("/part off to bed");  // no room: the current one, and all is the reason
    CHECK(c.kind == command_kind::part);
    CHECK(c.target.empty());
    CHECK(c.text == "off to bed");
    c = parse_command("/part   ");
    CHECK(c.kind == command_kind::part);
    CHECK(c.target.empty());
    CHECK(c.text.empty());
}

TEST_CASE("/topic shows or sets a topic", "[protocol]") {
    auto c = parse_command("/topic");
    CHECK(c.kind == command_kind::topic);
    CHECK(c.target.empty());
    CHECK(c.text.empty());
    c = parse_command("/topic #rust");
    CHECK(c.kind == command_kind::topic);
    CHECK(c.target == "#rust");
    CHECK(c.text.empty());
    c = parse_command("/topic #rust  borrow checker tips");
    CHECK(c.kind == command_kind::topic);
    CHECK(c.target == "#rust");
    CHECK(c.text == "borrow checker tips");
    c = parse_command("/topic #rust   ");
    CHECK(c.kind == command_kind::topic);
    CHECK(c.text.empty());  // only spaces: shown, not set to nothing
    // Text without a room would set the current room's topic by accident of typing: refused.
    c = parse_command("/topic borrow checker");
    CHECK(c.kind == command_kind::usage);
    CHECK(c.target == "topic");
}

TEST_CASE("/who and /names name an optional room", "[protocol]") {
    auto c = parse_command("/who");
    CHECK(c.kind == command_kind::who);
    CHECK(c.target.empty());
    c = parse_command("/who #rust");
    CHECK(c.kind == command_kind::who);
    CHECK(c.target == "#rust");
    c = parse_command("/who  #rust ");
    CHECK(c.target == "#rust");
    c = parse_command("/names #rust");
    CHECK(c.kind == command_kind::who);
    CHECK(c.target == "#rust");
    c = parse_command("/who bob");
    CHECK(c.kind == command_kind::usage);
    CHECK(c.target == "who");
    c = parse_command("/names bob");
    CHECK(c.kind == command_kind::usage);
    CHECK(c.target == "who");
    c = parse_command("/who #a #b");  // one room at most
    CHECK(c.kind == command_kind::usage);
    CHECK(c.target == "who");
}

TEST_CASE("each command parses with its argument", "[protocol]") {
    CHECK(parse_command("/who").kind == command_kind::who);
    CHECK(parse_command("/rooms").kind == command_kind::rooms);
    CHECK(parse_command("/help").kind == command_kind::help);
    CHECK(parse_command("/stats").kind == command_kind::stats);
    auto c = parse_command("/me waves");
    CHECK(c.kind == command_kind::me);
    CHECK(c.text == "waves");
    c = parse_command("/nick  carol ");
    CHECK(c.kind == command_kind::nick);
    CHECK(c.target == "carol");
    c = parse_command("/ping abc");
    CHECK(c.kind == command_kind::ping);
    CHECK(c.text == "abc");
    CHECK(parse_command("/ping").kind == command_kind::ping);
    c = parse_command("/pong 17");
    CHECK(c.kind == command_kind::pong);
    CHECK(c.text == "17");
    c = parse_command("/quit see you");
    CHECK(c.kind == command_kind::quit);
    CHECK(c.text == "see you");
    CHECK(parse_command("/quit").kind == command_kind::quit);
}

TEST_CASE("missing arguments are usage errors", "[protocol]") {
    CHECK(parse_command("/me").kind == command_kind::usage);
    CHECK(parse_command("/me   ").kind == command_kind::usage);
    CHECK(parse_command("/nick").kind == command_kind::usage);
    CHECK(parse_command("/nick   ").kind == command_kind::usage);
    CHECK(parse_command("/pong").kind == command_kind::usage);
}

TEST_CASE("unknown commands are named", "[protocol]") {
    auto c = parse_command("/dance wildly");
    CHECK(c.kind == command_kind::unknown);
    CHECK(c.target == "dance");
    CHECK(parse_command("/").kind == command_kind::unknown);
    CHECK(parse_command("/WHO").kind == command_kind::unknown);
}

TEST_CASE("error codes and leave reasons have stable wire names", "[protocol]") {
    CHECK(to_string(chat::protocol_error::name_taken) == "name-taken");
    CHECK(to_string(chat::protocol_error::line_too_long) == "line-too-long");
    CHECK(to_string(chat::protocol_error::server_full) == "server-full");
    CHECK(to_string(chat::leave_reason::slow_consumer) == "slow-consumer");
    CHECK(to_string(chat::leave_reason::timeout) == "timeout");
    CHECK(to_string(chat::leave_reason::part) == "part");
    CHECK(to_string(chat::protocol_error::room_name_invalid) == "room-name-invalid");
    CHECK(to_string(chat::protocol_error::not_in_room) == "not-in-room");
    CHECK(to_string(chat::protocol_error::too_many_rooms) == "too-many-rooms");
    CHECK(to_string(chat::protocol_error::no_such_room) == "no-such-room");
}

TEST_CASE("every command that can miss its argument has a usage line", "[protocol]") {
    for (const char* line : {"/msg", "/msg bob", "@bob", "/me", "/nick", "/pong", "/join", "#rust",
                             "/topic text", "/who bob", "/names bob"}) {
        const auto c = parse_command(line);
        INFO(line);
        REQUIRE(c.kind == command_kind::usage);
        CHECK(chat::usage_of(c.target) != "see /help");
    }
    CHECK(chat::usage_of("msg") == "/msg NAME TEXT");
    CHECK(chat::usage_of("@") == "@NAME TEXT");
    CHECK(chat::usage_of("join") == "/join #ROOM");
    CHECK(chat::usage_of("part") == "/part [#ROOM] [REASON]");
    CHECK(chat::usage_of("topic") == "/topic [#ROOM [TEXT]]");
    CHECK(chat::usage_of("who") == "/who [#ROOM]");
    CHECK(chat::usage_of("dance") == "see /help");
}

TEST_CASE("every command /help lists is one the parser knows", "[protocol]") {
    for (const auto name : chat::command_names) {
        const std::string line = "/" + std::string(name) + " #r x";
        INFO(line);
        CHECK(parse_command(line).kind != command_kind::unknown);
    }
}

TEST_CASE("/history takes an optional room, a direction with an id, and a limit", "[protocol]") {
    auto cmd = parse_command("/history");
    CHECK(cmd.kind == command_kind::history);
    CHECK(cmd.target.empty());
    cmd = parse_command("/history #rust before 120 30");
    CHECK(cmd.kind == command_kind::history);
    CHECK(cmd.target == "#rust");
    CHECK(cmd.text == "before 120 30");
    auto q = parse_history_query(cmd.text);
    REQUIRE(q);
    CHECK(q->direction == history_direction::before);
    CHECK(q->id == 120);
    CHECK(q->limit == 30);
    q = parse_history_query("after 7");
    REQUIRE(q);
    CHECK(q->direction == history_direction::after);
    CHECK(q->id == 7);
    CHECK(q->limit == 0);
    q = parse_history_query("25");
    REQUIRE(q);
    CHECK(q->direction == history_direction::latest);
    CHECK(q->limit == 25);
    q = parse_history_query("");
    REQUIRE(q);
    CHECK(q->direction == history_direction::latest);
    for (const char* bad : {"before", "before x", "after -1", "0", "10 20", "since 5",
                            "before 99999999999999999999", "before 5 5 5"}) {
        CHECK_FALSE(parse_history_query(bad));
    }
}

TEST_CASE("counts and message ids are decimal numbers that fit in 64 bits", "[protocol]") {
    CHECK(parse_count("0") == 0U);
    CHECK(parse_count("42") == 42U);
    CHECK(parse_count("007") == 7U);
    CHECK(parse_count("18446744073709551615") == UINT64_MAX);
    for (const char* bad : {"", "18446744073709551616", "99999999999999999999", "-1", "+1", "12a",
                            " 1", "1 ", "0x1"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_count(bad));
    }
    // Ids typed in commands stay at 19 digits at most, as the server has always read them.
    CHECK(parse_history_query("before 9999999999999999999"));
    CHECK_FALSE(parse_history_query("before 18446744073709551615"));
    CHECK_FALSE(parse_resume("/resume alice tok 18446744073709551615"));
}

TEST_CASE("/resume names a session, its token and the last id seen", "[protocol]") {
    const auto r = parse_resume("/resume alice 0123456789abcdef0123456789abcdef 42");
    REQUIRE(r);
    CHECK(r->name == "alice");
    CHECK(r->token == "0123456789abcdef0123456789abcdef");
    CHECK(r->last_id == 42);
    for (const char* bad : {"/resume", "/resume alice", "/resume alice tok", "/resume alice tok x",
                            "/resume alice tok 1 2", "/resumes alice tok 1", "alice"}) {
        CHECK_FALSE(parse_resume(bad));
    }
    CHECK(parse_command("/resume a b 1").kind == command_kind::resume);
    CHECK(usage_of("history") != "see /help");
}

TEST_CASE("WELCOME's token, HISTORY and RESUMED read back as sent", "[protocol]") {
    frame_arena arena(4096);
    const std::string token = "0123456789abcdef0123456789abcdef";
    const frame welcome = encode_welcome(arena, "alice", token, "Hello alice!");
    auto w = parse_server_line(welcome.bytes().substr(0, welcome.size - 1));
    REQUIRE(w);
    CHECK(w->name == "alice");
    CHECK(w->token == token);
    CHECK(w->text == "Hello alice!");
    // A 2.0 server's WELCOME has no token: the text starts right after the name.
    w = parse_server_line("WELCOME alice Hello alice!");
    REQUIRE(w);
    CHECK(w->token.empty());
    CHECK(w->text == "Hello alice!");

    const frame history = encode_history(arena, "#rust", page_status::gap, 12);
    CHECK(history.bytes() == "HISTORY #rust gap 12\n");
    const auto h = parse_server_line("HISTORY #rust gap 12");
    REQUIRE(h);
    CHECK(h->tag == server_tag::history);
    CHECK(h->room == "#rust");
    CHECK(h->code == "gap");
    CHECK(h->count == "12");
    const frame resumed = encode_resumed(arena, 3, page_status::complete);
    CHECK(resumed.bytes() == "RESUMED 3 complete\n");
    const auto r = parse_server_line("RESUMED 3 complete");
    REQUIRE(r);
    CHECK(r->tag == server_tag::resumed);
    CHECK(r->count == "3");
    CHECK(r->code == "complete");
    CHECK_FALSE(parse_server_line("RESUMED x complete"));
    CHECK(parse_protocol_error("resume-failed") == protocol_error::resume_failed);
}
