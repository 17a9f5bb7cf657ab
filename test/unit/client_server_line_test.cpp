#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "common/server_line.hpp"

using chat::parse_server_line;
using chat::server_tag;

namespace {

constexpr std::string_view t = "2026-11-21T14:03:12.345Z";
constexpr std::string_view token = "0123456789abcdef0123456789abcdef";

}  // namespace

TEST_CASE("room, private and action messages keep their free text whole", "[client][server_line]") {
    const auto msg =
        parse_server_line("MSG #lobby 17 2026-11-21T14:03:12.345Z alice hello  there ");
    REQUIRE(msg);
    CHECK(msg->tag == server_tag::msg);
    CHECK(msg->tag_word == "MSG");
    CHECK(msg->room == "#lobby");
    CHECK(msg->id == "17");
    CHECK(msg->time == t);
    CHECK(msg->name == "alice");
    CHECK(msg->text == "hello  there ");

    const auto priv = parse_server_line("PRIV 18 2026-11-21T14:03:12.345Z bob  psst");
    REQUIRE(priv);
    CHECK(priv->tag == server_tag::priv);
    CHECK(priv->room.empty());  // private messages belong to no room
    CHECK(priv->id == "18");
    CHECK(priv->name == "bob");
    CHECK(priv->text == " psst");  // leading spaces of the text are the sender's

    const auto me = parse_server_line("ME #rust 19 2026-11-21T14:03:12.345Z carol waves at all");
    REQUIRE(me);
    CHECK(me->tag == server_tag::me);
    CHECK(me->room == "#rust");
    CHECK(me->id == "19");
    CHECK(me->name == "carol");
    CHECK(me->text == "waves at all");

    const auto empty = parse_server_line("MSG #lobby 20 2026-11-21T14:03:12.345Z alice");
    REQUIRE(empty);
    CHECK(empty->text.empty());
}

TEST_CASE("SENT confirms our own message with its id and time", "[client][server_line]") {
    const auto sent = parse_server_line("SENT 21 2026-11-21T14:03:12.345Z");
    REQUIRE(sent);
    CHECK(sent->tag == server_tag::sent);
    CHECK(sent->id == "21");
    CHECK(sent->time == t);
    CHECK(sent->room.empty());
    CHECK(sent->name.empty());
}

TEST_CASE("membership lines carry their room", "[client][server_line]") {
    const auto join = parse_server_line("JOIN #lobby alice");
    REQUIRE(join);
    CHECK(join->tag == server_tag::join);
    CHECK(join->room == "#lobby");
    CHECK(join->name == "alice");

    const auto leave = parse_server_line("LEAVE #lobby alice quit see you all");
    REQUIRE(leave);
    CHECK(leave->tag == server_tag::leave);
    CHECK(leave->room == "#lobby");
    CHECK(leave->name == "alice");
    CHECK(leave->code == "quit");
    CHECK(leave->text == "see you all");

    const auto bare = parse_server_line("LEAVE #rust bob part");
    REQUIRE(bare);
    CHECK(bare->code == "part");
    CHECK(bare->text.empty());

    const auto nick = parse_server_line("NICK alice alicia");
    REQUIRE(nick);
    CHECK(nick->tag == server_tag::nick);
    CHECK(nick->room.empty());  // one rename, whatever rooms are shared
    CHECK(nick->name == "alice");
    CHECK(nick->new_name == "alicia");

    const auto users = parse_server_line("USERS #lobby alice bob carol");
    REQUIRE(users);
    CHECK(users->tag == server_tag::users);
    CHECK(users->room == "#lobby");
    std::string seen;
    chat::for_each_name(users->text, [&](std::string_view n) { seen += std::string(n) + ";"; });
    CHECK(seen == "alice;bob;carol;");

    const auto nobody = parse_server_line("USERS #empty");
    REQUIRE(nobody);
    CHECK(nobody->room == "#empty");
    CHECK(nobody->text.empty());
}

TEST_CASE("our own joins and parts: JOINED and PARTED", "[client][server_line]") {
    const auto joined = parse_server_line("JOINED #lobby 3 you are now talking in #lobby");
    REQUIRE(joined);
    CHECK(joined->tag == server_tag::joined);
    CHECK(joined->room == "#lobby");
    CHECK(joined->count == "3");
    CHECK(joined->text == "you are now talking in #lobby");

    const auto quiet = parse_server_line("JOINED #new 1");
    REQUIRE(quiet);
    CHECK(quiet->count == "1");
    CHECK(quiet->text.empty());

    const auto parted = parse_server_line("PARTED #rust");
    REQUIRE(parted);
    CHECK(parted->tag == server_tag::parted);
    CHECK(parted->room == "#rust");
}

TEST_CASE("TOPIC names its room, who set it and when", "[client][server_line]") {
    const auto topic =
        parse_server_line("TOPIC #rust bob 2026-11-21T14:03:12.345Z borrow  checker");
    REQUIRE(topic);
    CHECK(topic->tag == server_tag::topic);
    CHECK(topic->room == "#rust");
    CHECK(topic->name == "bob");
    CHECK(topic->time == t);
    CHECK(topic->text == "borrow  checker");
}

TEST_CASE("ROOMS lists room:members entries", "[client][server_line]") {
    const auto rooms = parse_server_line("ROOMS #lobby:5 #rust:2 #a.b-c_d:1");
    REQUIRE(rooms);
    CHECK(rooms->tag == server_tag::rooms);
    std::vector<std::pair<std::string, std::string>> seen;
    chat::for_each_room_entry(rooms->text, [&](std::string_view room, std::string_view members) {
        seen.emplace_back(room, members);
    });
    CHECK(seen == std::vector<std::pair<std::string, std::string>>{
                      {"#lobby", "5"}, {"#rust", "2"}, {"#a.b-c_d", "1"}});

    const auto none = parse_server_line("ROOMS");
    REQUIRE(none);
    CHECK(none->text.empty());
    int calls = 0;
    chat::for_each_room_entry(none->text, [&](std::string_view, std::string_view) { ++calls; });
    CHECK(calls == 0);
}

TEST_CASE("for_each_room_entry skips entries without a colon and extra spaces",
          "[client][server_line]") {
    std::vector<std::pair<std::string, std::string>> seen;
    chat::for_each_room_entry("#a:1  #b #c:12 :4 #d:", [&](std::string_view r, std::string_view m) {
        seen.emplace_back(r, m);
    });
    // The split is at the last colon; what is left of an odd entry is passed on as it is, for the
    // caller to judge (the renderer shows it, the state keeps only valid room names).
    CHECK(seen == std::vector<std::pair<std::string, std::string>>{
                      {"#a", "1"}, {"#c", "12"}, {"", "4"}, {"#d", ""}});
}

TEST_CASE("session lines", "[client][server_line]") {
    const auto hello = parse_server_line(
        "HELLO chat/2 max-line=4096,max-name=32,max-rooms=50,max-room-name=33 Welcome! Send "
        "your name, or an empty line.");
    REQUIRE(hello);
    CHECK(hello->tag == server_tag::hello);
    CHECK(hello->code == "chat/2");
    CHECK(hello->limits == "max-line=4096,max-name=32,max-rooms=50,max-room-name=33");
    CHECK(hello->text == "Welcome! Send your name, or an empty line.");

    const auto bare_hello = parse_server_line("HELLO chat/2");
    REQUIRE(bare_hello);
    CHECK(bare_hello->limits.empty());
    CHECK(bare_hello->text.empty());

    const auto welcome = parse_server_line("WELCOME alice Hello alice! /help lists the commands.");
    REQUIRE(welcome);
    CHECK(welcome->tag == server_tag::welcome);
    CHECK(welcome->name == "alice");
    CHECK(welcome->text == "Hello alice! /help lists the commands.");

    const auto err = parse_server_line("ERR not-in-room you are not in #rust; /join #rust first");
    REQUIRE(err);
    CHECK(err->tag == server_tag::err);
    CHECK(err->code == "not-in-room");
    CHECK(err->text == "you are not in #rust; /join #rust first");

    const auto ping = parse_server_line("PING 42");
    REQUIRE(ping);
    CHECK(ping->tag == server_tag::ping);
    CHECK(ping->text == "42");

    const auto pong = parse_server_line("PONG");
    REQUIRE(pong);
    CHECK(pong->tag == server_tag::pong);
    CHECK(pong->text.empty());
    const auto pong_token = parse_server_line("PONG abc");
    REQUIRE(pong_token);
    CHECK(pong_token->text == "abc");

    const auto bye = parse_server_line("BYE server shutting down");
    REQUIRE(bye);
    CHECK(bye->tag == server_tag::bye);
    CHECK(bye->text == "server shutting down");

    const auto info = parse_server_line("INFO connections=2 users=2 rooms=1 messages=5");
    REQUIRE(info);
    CHECK(info->tag == server_tag::info);
    CHECK(info->text == "connections=2 users=2 rooms=1 messages=5");
}

TEST_CASE("a resume token is 32 lower-case hex digits", "[client][server_line]") {
    CHECK(chat::is_resume_token(token));
    for (const auto* bad :
         {"0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef0123456789abcde",
          "0123456789abcdef0123456789abcdef0", "0123456789abcdef0123456789abcdeg", "Hello", ""}) {
        CAPTURE(bad);
        CHECK_FALSE(chat::is_resume_token(bad));
    }
}

TEST_CASE("WELCOME: the token when there is one, the text for people without it",
          "[client][server_line]") {
    const std::string with = "WELCOME alice " + std::string(token) + " Hello alice!";
    const auto w = parse_server_line(with);
    REQUIRE(w);
    CHECK(w->token == token);
    CHECK(w->text == "Hello alice!");
    const std::string only_token = "WELCOME alice " + std::string(token);
    const auto bare = parse_server_line(only_token);
    REQUIRE(bare);
    CHECK(bare->token == token);
    CHECK(bare->text.empty());

    // A chat/2.0 server: its text starts where the token would be; so does a text that happens
    // to start with something token-like but of the wrong form.
    const std::vector<std::pair<std::string_view, std::string_view>> without = {
        {"WELCOME alice Hello alice! /help lists the commands.",
         "Hello alice! /help lists the commands."},
        {"WELCOME bob 0123456789ABCDEF0123456789ABCDEF hi", "0123456789ABCDEF0123456789ABCDEF hi"},
        {"WELCOME bob", ""},
    };
    for (const auto& [wire, text] : without) {
        CAPTURE(wire);
        const auto line = parse_server_line(wire);
        REQUIRE(line);
        CHECK(line->token.empty());
        CHECK(line->text == text);
    }
    const std::string msg = "MSG #a 1 2026-11-21T14:03:12.345Z x " + std::string(token);
    CHECK(parse_server_line(msg)->token.empty());
}

TEST_CASE("every tag's wire word parses back to the tag", "[client][server_line]") {
    for (const auto tag :
         {server_tag::hello, server_tag::welcome, server_tag::msg, server_tag::priv, server_tag::me,
          server_tag::sent, server_tag::join, server_tag::leave, server_tag::joined,
          server_tag::parted, server_tag::topic, server_tag::rooms, server_tag::nick,
          server_tag::users, server_tag::info, server_tag::ping, server_tag::pong, server_tag::bye,
          server_tag::err}) {
        const std::string word(chat::to_string(tag));
        CAPTURE(word);
        REQUIRE_FALSE(word.empty());
        // Enough fields for the longest line shape; extra words land in the free text.
        const std::string text = word + " #r 1 2026-11-21T14:03:12.345Z x y z";
        const auto line = parse_server_line(text);  // views into `text`
        REQUIRE(line);
        CHECK(line->tag == tag);
        CHECK(line->tag_word == word);
    }
    CHECK(chat::to_string(server_tag::unknown).empty());
}

TEST_CASE("an unknown upper-case tag is kept for a newer server", "[client][server_line]") {
    const auto line = parse_server_line("KICK #lobby bob flooding");
    REQUIRE(line);
    CHECK(line->tag == server_tag::unknown);
    CHECK(line->tag_word == "KICK");
    CHECK(line->text == "#lobby bob flooding");
    const auto bare = parse_server_line("NOOP");
    REQUIRE(bare);
    CHECK(bare->tag == server_tag::unknown);
    CHECK(bare->text.empty());
}

TEST_CASE("lines that are not server lines are refused", "[client][server_line]") {
    for (const char* line : {
             "",
             " MSG #a 1 t a b",
             "msg #a 1 2026-11-21T14:03:12.345Z alice hi",
             "M5G x",
             "HTTP/1.1 400 Bad Request",
             "MSG",
             "MSG #lobby",
             "MSG #lobby 1",
             "MSG #lobby 1 2026-11-21T14:03:12.345Z",
             "MSG  #lobby 1 2026-11-21T14:03:12.345Z alice hi",  // two spaces: an empty room
             "ME #lobby 1 2026-11-21T14:03:12.345Z",
             "PRIV 1 2026-11-21T14:03:12.345Z",
             "SENT",
             "SENT 1",
             "JOIN",
             "JOIN #lobby",
             "LEAVE #lobby",
             "LEAVE #lobby alice",
             "JOINED",
             "JOINED #lobby",
             "JOINED #lobby three",
             "JOINED #lobby -1 text",
             "PARTED",
             "TOPIC",
             "TOPIC #rust",
             "TOPIC #rust bob",
             "USERS",
             "NICK alice",
             "WELCOME",
             "ERR",
             "PING",
             "HELLO",
         }) {
        CAPTURE(line);
        CHECK_FALSE(parse_server_line(line));
    }
}

TEST_CASE("HELLO limits are read one key at a time", "[client][server_line]") {
    const std::string_view limits =
        "max-line=4096,max-name=32,max-rooms=50,max-room-name=33,rate=5.5,burst=10";
    CHECK(chat::find_limit(limits, "max-line") == "4096");
    CHECK(chat::find_limit(limits, "max-rooms") == "50");
    CHECK(chat::find_limit(limits, "max-room-name") == "33");
    CHECK(chat::find_limit(limits, "rate") == "5.5");
    CHECK(chat::find_limit(limits, "burst") == "10");  // the last item, no comma after it
    CHECK_FALSE(chat::find_limit(limits, "max"));      // whole keys only
    CHECK_FALSE(chat::find_limit(limits, "idle-timeout"));
    CHECK_FALSE(chat::find_limit("", "max-line"));
    CHECK_FALSE(chat::find_limit("max-line", "max-line"));  // no '='
    CHECK(chat::find_limit("max-line=", "max-line") == "");
    CHECK(chat::find_limit(",,max-line=1,", "max-line") == "1");
    CHECK(chat::find_limit("a=1,a=2", "a") == "1");
}

TEST_CASE("error codes and leave reasons round-trip", "[client][server_line]") {
    for (const auto code :
         {chat::protocol_error::name_invalid, chat::protocol_error::name_taken,
          chat::protocol_error::no_such_user, chat::protocol_error::unknown_command,
          chat::protocol_error::usage, chat::protocol_error::line_too_long,
          chat::protocol_error::bad_encoding, chat::protocol_error::server_full,
          chat::protocol_error::too_many_from_address, chat::protocol_error::too_many_connections,
          chat::protocol_error::not_registered, chat::protocol_error::room_name_invalid,
          chat::protocol_error::not_in_room, chat::protocol_error::too_many_rooms,
          chat::protocol_error::no_such_room, chat::protocol_error::target_busy}) {
        CHECK(chat::parse_protocol_error(chat::to_string(code)) == code);
    }
    CHECK(chat::to_string(chat::protocol_error::room_name_invalid) == "room-name-invalid");
    CHECK(chat::to_string(chat::protocol_error::not_in_room) == "not-in-room");
    CHECK(chat::to_string(chat::protocol_error::too_many_rooms) == "too-many-rooms");
    CHECK(chat::to_string(chat::protocol_error::no_such_room) == "no-such-room");
    CHECK_FALSE(chat::parse_protocol_error("no-such-code"));
    for (const auto reason :
         {chat::leave_reason::quit, chat::leave_reason::disconnected, chat::leave_reason::timeout,
          chat::leave_reason::slow_consumer, chat::leave_reason::shutdown,
          chat::leave_reason::error, chat::leave_reason::part}) {
        CHECK(chat::parse_leave_reason(chat::to_string(reason)) == reason);
    }
    CHECK(chat::to_string(chat::leave_reason::part) == "part");
    CHECK_FALSE(chat::parse_leave_reason("bored"));
}

TEST_CASE("the status of HISTORY and RESUMED round-trips", "[client][server_line]") {
    for (const auto status :
         {chat::page_status::complete, chat::page_status::more, chat::page_status::gap}) {
        CHECK(chat::parse_page_status(chat::to_string(status)) == status);
    }
    CHECK(chat::parse_page_status("gap") == chat::page_status::gap);
    for (const auto* bad : {"", "done", "Gap", "gap ", "more+"}) {
        CAPTURE(bad);
        CHECK_FALSE(chat::parse_page_status(bad));
    }
    // A line the parser takes whose status this client does not know: the caller decides.
    const auto h = parse_server_line("HISTORY #r done 3");
    REQUIRE(h);
    CHECK_FALSE(chat::parse_page_status(h->code));
}

TEST_CASE("RFC 3339 UTC times as the server writes them", "[client][server_line]") {
    using namespace std::chrono;
    const auto at = chat::parse_timestamp("2026-11-21T14:03:12.345Z");
    REQUIRE(at);
    const auto expected =
        sys_days{year{2026} / 11 / 21} + hours{14} + minutes{3} + seconds{12} + milliseconds{345};
    CHECK(*at == time_point_cast<system_clock::duration>(expected));
    CHECK(chat::parse_timestamp("2026-11-21T14:03:12Z"));
    CHECK(chat::parse_timestamp("2026-11-21T14:03:12.1Z"));
    CHECK_FALSE(chat::parse_timestamp("2026-11-21T14:03:12.345+01:00"));
    CHECK_FALSE(chat::parse_timestamp("2026-11-21 14:03:12.345Z"));
    CHECK_FALSE(chat::parse_timestamp("2026-02-30T14:03:12.345Z"));
    CHECK_FALSE(chat::parse_timestamp("2026-11-21T24:03:12.345Z"));
    CHECK_FALSE(chat::parse_timestamp("2026-11-21T14:03:12.Z"));
    CHECK_FALSE(chat::parse_timestamp("yesterday"));
    CHECK_FALSE(chat::parse_timestamp(""));
}
