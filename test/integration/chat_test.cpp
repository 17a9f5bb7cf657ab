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
    CHECK(std::regex_match(*hello, std::regex(R"(HELLO chat/2 \S*max-line=1000\S* .+)")));
    CHECK(hello->find("max-rooms=50") != std::string::npos);
    CHECK(hello->find("max-room-name=33") != std::string::npos);
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
    // The connection stays, and the next good name is taken; the default room follows.
    c.send_line("carol");
    const auto welcome = c.read_line();
    REQUIRE(welcome);
    CHECK(welcome->rfind("WELCOME carol ", 0) == 0);
    const auto joined = c.read_line();
    REQUIRE(joined);
    CHECK(joined->rfind("JOINED #lobby 3 ", 0) == 0);
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
    const std::regex relayed(
        R"(MSG #lobby (\d+) (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) a hello room)");
    std::string id_and_time;
    for (auto* peer : {&b, &c}) {
        const auto msg = peer->read_until("MSG ");
        REQUIRE(msg);
        std::smatch m;
        REQUIRE(std::regex_match(*msg, m, relayed));
        const std::string seen = m[1].str() + " " + m[2].str();
        CHECK((id_and_time.empty() || seen == id_and_time));
        id_and_time = seen;
    }
    // The sender gets no copy, only SENT with the id and time the others saw; a /ping proves
    // its stream is in order and idle.
    CHECK(a.read_until("SENT ") == "SENT " + id_and_time);
    a.send_line("/ping marker");
    CHECK(a.read_line() == std::optional<std::string>("PONG marker"));
    for (const auto& skipped : a.skipped()) {
        CHECK(skipped.rfind("JOIN #lobby ", 0) == 0);  // b's and c's, nothing else
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
    // The sender is told each was accepted with the id and time the target saw, and is shown
    // neither.
    for (const char* text : {"psst bob", "second secret"}) {
        const auto priv = b.read_until("PRIV ");
        REQUIRE(priv);
        std::smatch m;
        REQUIRE(std::regex_match(*priv, m, std::regex(R"(PRIV (\d+ \S+) alice (.*))")));
        CHECK(m[2] == text);
        CHECK(a.read_until("SENT ") == "SENT " + m[1].str());
    }
    for (const auto& line : a.skipped()) {
        CHECK(line.rfind("PRIV", 0) != 0);
    }
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
    CHECK(a.read_until("JOIN ") == std::optional<std::string>("JOIN #lobby bob"));

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
    CHECK(a.read_until("LEAVE ") ==
          std::optional<std::string>("LEAVE #lobby robert quit off to lunch"));

    line_client c(server.port());
    c.register_as("carol");
    REQUIRE(a.read_until("JOIN #lobby carol"));
    c.close();
    CHECK(a.read_until("LEAVE ") == std::optional<std::string>("LEAVE #lobby carol disconnected"));
}

TEST_CASE("each command answers", "[chat]") {
    test_server server;
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("alice");
    b.register_as("Bob");

    a.send_line("/who");
    CHECK(a.read_until("USERS ") == std::optional<std::string>("USERS #lobby alice Bob"));

    a.send_line("/me waves");
    const auto me = b.read_until("ME ");
    REQUIRE(me);
    CHECK(std::regex_match(*me, std::regex(R"(ME #lobby \d+ \S+ alice waves)")));
    CHECK(a.read_line().value_or("").rfind("SENT ", 0) == 0);

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
    REQUIRE(alice.read_until("JOIN #lobby bob"));

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
    REQUIRE(bob.read_until("LEAVE #lobby alice"));
    eve.send_line("aIice");
    CHECK(eve.read_until("WELCOME ")->rfind("WELCOME aIice ", 0) == 0);
    CHECK(bob.read_until("JOIN ") == std::optional<std::string>("JOIN #lobby aIice"));
}

TEST_CASE("/ignore keeps a user's private messages away, and tells them nothing",
          "[chat][private]") {
    test_server server;
    line_client alice(server.port());
    alice.register_as("alice");
    line_client troll(server.port());
    troll.register_as("troll");
    REQUIRE(alice.read_until("JOIN #lobby troll"));
    alice.send_line("/ignore troll");
    CHECK(alice.read_line() ==
          std::optional<std::string>(
              "INFO ignoring troll: their private messages will not reach you"));
    troll.send_line("@alice psst");
    const auto sent = troll.read_line();
    REQUIRE(sent);
    CHECK(sent->rfind("SENT ", 0) == 0);  // no hint that it went nowhere
    troll.send_line("/nick troll2");
    REQUIRE(troll.read_until("NICK troll troll2"));
    troll.send_line("@alice still me");
    REQUIRE(troll.read_until("SENT "));
    troll.send_line("in the room");
    REQUIRE(troll.read_until("SENT "));
    // Alice gets the rename and the room line, and no PRIV at all.
    CHECK(alice.read_line() == std::optional<std::string>("NICK troll troll2"));
    const auto msg = alice.read_line();
    REQUIRE(msg);
    CHECK(msg->rfind("MSG #lobby ", 0) == 0);
    CHECK(msg->find(" troll2 in the room") != std::string::npos);
    alice.send_line("/ping end");
    CHECK(alice.read_line() == std::optional<std::string>("PONG end"));
}
