#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat::test;

namespace {

std::size_t count_lines(const std::string& s) {
    return static_cast<std::size_t>(std::count(s.begin(), s.end(), '\n'));
}

}  // namespace

TEST_CASE("--help and --version print to stdout and exit 0", "[cli]") {
    const auto help = run_command(server_binary(), {"--help"});
    CHECK(help.exit_code == 0);
    CHECK(help.out.find("--max-line") != std::string::npos);
    CHECK(help.out.find("--config") != std::string::npos);
    CHECK(help.err.empty());
    const auto version = run_command(server_binary(), {"--version"});
    CHECK(version.exit_code == 0);
    CHECK(version.out.rfind("chat-server ", 0) == 0);
}

TEST_CASE("a bad flag or value is one line on stderr and exit 2", "[cli]") {
    for (const auto& args :
         {std::vector<std::string>{"--no-such-flag"}, std::vector<std::string>{"--port", "99999"},
          std::vector<std::string>{"--max-clients", "lots"}}) {
        const auto r = run_command(server_binary(), args);
        INFO(args[0] << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(count_lines(r.err) == 1);
        CHECK(r.out.empty());
    }
}

TEST_CASE("a port in use is one clear line and exit 1", "[cli]") {
    test_server first;
    const auto r = run_command(server_binary(), {"--port", std::to_string(first.port())});
    CHECK(r.exit_code == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.find("cannot start") != std::string::npos);
    CHECK(r.err.find("in use") != std::string::npos);
    CHECK(r.err.find(".hpp") == std::string::npos);  // a reason for people, not a source location
}

TEST_CASE("a malformed bind address is a usage error", "[cli]") {
    const auto r = run_command(server_binary(), {"--bind", "not-an-address", "--port", "0"});
    CHECK(r.exit_code == 2);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.find("--bind") != std::string::npos);
}

TEST_CASE("an address this machine does not have cannot be bound: exit 1, one line", "[cli]") {
    const auto r = run_command(server_binary(), {"--bind", "192.0.2.1", "--port", "0"});
    CHECK(r.exit_code == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK(r.err.find("cannot listen on 192.0.2.1:0") != std::string::npos);
}

TEST_CASE("a stray argument is a usage error, not ignored", "[cli]") {
    const auto r = run_command(server_binary(), {"--port", "0", "stray"});
    CHECK(r.exit_code == 2);
    CHECK(count_lines(r.err) == 1);
}

TEST_CASE("a log file in a missing directory is refused, not created", "[cli]") {
    const auto r =
        run_command(server_binary(), {"--port", "0", "--log-file", "/nonexistent-dir/x.log"});
    CHECK(r.exit_code == 1);
    CHECK(count_lines(r.err) == 1);
    CHECK(access("/nonexistent-dir", F_OK) != 0);
}

TEST_CASE("the server listens on IPv6 loopback", "[cli]") {
    test_server server({"--bind", "::1"});
    CHECK(server.log().find("listening on [::1]:") != std::string::npos);
    line_client c(server.port(), "::1");
    CHECK(c.register_as("six") == "six");
}

TEST_CASE("a config file is read and an unknown key in it refused", "[cli]") {
    char path[] = "/tmp/chat-conf-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    const std::string good = "port = 0\nmax-line = 128\n";
    REQUIRE(write(fd, good.data(), good.size()) == static_cast<ssize_t>(good.size()));
    close(fd);
    {
        test_server server({"--config", path});
        line_client c(server.port());
        const auto hello = c.read_until("HELLO ");
        REQUIRE(hello);
        CHECK(hello->find("max-line=128") != std::string::npos);
    }
    std::FILE* f = std::fopen(path, "a");
    std::fputs("colour = blue\n", f);
    std::fclose(f);
    const auto r = run_command(server_binary(), {"--config", path});
    std::remove(path);
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("colour") != std::string::npos);
}

TEST_CASE("values that overflowed, truncated or hung are one line on stderr and exit 2", "[cli]") {
    char dir[] = "/tmp/chat-conf-dir-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    for (auto args : {std::vector<std::string>{"--rate", "1e-10", "--burst", "1"},
                      std::vector<std::string>{"--idle-timeout", "0.0004"},
                      std::vector<std::string>{"--config", dir},
                      std::vector<std::string>{"--config", "/dev/zero"}}) {
        args.insert(args.end(), {"--port", "0"});  // should it start after all, not on 7777
        const auto r = run_command(server_binary(), args, 5s);
        INFO(args[0] << ' ' << args[1] << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(count_lines(r.err) == 1);
        CHECK(r.out.empty());
    }
    rmdir(dir);
}
