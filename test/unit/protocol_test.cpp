#include <catch2/catch.hpp>

#include "common/protocol.hpp"

using chat::command_kind;
using chat::parse_command;

TEST_CASE("plain lines are room messages", "[protocol]") {
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

TEST_CASE("each command parses with its argument", "[protocol]") {
    CHECK(parse_command("/who").kind == command_kind::who);
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
}

TEST_CASE("every command that can miss its argument has a usage line", "[protocol]") {
    for (const char* line : {"/msg", "/msg bob", "@bob", "/me", "/nick", "/pong"}) {
        const auto c = parse_command(line);
        INFO(line);
        REQUIRE(c.kind == command_kind::usage);
        CHECK(chat::usage_of(c.target) != "see /help");
    }
    CHECK(chat::usage_of("msg") == "/msg NAME TEXT");
    CHECK(chat::usage_of("@") == "@NAME TEXT");
}
