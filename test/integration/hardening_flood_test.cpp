// Connection floods (issue 10, item 9): one address opening connections as fast as it can.
// Past --connect-burst it is refused for a while with ERR too-many-connections, the members
// already in and other addresses are untouched, and a storm writes a bounded log.

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <regex>
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

/// A fresh file under /tmp for --log-file, removed when this goes.
struct temp_log {
    std::string path;
    temp_log() {
        char pattern[] = "/tmp/chat-flood-log-XXXXXX";
        const int fd = ::mkstemp(pattern);
        REQUIRE(fd >= 0);
        ::close(fd);
        path = pattern;
    }
    ~temp_log() { std::remove(path.c_str()); }
    temp_log(const temp_log&) = delete;
    temp_log& operator=(const temp_log&) = delete;
};

/// A newcomer that was turned away, its first line read.
struct refusal {
    line_client client;
    std::string first_line;
};

/// Opens connections from 127.0.0.1, one after the other, until one is refused (at most
/// `limit`); those let in stay open in `held`. Nothing if none was refused.
std::optional<refusal> connect_until_refused(std::uint16_t port, std::vector<line_client>& held,
                                             int limit) {
    for (int i = 0; i < limit; ++i) {
        line_client c(port);
        const auto first = c.read_line(3s);
        REQUIRE(first);
        if (!starts_with(*first, "HELLO ")) {
            return refusal{std::move(c), *first};
        }
        held.push_back(std::move(c));
    }
    return std::nullopt;
}

/// Opens `count` connections from 127.0.0.1 and closes each at once, makes sure the daemon has
/// taken them all, stops it and returns its log.
std::string storm_log(std::vector<std::string> args, int count) {
    temp_log log;
    args.insert(args.end(), {"--log-file", log.path});
    test_server server(args);
    for (int i = 0; i < count; ++i) {
        line_client c(server.port());
    }
    // The listen backlog is accepted in order: once this one is answered, so was the storm.
    line_client last(server.port(), "127.0.0.1", "127.0.0.2");
    REQUIRE(last.read_until("HELLO ", 5s));
    last.close();
    server.signal(SIGTERM);
    // The daemon sums up the windows still open on its way out.
    REQUIRE(server.wait_exit(10s) == 0);
    return server.log();
}

std::size_t line_count(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

/// The `N` of every `N more like this from 127.0.0.1 ...` summary in `log`, added up.
std::size_t summed_up(const std::string& log) {
    static const std::regex summary(R"((\d+) more like this from 127\.0\.0\.1 in the last 10 s)");
    std::size_t total = 0;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), summary);
         it != std::sregex_iterator(); ++it) {
        total += std::stoul((*it)[1]);
    }
    return total;
}

}  // namespace

TEST_CASE("flood: a burst past --connect-burst is refused, members and other addresses are not",
          "[hardening][flood]") {
    test_server server;  // the defaults: --connect-rate 20 --connect-burst 40
    line_client a(server.port());
    line_client b_c(server.port());
    a.register_as("a");
    b_c.register_as("b");
    inbox b(b_c);

    std::vector<line_client> held;
    held.reserve(100);
    auto refused = connect_until_refused(server.port(), held, 100);
    REQUIRE(refused);
    // 40 at once (a and b among them), and the odd one more that came back meanwhile (20/s).
    INFO(held.size() << " newcomers let in");
    CHECK(held.size() + 2 >= 40);
    CHECK(held.size() + 2 <= 46);
    CHECK(starts_with(refused->first_line, "ERR too-many-connections "));
    CHECK(refused->first_line.find("try again in 1 s") != std::string::npos);
    CHECK(refused->client.read_line() == std::optional<std::string>("BYE connecting too often"));
    CHECK(refused->client.closed_within(3s));
    // Trying again at once is refused again.
    line_client again(server.port());
    const auto again_line = again.read_line();
    REQUIRE(again_line);
    CHECK(starts_with(*again_line, "ERR too-many-connections "));

    // Another address is another client.
    line_client other(server.port(), "127.0.0.1", "127.0.0.2");
    CHECK(other.register_as("other") == "other");
    // The members, and the newcomers let in, are served as before.
    check_room_flows(a, "a", b, "flood", 10);
    CHECK(b.next_notice("JOIN #lobby other", 3s));
    held.front().send_line("late");
    CHECK(held.front().read_until("WELCOME late ", 3s));
    const std::size_t open = 2 + held.size() + 1;
    CHECK(await_connections(b, open, 3s) == open);
    b.drain(100ms);
    CHECK(b.senders_pending().empty());
    CHECK(count_lines_with(server.log(), "refused: too many new connections from 127.0.0.1") == 2);
}

TEST_CASE("flood: once the refusal is over, the address is let in again", "[hardening][flood]") {
    test_server server;
    std::vector<line_client> held;
    held.reserve(100);
    auto refused = connect_until_refused(server.port(), held, 100);
    REQUIRE(refused);
    REQUIRE(starts_with(refused->first_line, "ERR too-many-connections "));
    const auto refused_at = steady_clock::now();
    // Closing them frees nothing: the limit is on new connections, not open ones.
    held.clear();

    // Retries within the refusal are refused, and do not make it longer.
    std::optional<line_client> admitted;
    int retries_refused = 0;
    while (!admitted && steady_clock::now() - refused_at < 5s) {
        line_client c(server.port());
        const auto first = c.read_line(3s);
        REQUIRE(first);
        if (starts_with(*first, "HELLO ")) {
            admitted.emplace(std::move(c));
        } else {
            CHECK(starts_with(*first, "ERR too-many-connections "));
            ++retries_refused;
            std::this_thread::sleep_for(100ms);  // paces the retries; nothing is waited for
        }
    }
    const auto waited = steady_clock::now() - refused_at;
    INFO(retries_refused << " retries refused, let in after "
                         << std::chrono::duration<double>(waited).count() << " s");
    REQUIRE(admitted);
    CHECK(retries_refused >= 1);
    // The server's 1 s began a moment before the client saw the refusal.
    CHECK(waited >= 900ms);
    CHECK(waited < 3s);
    admitted->send_line("back");
    CHECK(admitted->read_until("WELCOME back ", 3s));
}

TEST_CASE("flood: a connect/disconnect storm writes a bounded log", "[hardening][flood]") {
    constexpr int storm = 3000;
    const std::string log = storm_log({}, storm);
    INFO(log.substr(0, 3000));
    // 2 lines per connection before the limits: at least 6000.
    CHECK(line_count(log) <= 200);
    // What was logged and what was summed up account for every connection from 127.0.0.1.
    const std::size_t connected = count_lines_with(log, " connected") - 1;  // not 127.0.0.2
    const std::size_t refused = count_lines_with(log, "refused: too many new connections");
    CHECK(connected == 20);
    CHECK(refused == 20);
    CHECK(connected + refused + summed_up(log) == storm);
}

TEST_CASE("flood: a storm let in by --connect-rate 0 still writes a bounded log",
          "[hardening][flood]") {
    constexpr int storm = 3000;
    const std::string log = storm_log({"--connect-rate", "0"}, storm);
    INFO(log.substr(0, 3000));
    CHECK(line_count(log) <= 100);
    // The first 20 are logged whole, coming and going; the rest are one summary.
    const std::size_t connected = count_lines_with(log, " connected");
    CHECK(connected == 20 + 1);  // and the one from 127.0.0.2
    CHECK(count_lines_with(log, "disconnected before registering") == connected);
    CHECK(count_lines_with(log, "connections not logged") == 1);
    CHECK(connected - 1 + summed_up(log) == storm);
}
