#include <csignal>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat::test;

namespace {

void check_graceful_stop(int signal_number) {
    test_server server;
    std::vector<line_client> clients;
    for (int i = 0; i < 5; ++i) {
        clients.emplace_back(server.port());
        clients.back().register_as("user" + std::to_string(i));
    }
    line_client unregistered(server.port());
    REQUIRE(unregistered.read_until("HELLO "));

    server.signal(signal_number);
    for (auto& c : clients) {
        const auto bye = c.read_until("BYE ");
        REQUIRE(bye);
        CHECK(*bye == "BYE server shutting down");
        CHECK(c.closed_within(3s));
        // Members all leave at once: nobody is told of the others' LEAVE one by one.
        for (const auto& line : c.skipped()) {
            CHECK(line.rfind("LEAVE ", 0) != 0);
        }
    }
    CHECK(unregistered.read_until("BYE ").has_value());
    CHECK(server.wait_exit(5s) == 0);
    CHECK(server.log().find("received signal") != std::string::npos);
}

}  // namespace

TEST_CASE("SIGTERM says BYE to every client and exits 0", "[shutdown]") {
    check_graceful_stop(SIGTERM);
}

TEST_CASE("SIGINT says BYE to every client and exits 0", "[shutdown]") {
    check_graceful_stop(SIGINT);
}

TEST_CASE("shutdown does not wait longer than its bound for a reader that never reads",
          "[shutdown]") {
    test_server server({"--shutdown-timeout", "1", "--max-send-queue", "0", "--rate", "0"});
    line_client stuck(server.port());
    stuck.register_as("stuck");
    line_client talker(server.port());
    talker.register_as("talker");
    // Fill the stuck client's socket buffers: it never reads.
    const std::string line(3000, 'z');
    for (int i = 0; i < 3000; ++i) {
        talker.send_line(line);
    }
    talker.send_line("/ping done");
    REQUIRE(talker.read_until("PONG done", 10s));
    const auto start = std::chrono::steady_clock::now();
    server.signal(SIGTERM);
    CHECK(server.wait_exit(5s) == 0);
    CHECK(std::chrono::steady_clock::now() - start < 3s);
}
