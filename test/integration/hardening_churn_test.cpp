// Churn: thousands of short-lived connections, some vanishing mid-line, some mid-handshake, some
// resetting, while a steady member chats. Afterwards the daemon holds exactly the sessions and
// file descriptors it held before.

#include <chrono>
#include <csignal>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "test/integration/hardening_support.hpp"
#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat::test;
using std::chrono::steady_clock;

namespace {

bool starts_with(const std::string& s, std::string_view prefix) {
    return s.rfind(prefix, 0) == 0;
}

}  // namespace

TEST_CASE("hardening: thousands of short-lived connections leave no session or fd behind",
          "[hardening][churn]") {
    // All from 127.0.0.1, as fast as the test can: --connect-rate would turn most away.
    // No resume grace: a reset session would otherwise wait (without its socket) for /resume.
    test_server server(
        {"--max-per-ip", "0", "--connect-rate", "0", "--rate", "0", "--resume-grace", "0"});
    line_client steady(server.port());
    line_client observer_c(server.port());
    steady.register_as("steady");
    observer_c.register_as("observer");
    inbox observer(observer_c);
    REQUIRE(await_connections(observer, 2, 3s) == 2);
    const std::size_t fds_before = server.open_fds();

    constexpr int waves = 100;
    constexpr int per_wave = 50;  // 5000 connections; the test holds at most 50 at once
    const auto start = steady_clock::now();
    for (int w = 0; w < waves; ++w) {
        std::vector<line_client> wave;
        wave.reserve(per_wave);
        for (int k = 0; k < per_wave; ++k) {
            wave.emplace_back(server.port());
        }
        // First what each sends, then what each waits for, so the wave is in flight at once.
        for (int k = 0; k < per_wave; ++k) {
            const int id = w * per_wave + k;
            auto& c = wave[static_cast<std::size_t>(k)];
            const std::string name = numbered("c", id);
            switch (id % 8) {
                case 0:  // gone before a word
                    c.close();
                    break;
                case 1:
                    c.close(/*reset=*/true);
                    break;
                case 2:  // gone mid-handshake
                    c.send_raw("half");
                    c.close();
                    break;
                case 3:
                    c.send_raw("hal");
                    c.close(/*reset=*/true);
                    break;
                case 4:  // registered, then gone mid-line
                case 5:  // registered, then reset
                    c.send_line(name);
                    break;
                case 6:  // says something and quits properly
                    c.send_raw(name + numbered("\nchurn ", id) + "\n/quit bye\n");
                    break;
                default:  // says something and vanishes with it in flight
                    c.send_raw(name + numbered("\nchurn ", id) + "\n");
                    c.close();
                    break;
            }
        }
        for (int k = 0; k < per_wave; ++k) {
            const int id = w * per_wave + k;
            auto& c = wave[static_cast<std::size_t>(k)];
            switch (id % 8) {
                case 4:
                    REQUIRE(c.read_until("WELCOME ", 3s));
                    c.send_raw(numbered("unfinished ", id));
                    c.close();
                    break;
                case 5:
                    REQUIRE(c.read_until("WELCOME ", 3s));
                    c.close(/*reset=*/true);
                    break;
                case 6:
                    REQUIRE(c.read_until("BYE ", 3s));
                    c.close();
                    break;
                default:
                    break;
            }
        }
        const std::string text = numbered("steady ", w);
        steady.send_line(text);
        INFO("wave " << w);
        REQUIRE(observer.next_msg("steady", 3s) == text);
    }
    const double churn_seconds = std::chrono::duration<double>(steady_clock::now() - start).count();
    INFO("churn took " << churn_seconds << " s");

    CHECK(await_connections(observer, 2, 5s) == 2);
    const auto fd_deadline = steady_clock::now() + 3s;
    while (server.open_fds() != fds_before && steady_clock::now() < fd_deadline) {
        std::this_thread::sleep_for(20ms);
    }
    CHECK(server.open_fds() == fds_before);

    // Every churner that joined also left, exactly once each; what one said came between its
    // JOIN and its LEAVE; and only whole lines were ever relayed.
    observer.drain(100ms);
    enum class phase { unseen, joined, left };
    std::map<std::string, phase> churners;
    std::size_t joins = 0;
    std::size_t leaves = 0;
    std::size_t out_of_order = 0;
    std::string first_out_of_order;
    const auto order_fault = [&](bool bad, const std::string& line) {
        if (bad && out_of_order++ == 0) {
            first_out_of_order = line;
        }
    };
    for (const auto& line : observer.all()) {
        INFO(line);
        if (starts_with(line, "JOIN #lobby c")) {
            auto& p = churners[line.substr(12)];
            order_fault(p != phase::unseen, line);
            p = phase::joined;
            ++joins;
        } else if (starts_with(line, "LEAVE #lobby c")) {
            const std::string rest = line.substr(13);
            auto& p = churners[rest.substr(0, rest.find(' '))];
            order_fault(p != phase::joined, line);
            p = phase::left;
            ++leaves;
        } else if (const auto r = parse_relayed(line); r && r->from != "steady") {
            CHECK(r->room == "#lobby");
            CHECK(r->text == "churn " + r->from.substr(1));
            order_fault(churners[r->from] != phase::joined, line);
        }
        CHECK(line.find("unfinished") == std::string::npos);
        CHECK(line.find("half") == std::string::npos);
    }
    INFO("first out of order: " << first_out_of_order);
    CHECK(out_of_order == 0);
    CHECK(joins >= waves * per_wave / 8 * 3);  // kinds 4, 5 and 6 always register
    CHECK(joins == leaves);
    for (const auto& from : observer.senders_pending()) {
        observer.pending(from).clear();
    }
    check_room_flows(steady, "steady", observer, "still", 5);
    // The quitters' reason came through as they gave it. (The log is no witness: a storm like
    // this one has most of its connections left out of it.)
    std::size_t quits = 0;
    for (const auto& line : observer.all()) {
        if (starts_with(line, "LEAVE #lobby c") && line.ends_with(" quit bye")) {
            ++quits;
        }
    }
    CHECK(quits == static_cast<std::size_t>(waves * per_wave / 8));

    // And it still stops cleanly: under AddressSanitizer the exit status includes its leak check.
    server.signal(SIGTERM);
    CHECK(server.wait_exit(10s) == 0);
}
