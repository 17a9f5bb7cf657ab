// Signals other than SIGINT and SIGTERM: none may end the daemon. SIGUSR1 reopens the log file,
// so that logrotate can move it away without copytruncate; the others are logged and ignored.

#include <signal.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include <catch2/catch.hpp>

#include "test/integration/hardening_support.hpp"
#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat::test;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// Polls `condition` until it holds or `limit` passes: the daemon's log is written by another
/// process, so there is nothing to wait on but the file itself.
bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds limit = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(10ms);
    }
    return true;
}

bool file_holds(const std::string& path, std::string_view needle, std::size_t times = 1) {
    return eventually([&] { return count_lines_with(read_text(path), needle) >= times; });
}

/// A newcomer can still join and is answered.
void check_serves(const test_server& server, const std::string& name) {
    line_client c(server.port());
    CHECK(c.register_as(name) == name);
    c.send_line("/ping alive");
    CHECK(c.read_until("PONG alive", 3s));
}

/// A fresh directory under /tmp, removed with what is in it.
struct temp_dir {
    std::string path;
    temp_dir() {
        std::string pattern = "/tmp/chat-test-signals-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~temp_dir() { std::filesystem::remove_all(path); }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
};

}  // namespace

TEST_CASE("SIGHUP, SIGUSR2 and SIGALRM are logged and ignored", "[signals]") {
    temp_dir dir;
    const std::string log = dir.path + "/server.log";
    test_server server({"--log-file", log});
    line_client member(server.port());
    member.register_as("steady");

    const std::pair<int, const char*> cases[] = {
        {SIGHUP, "received SIGHUP; ignored for now"},
        {SIGUSR2, "received SIGUSR2; ignored"},
        {SIGALRM, "received SIGALRM; ignored"},
    };
    int n = 0;
    for (const auto& [signal_number, logged] : cases) {
        INFO(logged);
        server.signal(signal_number);
        CHECK(file_holds(log, logged));
        check_serves(server, numbered("newcomer", n++));
    }
    // The member from before never noticed.
    member.send_line("/ping still here");
    CHECK(member.read_until("PONG still here", 3s));
    for (const auto& line : member.skipped()) {
        CHECK(line.rfind("BYE", 0) != 0);
    }
    // SIGTERM still stops it the usual way.
    server.signal(SIGTERM);
    CHECK(member.read_until("BYE ", 3s));
    CHECK(server.wait_exit(5s) == 0);
    CHECK(file_holds(log, "all connections closed; exiting"));
}

TEST_CASE("SIGUSR1 reopens a log file that was moved away", "[signals]") {
    temp_dir dir;
    const std::string log = dir.path + "/server.log";
    const std::string rotated = log + ".1";
    test_server server({"--log-file", log});
    line_client before(server.port());
    before.register_as("before");
    REQUIRE(file_holds(log, "registered as before"));

    // What logrotate does without copytruncate: rename, then tell the daemon.
    REQUIRE(std::rename(log.c_str(), rotated.c_str()) == 0);
    server.signal(SIGUSR1);
    REQUIRE(file_holds(log, "reopened the log file"));
    check_serves(server, "after");
    CHECK(file_holds(log, "registered as after"));
    const std::string old_text = read_text(rotated);
    CHECK(count_lines_with(old_text, "registered as before") == 1);
    CHECK(count_lines_with(old_text, "reopening the log file") == 1);
    CHECK(count_lines_with(old_text, "registered as after") == 0);

    // Reopening a file nobody moved appends to it.
    server.signal(SIGUSR1);
    CHECK(file_holds(log, "reopened the log file", 2));
    CHECK(count_lines_with(read_text(log), "registered as after") == 1);
    before.send_line("/ping still here");
    CHECK(before.read_until("PONG still here", 3s));
}

TEST_CASE("SIGUSR1 with the log on stderr says there is nothing to reopen", "[signals]") {
    test_server server;
    server.signal(SIGUSR1);
    CHECK(eventually(
        [&] { return server.log().find("no log file to reopen") != std::string::npos; }));
    check_serves(server, "still");
}
