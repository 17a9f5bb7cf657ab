#include <chrono>
#include <string>

#include <catch2/catch.hpp>

#include "common/server_line.hpp"

using chat::parse_server_line;
using chat::server_tag;

TEST_CASE("room, private and action messages keep their free text whole", "[client][server_line]") {
    const auto msg = parse_server_line("MSG 17 2026-11-21T14:03:12.345Z alice hello  there ");
    REQUIRE(msg);
    CHECK(msg->tag == server_tag::msg);
    CHECK(msg->tag_word == "MSG");
    CHECK(msg->id == "17");
    CHECK(msg->time == "2026-11-21T14:03:12.345Z");
    CHECK(msg->name == "alice");
    CHECK(msg->text == "hello  there ");

    const auto priv = parse_server_line("PRIV 18 2026-11-21T14:03:12.345Z bob  psst");
    REQUIRE(priv);
    CHECK(priv->tag == server_tag::priv);
    CHECK(priv->name == "bob");
    CHECK(priv->text == " psst");  // leading spaces of the text are the sender's

    const auto me = parse_server_line("ME 19 2026-11-21T14:03:12.345Z carol waves at all");
    REQUIRE(me);
    CHECK(me->tag == server_tag::me);
    CHECK(me->text == "waves at all");
}

TEST_CASE("membership lines", "[client][server_line]") {
    const auto join = parse_server_line("JOIN alice");
    REQUIRE(join);
    CHECK(join->tag == server_tag::join);
    CHECK(join->name == "alice");

    const auto leave = parse_server_line("LEAVE alice quit see you all");
    REQUIRE(leave);
    CHECK(leave->tag == server_tag::leave);
    CHECK(leave->name == "alice");
    CHECK(leave->code == "quit");
    CHECK(leave->text == "see you all");

    const auto bare = parse_server_line("LEAVE bob timeout");
    REQUIRE(bare);
    CHECK(bare->code == "timeout");
    CHECK(bare->text.empty());

    const auto nick = parse_server_line("NICK alice alicia");
    REQUIRE(nick);
    CHECK(nick->tag == server_tag::nick);
    CHECK(nick->name == "alice");
    CHECK(nick->new_name == "alicia");

    const auto users = parse_server_line("USERS alice bob carol");
    REQUIRE(users);
    CHECK(users->tag == server_tag::users);
    std::string seen;
    chat::for_each_name(users->text, [&](std::string_view n) { seen += std::string(n) + ";"; });
    CHECK(seen == "alice;bob;carol;");
}

TEST_CASE("session lines", "[client][server_line]") {
    const auto hello = parse_server_line(
        "HELLO chat/1 max-line=4096,max-name=32 Welcome! Send your name, or an empty line.");
    REQUIRE(hello);
    CHECK(hello->tag == server_tag::hello);
    CHECK(hello->code == "chat/1");
    CHECK(hello->limits == "max-line=4096,max-name=32");
    CHECK(hello->text == "Welcome! Send your name, or an empty line.");

    const auto welcome = parse_server_line("WELCOME alice Hello alice! /help lists the commands.");
    REQUIRE(welcome);
    CHECK(welcome->tag == server_tag::welcome);
    CHECK(welcome->name == "alice");
    CHECK(welcome->text == "Hello alice! /help lists the commands.");

    const auto err = parse_server_line("ERR name-taken the name bob is taken; send another");
    REQUIRE(err);
    CHECK(err->tag == server_tag::err);
    CHECK(err->code == "name-taken");
    CHECK(err->text == "the name bob is taken; send another");

    const auto ping = parse_server_line("PING 42");
    REQUIRE(ping);
    CHECK(ping->tag == server_tag::ping);
    CHECK(ping->text == "42");

    const auto pong = parse_server_line("PONG");
    REQUIRE(pong);
    CHECK(pong->tag == server_tag::pong);
    CHECK(pong->text.empty());

    const auto bye = parse_server_line("BYE server shutting down");
    REQUIRE(bye);
    CHECK(bye->tag == server_tag::bye);
    CHECK(bye->text == "server shutting down");

    const auto info = parse_server_line("INFO connections=2 users=2 messages=5");
    REQUIRE(info);
    CHECK(info->tag == server_tag::info);
    CHECK(info->text == "connections=2 users=2 messages=5");
}

TEST_CASE("an unknown upper-case tag is kept for a newer server", "[client][server_line]") {
    const auto line = parse_server_line("TOPIC cats and dogs");
    REQUIRE(line);
    CHECK(line->tag == server_tag::unknown);
    CHECK(line->tag_word == "TOPIC");
    CHECK(line->text == "cats and dogs");
}

TEST_CASE("lines that are not server lines are refused", "[client][server_line]") {
    CHECK_FALSE(parse_server_line(""));
    CHECK_FALSE(parse_server_line(" MSG 1 t a b"));
    CHECK_FALSE(parse_server_line("msg 1 2026-11-21T14:03:12.345Z alice hi"));
    CHECK_FALSE(parse_server_line("M5G x"));
    CHECK_FALSE(parse_server_line("MSG 1 2026-11-21T14:03:12.345Z"));
    CHECK_FALSE(parse_server_line("MSG"));
    CHECK_FALSE(parse_server_line("JOIN"));
    CHECK_FALSE(parse_server_line("LEAVE alice"));
    CHECK_FALSE(parse_server_line("NICK alice"));
    CHECK_FALSE(parse_server_line("WELCOME"));
    CHECK_FALSE(parse_server_line("ERR"));
    CHECK_FALSE(parse_server_line("PING"));
    CHECK_FALSE(parse_server_line("HELLO"));
}

TEST_CASE("error codes and leave reasons round-trip", "[client][server_line]") {
    for (const auto code :
         {chat::protocol_error::name_invalid, chat::protocol_error::name_taken,
          chat::protocol_error::no_such_user, chat::protocol_error::unknown_command,
          chat::protocol_error::usage, chat::protocol_error::line_too_long,
          chat::protocol_error::bad_encoding, chat::protocol_error::server_full,
          chat::protocol_error::too_many_from_address, chat::protocol_error::too_many_connections,
          chat::protocol_error::not_registered}) {
        CHECK(chat::parse_protocol_error(chat::to_string(code)) == code);
    }
    CHECK_FALSE(chat::parse_protocol_error("no-such-code"));
    for (const auto reason : {chat::leave_reason::quit, chat::leave_reason::disconnected,
                              chat::leave_reason::timeout, chat::leave_reason::slow_consumer,
                              chat::leave_reason::shutdown, chat::leave_reason::error}) {
        CHECK(chat::parse_leave_reason(chat::to_string(reason)) == reason);
    }
    CHECK_FALSE(chat::parse_leave_reason("bored"));
}

TEST_CASE("RFC 3339 UTC times as the server writes them", "[client][server_line]") {
    using namespace std::chrono;
    const auto t = chat::parse_timestamp("2026-11-21T14:03:12.345Z");
    REQUIRE(t);
    const auto expected =
        sys_days{year{2026} / 11 / 21} + hours{14} + minutes{3} + seconds{12} + milliseconds{345};
    CHECK(*t == time_point_cast<system_clock::duration>(expected));
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
