#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat::test;

TEST_CASE("a line split across several TCP writes arrives whole", "[framing]") {
    test_server server;
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("alice");
    b.register_as("bob");
    for (const char* piece : {"hel", "lo ", "wor", "ld", "\n"}) {
        a.send_raw(piece);
        // Separate segments: the reader must see each piece before the next is sent.
        std::this_thread::sleep_for(20ms);
    }
    const auto msg = b.read_until("MSG ");
    REQUIRE(msg);
    CHECK(msg->rfind("MSG #lobby ", 0) == 0);
    CHECK(msg->ends_with(" alice hello world"));
}

TEST_CASE("several lines in one write are all handled, in order", "[framing]") {
    test_server server;
    line_client a(server.port());
    line_client b(server.port());
    b.register_as("bob");
    // Name and three messages in a single segment.
    REQUIRE(a.read_until("HELLO "));
    a.send_raw("alice\none\ntwo\nthree\n");
    for (const char* expected : {" alice one", " alice two", " alice three"}) {
        const auto msg = b.read_until("MSG ");
        REQUIRE(msg);
        CHECK(msg->rfind("MSG #lobby ", 0) == 0);
        CHECK(msg->ends_with(expected));
    }
    // The sender's own stream: registered, put in the default room (whose history is empty),
    // then one SENT per line.
    CHECK(a.read_until("WELCOME alice "));
    CHECK(a.read_line().value_or("").rfind("JOINED #lobby 2 ", 0) == 0);
    CHECK(a.read_line() == std::optional<std::string>("HISTORY #lobby complete 0"));
    for (int i = 0; i < 3; ++i) {
        CHECK(a.read_line().value_or("").rfind("SENT ", 0) == 0);
    }
}

TEST_CASE("CRLF input is accepted and the CR never forwarded", "[framing]") {
    test_server server;
    line_client a(server.port());
    line_client b(server.port());
    REQUIRE(a.read_until("HELLO "));
    a.send_raw("alice\r\n");
    REQUIRE(a.read_until("WELCOME alice "));
    b.register_as("bob");
    a.send_raw("windows line\r\n");
    const auto msg = b.read_until("MSG ");
    REQUIRE(msg);
    CHECK(msg->find('\r') == std::string::npos);
    CHECK(msg->find(" alice windows line") != std::string::npos);
}

TEST_CASE("a client vanishing mid-line never has that line delivered", "[framing]") {
    // Closing with replies unread makes the kernel send a reset, which would start a resume
    // grace: without one the LEAVE comes at once.
    test_server server({"--resume-grace", "0"});
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("alice");
    b.register_as("bob");
    a.send_raw("complete\nunfinished business");
    CHECK(b.read_until("MSG ")->find(" alice complete") != std::string::npos);
    a.close();
    const auto leave = b.read_until("LEAVE ");
    REQUIRE(leave);
    CHECK(*leave == "LEAVE #lobby alice disconnected");
    for (const auto& line : b.skipped()) {
        CHECK(line.find("unfinished") == std::string::npos);
    }
    CHECK(b.silent_for(200ms));
}

TEST_CASE("with no resume grace a reset connection leaves like a closed one", "[framing]") {
    // With a grace (the default) the user may resume and nobody is told: see history_test.
    test_server server({"--resume-grace", "0"});
    line_client a(server.port());
    line_client b(server.port());
    a.register_as("alice");
    b.register_as("bob");
    a.close(/*reset=*/true);
    CHECK(b.read_until("LEAVE ") == std::optional<std::string>("LEAVE #lobby alice disconnected"));
}

TEST_CASE("a client that quits and half-closes at once still gets its BYE", "[framing]") {
    test_server server;
    for (int attempt = 0; attempt < 10; ++attempt) {
        line_client a(server.port());
        a.register_as("quitter" + std::to_string(attempt));
        a.send_raw("last words\n/ping p\n/quit\n");
        a.shutdown_send();
        CHECK(a.read_line().value_or("").rfind("SENT ", 0) == 0);  // alone in the room
        CHECK(a.read_until("PONG p") == std::optional<std::string>("PONG p"));
        CHECK(a.read_until("BYE ") == std::optional<std::string>("BYE goodbye"));
        CHECK(a.closed_within(3s));
    }
}

TEST_CASE("a script that ends its input still reads the replies to its last lines", "[framing]") {
    test_server server;
    line_client watcher(server.port());
    watcher.register_as("watcher");
    line_client script(server.port());
    REQUIRE(script.read_until("HELLO "));
    script.send_raw("bot\n/who\n");
    script.shutdown_send();
    CHECK(script.read_until("WELCOME ").has_value());
    CHECK(script.read_until("USERS ") == std::optional<std::string>("USERS #lobby bot watcher"));
    CHECK(script.closed_within(3s));
    CHECK(watcher.read_until("LEAVE ") ==
          std::optional<std::string>("LEAVE #lobby bot disconnected"));
}
