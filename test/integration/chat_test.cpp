#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat::test;

TEST_CASE("HELLO states the protocol and limits", "[chat]") {
    test_server server({"--max-line", "1000"});
    line_client c(server.port());
    const auto hello = c.read_line();
    REQUIRE(hello);
    CHECK(std::regex_match(*hello, std::regex(R"(HELLO chat/1 \S*max-line=1000\S* .+)")));
}

TEST_CASE("registration, generated and refused names", "[chat]") {
    test_server server;
    line_client alice(server.port());
    CHECK(alice.register_as("alice") == "alice");

    line_client anon(server.port());
    const std::string generated = anon.register_as("");
    CHECK(std::regex_match(generated, std::regex(R"([a-z]+-[a-z]+-\d+)")));

    line_client c(server.port());
    REQUIRE(c.read_until("HELLO "));
    c.send_line("bad name!");
    const auto invalid = c.read_line();
    REQUIRE(invalid);
    CHECK(invalid->rfind("ERR name-invalid ", 0) == 0);
    c.send_line("ALICE");
    const auto taken = c.read_line();
    REQUIRE(taken);
    CHECK(taken->rfind("ERR name-taken ", 0) == 0);
    c.send_line("server");
    CHECK(c.read_line()->rfind("ERR name-invalid ", 0) == 0);
    c.send_line(std::string(33, 'x'));
    CHECK(c.read_line()->rfind("ERR name-invalid ", 0) == 0);
    // The connection stays, and the next good name is taken.
    c.send_line("carol");
    const auto welcome = c.read_line();
    REQUIRE(welcome);
    CHECK(welcome->rfind("WELCOME carol ", 0) == 0);
}

TEST_CASE("broadcast reaches every other member and not the sender", "[chat]") {
    test_server server;
    line_client a(server.port());
    line_client b(server.port());
    line_client c(server.port());
    a.register_as("a");
    b.register_as("b");
    c.register_as("c");
    a.send_line("hello room");
    for (auto* peer : {&b, &c}) {
        const auto msg = peer->read_until("MSG ");
        REQUIRE(msg);
        CHECK(std::regex_match(
            *msg, std::regex(R"(MSG \d+ \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z a hello room)")));
    }
    // The sender gets nothing of its own; a /ping proves its stream is in order and idle.
    a.send_line("/ping marker");
    const auto next = a.read_until("PONG");
    REQUIRE(next);
    CHECK(*next == "PONG marker");
    for (const auto& skipped : a.skipped()) {
        CHECK(skipped.rfind("MSG ", 0) != 0);
    }
}

TEST_CASE("private messages reach only their target", "[chat]") {
    test_server server;
    line_client a(server.port());
    line_client b(server.port());
    line_client c(server.port());
    a.register_as("alice");
    b.register_as("bob");
    c.register_as("carol");
    a.send_line("@BOB psst bob");
    a.send_line("/msg bob second secret");
    const auto first = b.read_until("PRIV ");
    REQUIRE(first);
    CHECK(std::regex_match(*first, std::regex(R"(PRIV \d+ \S+ alice psst bob)")));
    const auto second = b.read_until("PRIV ");
    REQUIRE(second);
    CHECK(std::regex_match(*second, std::regex(R"(PRIV \d+ \S+ alice second secret)")));
    c.send_line("/ping c");
    REQUIRE(c.read_until("PONG c"));
    for (const auto& line : c.skipped()) {
        CHECK(line.rfind("PRIV", 0) != 0);
    }
    a.send_line("@nobody hello");
    const auto err = a.read_until("ERR ");
    REQUIRE(err);
    CHECK(err->rfind("ERR no-such-user ", 0) == 0);
}

TEST_CASE("join, nick and leave notices reach everybody else", "[chat]") {
    test_server server;
    line_client a(server.port());
    a.register_as("alice");
    line_client b(server.port());
    b.register_as("bob");
    CHECK(a.read_until("JOIN ") == std::optional<std::string>("JOIN bob"));

    b.send_line("/nick robert");
    CHECK(a.read_until("NICK ") == std::optional<std::string>("NICK bob robert"));
    CHECK(b.read_until("NICK ") == std::optional<std::string>("NICK bob robert"));
    b.send_line("/nick ALICE");
    CHECK(b.read_until("ERR ")->rfind("ERR name-taken ", 0) == 0);
    b.send_line("/nick bad:name");
    CHECK(b.read_until("ERR ")->rfind("ERR name-invalid ", 0) == 0);

    b.send_line("/quit off to lunch");
    CHECK(b.read_until("BYE ").has_value());
    CHECK(b.closed_within(3s));
    CHECK(a.read_until("LEAVE ") == std::optional<std::string>("LEAVE robert quit off to lunch"));

    line_client c(server.port());
    c.register_as("carol");
    REQUIRE(a.read_until("JOIN carol"));
    c.close();
    CHECK(a.read_until("LEAVE ") == std::optional<std::string>("LEAVE carol disconnected"));
}

TEST_CASE("each command answers", "[chat]") {
    test_server server;
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("alice");
    b.register_as("Bob");

    a.send_line("/who");
    CHECK(a.read_until("USERS ") == std::optional<std::string>("USERS alice Bob"));

    a.send_line("/me waves");
    const auto me = b.read_until("ME ");
    REQUIRE(me);
    CHECK(std::regex_match(*me, std::regex(R"(ME \d+ \S+ alice waves)")));

    a.send_line("/ping 123");
    CHECK(a.read_until("PONG") == std::optional<std::string>("PONG 123"));
    a.send_line("/ping");
    CHECK(a.read_until("PONG") == std::optional<std::string>("PONG"));

    a.send_line("/help");
    const auto info = a.read_until("INFO ");
    REQUIRE(info);
    a.send_line("/stats");
    const auto stats = a.read_until("INFO connections=");
    REQUIRE(stats);
    CHECK(stats->find("users=2") != std::string::npos);

    a.send_line("//slash at start");
    CHECK(b.read_until("MSG ")->find(" alice /slash at start") != std::string::npos);

    a.send_line("/dance");
    CHECK(a.read_until("ERR ")->rfind("ERR unknown-command ", 0) == 0);
    a.send_line("/msg Bob");
    CHECK(a.read_until("ERR ")->rfind("ERR usage ", 0) == 0);
    a.send_line("/me");
    CHECK(a.read_until("ERR ")->rfind("ERR usage ", 0) == 0);
    a.send_line("/nick");
    CHECK(a.read_until("ERR ")->rfind("ERR usage ", 0) == 0);

    // Empty lines are ignored: nothing is sent to anyone.
    a.send_line("");
    a.send_line("   ");
    a.send_line("/ping after-empty");
    CHECK(a.read_line() == std::optional<std::string>("PONG after-empty"));
    CHECK(b.silent_for(200ms));
}

TEST_CASE("bad lines get ERR and the connection goes on", "[chat]") {
    test_server server({"--max-line", "100"});
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("alice");
    b.register_as("bob");
    a.send_line(std::string(500, 'x'));
    CHECK(a.read_until("ERR ")->rfind("ERR line-too-long ", 0) == 0);
    a.send_raw("bad \xC3\x28 utf8\n");
    CHECK(a.read_until("ERR ")->rfind("ERR bad-encoding ", 0) == 0);
    a.send_line("still here");
    CHECK(b.read_until("MSG ")->find(" alice still here") != std::string::npos);
}

TEST_CASE("server-full refuses newcomers and leaves members alone", "[chat]") {
    test_server server({"--max-clients", "2"});
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("a");
    b.register_as("b");
    line_client c(server.port());
    const auto err = c.read_line();
    REQUIRE(err);
    CHECK(err->rfind("ERR server-full ", 0) == 0);
    CHECK(c.closed_within(3s));
    a.send_line("still fine");
    CHECK(b.read_until("MSG ")->find("still fine") != std::string::npos);
}

TEST_CASE("a look-alike of a name in use is refused until its holder leaves", "[chat][names]") {
    test_server server;
    line_client alice(server.port());
    alice.register_as("alice");
    line_client bob(server.port());
    bob.register_as("bob");
    REQUIRE(alice.read_until("JOIN bob"));

    line_client eve(server.port());
    REQUIRE(eve.read_until("HELLO "));
    for (const char* look_alike : {"aIice", "al1ce", "AL1CE", "a1ice"}) {
        INFO(look_alike);
        eve.send_line(look_alike);
        const auto err = eve.read_until("ERR ");
        REQUIRE(err);
        CHECK(*err == "ERR name-taken the name " + std::string(look_alike) +
                          " is too similar to alice; send another");
    }
    eve.send_line("ALICE");  // the same name in another case reads as before
    CHECK(eve.read_until("ERR ") ==
          std::optional<std::string>("ERR name-taken the name ALICE is taken; send another"));
    // Names that read as command-line options or as paths, each refused with its reason.
    for (const char* option : {"-rf", "--help"}) {
        INFO(option);
        eve.send_line(option);
        const auto err = eve.read_until("ERR ");
        REQUIRE(err);
        CHECK(err->rfind("ERR name-invalid a name cannot start with '-'", 0) == 0);
    }
    for (const char* dots : {".", ".."}) {
        INFO(dots);
        eve.send_line(dots);
        const auto err = eve.read_until("ERR ");
        REQUIRE(err);
        CHECK(err->rfind("ERR name-invalid a name cannot be only dots", 0) == 0);
    }
    // A rename is held to the same rule.
    bob.send_line("/nick aIice");
    CHECK(bob.read_until("ERR ") ==
          std::optional<std::string>("ERR name-taken the name aIice is too similar to alice"));

    alice.send_line("/quit");
    REQUIRE(bob.read_until("LEAVE alice"));
    eve.send_line("aIice");
    CHECK(eve.read_until("WELCOME ")->rfind("WELCOME aIice ", 0) == 0);
    CHECK(bob.read_until("JOIN ") == std::optional<std::string>("JOIN aIice"));
}
