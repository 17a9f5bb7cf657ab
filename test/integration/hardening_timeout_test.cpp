// Silent peers: a connection that never gives its name, one that gives it a byte at a time and
// never finishes, and a member that stops answering. Each is closed on time while the room talks.

#include <chrono>
#include <string>
#include <thread>
#include <tuple>

#include <catch2/catch.hpp>

#include "test/integration/hardening_support.hpp"
#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat::test;
using std::chrono::steady_clock;

namespace {

double seconds_since(steady_clock::time_point start) {
    return std::chrono::duration<double>(steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("hardening: no name in time gets BYE and is closed, a slowloris too",
          "[hardening][timeout]") {
    test_server server({"--handshake-timeout", "1"});
    line_client healthy_c(server.port());
    line_client observer_c(server.port());
    healthy_c.register_as("healthy");
    observer_c.register_as("observer");
    inbox observer(observer_c);

    line_client silent(server.port());
    line_client loris(server.port());
    const auto start = steady_clock::now();
    REQUIRE(silent.read_until("HELLO "));
    REQUIRE(loris.read_until("HELLO "));

    // The slowloris sends one byte of a name every 200 ms and never a newline; the room talks
    // meanwhile. Both must be gone by the timeout (1 s) plus the sweep and some slack.
    const std::string name = "slowly-typed-name-that-never-ends";
    std::optional<double> silent_closed;
    std::optional<double> loris_closed;
    std::optional<std::string> silent_bye;
    std::optional<std::string> loris_bye;
    int healthy_seq = 0;
    std::size_t typed = 0;
    auto next_byte = start;
    while ((!silent_closed || !loris_closed) && seconds_since(start) < 4.0) {
        if (steady_clock::now() >= next_byte && !loris_closed) {
            loris.send_raw(std::string(1, name[typed++ % name.size()]));
            next_byte += 200ms;
            const std::string text = numbered("h ", healthy_seq++);
            healthy_c.send_line(text);
            CHECK(observer.next_msg("healthy", 1s) == text);
        }
        for (auto [client, closed, bye] : {std::tuple{&silent, &silent_closed, &silent_bye},
                                           std::tuple{&loris, &loris_closed, &loris_bye}}) {
            if (*closed) {
                continue;
            }
            if (auto line = client->read_line(20ms)) {
                if (line->rfind("BYE ", 0) == 0) {
                    *bye = *line;
                }
            } else if (client->closed_within(0ms)) {
                *closed = seconds_since(start);
            }
        }
    }
    REQUIRE(silent_closed);
    REQUIRE(loris_closed);
    CHECK(silent_bye == std::optional<std::string>("BYE no name given in time"));
    CHECK(loris_bye == std::optional<std::string>("BYE no name given in time"));
    INFO("silent closed after " << *silent_closed << " s, slowloris after " << *loris_closed);
    CHECK(*silent_closed >= 0.9);
    CHECK(*loris_closed >= 0.9);
    // Closing waits for the peer to hang up after BYE (at most 2 s), but we read, so it is quick.
    CHECK(*silent_closed < 2.0);
    CHECK(*loris_closed < 2.0);
    CHECK(typed <= 10);

    CHECK(count_lines_with(server.log(), "disconnected before registering: handshake-timeout") ==
          2);
    healthy_c.send_line("after");
    CHECK(observer.next_msg("healthy", 3s) == std::optional<std::string>("after"));
    observer.drain(100ms);
    CHECK(observer.senders_pending().empty());
    for (const auto& line : observer.all()) {
        CHECK(line.rfind("JOIN ", 0) != 0);  // neither ever joined
    }
}

TEST_CASE("hardening: PING at half the idle time, /pong keeps a member, silence drops it",
          "[hardening][timeout]") {
    test_server server({"--idle-timeout", "1"});
    line_client ponger_c(server.port());
    line_client silent_c(server.port());
    line_client talker_c(server.port());
    line_client observer_c(server.port());
    ponger_c.register_as("ponger");
    silent_c.register_as("silent");
    const auto start = steady_clock::now();  // `silent` was last heard from about now
    talker_c.register_as("talker");
    observer_c.register_as("observer");
    // Everyone but `silent` answers PINGs; `silent` reads them and says nothing.
    inbox ponger(ponger_c);
    inbox silent(silent_c, /*answer_pings=*/false);
    inbox talker(talker_c);
    inbox observer(observer_c);

    std::optional<double> first_ping;
    std::optional<double> silent_gone;
    int talker_seq = 0;
    auto next_talk = start + 100ms;
    // Three idle timeouts long: a member kept alive only by /pong must outlive all three.
    while (seconds_since(start) < 3.0) {
        if (steady_clock::now() >= next_talk) {
            talker_c.send_line(numbered("t ", talker_seq++));
            next_talk += 250ms;
        }
        pump_all({&ponger, &silent, &talker, &observer}, 20ms);
        if (!first_ping && silent.pings() > 0) {
            first_ping = seconds_since(start);
        }
        if (!silent_gone && silent.closed()) {
            silent_gone = seconds_since(start);
        }
    }
    REQUIRE(first_ping);
    INFO("first PING after " << *first_ping << " s");
    CHECK(*first_ping >= 0.45);
    CHECK(*first_ping < 0.9);
    REQUIRE(silent_gone);
    INFO("silent member closed after " << *silent_gone << " s");
    CHECK(*silent_gone >= 0.9);
    CHECK(*silent_gone < 2.0);
    CHECK(silent.all().back() == "BYE idle for too long");
    CHECK(observer.next_notice("LEAVE ", 0ms) ==
          std::optional<std::string>("LEAVE #lobby silent timeout"));
    CHECK(observer.next_notice("LEAVE ", 0ms) == std::nullopt);  // nobody else left

    // The ponger answered PINGs only, and is still here well past three idle timeouts.
    CHECK(ponger.pings() >= 3);
    ponger_c.send_line("/ping alive");
    CHECK(ponger.next_notice("PONG", 3s) == std::optional<std::string>("PONG alive"));
    for (int i = 0; i < talker_seq; ++i) {
        CHECK(observer.next_msg("talker", 3s) == numbered("t ", i));
        CHECK(ponger.next_msg("talker", 3s) == numbered("t ", i));
    }
    observer.drain(100ms);
    CHECK(observer.senders_pending().empty());
    CHECK(count_lines_with(server.log(), "(silent) disconnected: idle-timeout") == 1);
}
