#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "server/options.hpp"

namespace {

std::variant<chat::server_config, chat::options_exit> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "chat-server");
    std::vector<const char*> argv;
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    return chat::parse_server_options(static_cast<int>(argv.size()), argv.data());
}

int exit_code(const std::variant<chat::server_config, chat::options_exit>& r) {
    const auto* e = std::get_if<chat::options_exit>(&r);
    return e == nullptr ? -1 : e->code;
}

std::string write_config(const std::string& text) {
    char path[] = "/tmp/chat-config-XXXXXX";
    const int fd = mkstemp(path);
    REQUIRE(fd >= 0);
    std::FILE* f = fdopen(fd, "w");
    std::fputs(text.c_str(), f);
    std::fclose(f);
    return path;
}

}  // namespace

TEST_CASE("defaults apply with no flags", "[options]") {
    const auto r = parse({});
    REQUIRE(std::holds_alternative<chat::server_config>(r));
    const auto& c = std::get<chat::server_config>(r);
    CHECK(c.bind == "127.0.0.1");
    CHECK(c.port == 7777);
    CHECK(c.max_line == 4096);
    CHECK(c.log_level == "info");
}

TEST_CASE("flags set values", "[options]") {
    const auto r = parse({"--bind", "::", "--port", "0", "--max-line", "100", "--rate", "0",
                          "--idle-timeout", "1.5", "--log-level", "debug"});
    REQUIRE(std::holds_alternative<chat::server_config>(r));
    const auto& c = std::get<chat::server_config>(r);
    CHECK(c.bind == "::");
    CHECK(c.port == 0);
    CHECK(c.max_line == 100);
    CHECK(c.rate == 0.0);
    CHECK(c.idle_timeout == std::chrono::milliseconds(1500));
    CHECK(c.log_level == "debug");
}

TEST_CASE("bad flags and values are usage errors with one line", "[options]") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--bogus"},
                                                                  {"--port", "70000"},
                                                                  {"--port", "-1"},
                                                                  {"--port", "12ab"},
                                                                  {"--max-line", "0"},
                                                                  {"--rate", "fast"},
                                                                  {"--log-level", "loud"},
                                                                  {"--idle-timeout", "-3"},
                                                                  {"--port"},
                                                                  {"--bind", "1.2.3.4.5"},
                                                                  {"--port", "0", "stray"}}) {
        const auto r = parse(args);
        INFO(args[0]);
        REQUIRE(exit_code(r) == 2);
        const auto& msg = std::get<chat::options_exit>(r).output;
        CHECK(msg.find('\n') == std::string::npos);
        CHECK(msg.rfind("chat-server: ", 0) == 0);
    }
}

TEST_CASE("help and version exit 0 with text", "[options]") {
    const auto help = parse({"--help"});
    REQUIRE(exit_code(help) == 0);
    CHECK(std::get<chat::options_exit>(help).output.find("--max-line") != std::string::npos);
    const auto version = parse({"--version"});
    REQUIRE(exit_code(version) == 0);
    CHECK(std::get<chat::options_exit>(version).output.find("chat-server") != std::string::npos);
}

TEST_CASE("config file sets values, the command line wins", "[options]") {
    const auto path = write_config("# comment\nport = 9000\nmax-line = 512\nlog-level = warn\n");
    const auto r = parse({"--config", path, "--port", "9001"});
    std::remove(path.c_str());
    REQUIRE(std::holds_alternative<chat::server_config>(r));
    const auto& c = std::get<chat::server_config>(r);
    CHECK(c.port == 9001);
    CHECK(c.max_line == 512);
    CHECK(c.log_level == "warn");
}

TEST_CASE("an unknown key in the config file is an error", "[options]") {
    const auto path = write_config("port = 9000\nmax-lines = 10\n");
    const auto r = parse({"--config", path});
    std::remove(path.c_str());
    REQUIRE(exit_code(r) == 2);
    CHECK(std::get<chat::options_exit>(r).output.find(path) != std::string::npos);
}

TEST_CASE("a missing config file is an error", "[options]") {
    CHECK(exit_code(parse({"--config", "/nonexistent/chat.conf"})) == 2);
}

TEST_CASE("the default room and the room limit", "[options]") {
    const auto defaults = std::get<chat::server_config>(parse({}));
    CHECK(defaults.default_room == "#lobby");
    CHECK(defaults.max_rooms == 50);
    CHECK(std::get<chat::server_config>(parse({"--default-room", "#Help"})).default_room ==
          "#Help");
    CHECK(std::get<chat::server_config>(parse({"--default-room", "help"})).default_room == "#help");
    CHECK(std::get<chat::server_config>(parse({"--default-room", ""})).default_room.empty());
    CHECK(exit_code(parse({"--default-room", "two words"})) == 2);
    CHECK(exit_code(parse({"--default-room", "#" + std::string(33, 'x')})) == 2);
    CHECK(std::get<chat::server_config>(parse({"--max-rooms", "3"})).max_rooms == 3);
    CHECK(exit_code(parse({"--max-rooms", "0"})) == 2);
    // In the config file '#' starts a comment: the room is named without it.
    const auto path = write_config("default-room = general\nmax-rooms = 7\n");
    const auto from_file = std::get<chat::server_config>(parse({"--config", path}));
    std::remove(path.c_str());
    CHECK(from_file.default_room == "#general");
    CHECK(from_file.max_rooms == 7);
}

TEST_CASE("a rate too small to mean anything is refused, not turned into no limit", "[options]") {
    // 1e-10 lines/s made the refill wait overflow the clock, which switched flood control off.
    for (const auto& args : std::vector<std::vector<std::string>>{
             {"--rate", "1e-10", "--burst", "1"}, {"--rate", "0.0009"}, {"--rate", "-1"}}) {
        INFO(args[1]);
        const auto r = parse(args);
        REQUIRE(exit_code(r) == 2);
        const auto& msg = std::get<chat::options_exit>(r).output;
        CHECK(msg.find("--rate") != std::string::npos);
        CHECK(msg.find('\n') == std::string::npos);
    }
    const auto slow = parse({"--rate", "0.001"});
    REQUIRE(std::holds_alternative<chat::server_config>(slow));
    CHECK(std::get<chat::server_config>(slow).rate == 0.001);
}

TEST_CASE("the connection flood flags", "[options]") {
    const auto defaults = std::get<chat::server_config>(parse({}));
    CHECK(defaults.connect_rate == 20.0);
    CHECK(defaults.connect_burst == 40.0);
    CHECK(defaults.ipv6_prefix == 64);
    const auto set =
        parse({"--connect-rate", "0.5", "--connect-burst", "3", "--ipv6-prefix", "128"});
    REQUIRE(std::holds_alternative<chat::server_config>(set));
    CHECK(std::get<chat::server_config>(set).connect_rate == 0.5);
    CHECK(std::get<chat::server_config>(set).connect_burst == 3.0);
    CHECK(std::get<chat::server_config>(set).ipv6_prefix == 128);
    CHECK(std::get<chat::server_config>(parse({"--connect-rate", "0"})).connect_rate == 0.0);
    CHECK(std::get<chat::server_config>(parse({"--ipv6-prefix", "0"})).ipv6_prefix == 0);
    for (const auto& args : std::vector<std::vector<std::string>>{{"--connect-rate", "-1"},
                                                                  {"--connect-rate", "0.0001"},
                                                                  {"--connect-rate", "lots"},
                                                                  {"--connect-burst", "0"},
                                                                  {"--connect-burst", "many"},
                                                                  {"--ipv6-prefix", "129"},
                                                                  {"--ipv6-prefix", "-1"},
                                                                  {"--ipv6-prefix", "64.5"}}) {
        INFO(args[0] << ' ' << args[1]);
        const auto r = parse(args);
        REQUIRE(exit_code(r) == 2);
        const auto& msg = std::get<chat::options_exit>(r).output;
        CHECK(msg.find(args[0]) != std::string::npos);
        CHECK(msg.find('\n') == std::string::npos);
    }
}

TEST_CASE("a duration below a millisecond is refused, not truncated to none", "[options]") {
    // 0.0004 s used to become 0 ms, which means no time-out at all while HELLO said 0.
    for (const char* flag : {"--idle-timeout", "--handshake-timeout", "--shutdown-timeout"}) {
        for (const char* value : {"0.0004", "1e-9"}) {
            INFO(flag << ' ' << value);
            const auto r = parse({flag, value});
            REQUIRE(exit_code(r) == 2);
            const auto& msg = std::get<chat::options_exit>(r).output;
            CHECK(msg.find(flag) != std::string::npos);
            CHECK(msg.find("0.001") != std::string::npos);
            CHECK(msg.find('\n') == std::string::npos);
        }
    }
    const auto r = parse({"--idle-timeout", "0.001", "--handshake-timeout", "0"});
    REQUIRE(std::holds_alternative<chat::server_config>(r));
    CHECK(std::get<chat::server_config>(r).idle_timeout == std::chrono::milliseconds(1));
    CHECK(std::get<chat::server_config>(r).handshake_timeout == std::chrono::milliseconds(0));
}

TEST_CASE("a config path that is not a regular file is refused at once", "[options]") {
    // A directory used to give the defaults silently; /dev/zero and a FIFO used to hang.
    char dir[] = "/tmp/chat-config-dir-XXXXXX";
    REQUIRE(mkdtemp(dir) != nullptr);
    const std::string fifo = std::string(dir) + "/fifo";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    for (const std::string& path : {std::string(dir), std::string("/dev/zero"), fifo}) {
        INFO(path);
        const auto r = parse({"--config", path});
        REQUIRE(exit_code(r) == 2);
        const auto& msg = std::get<chat::options_exit>(r).output;
        CHECK(msg.find(path) != std::string::npos);
        CHECK(msg.find("not a regular file") != std::string::npos);
        CHECK(msg.find('\n') == std::string::npos);
    }
    std::remove(fifo.c_str());
    rmdir(dir);
}

TEST_CASE("a config file over 1 MiB is refused", "[options]") {
    std::string text = "port = 9000\n";
    while (text.size() <= (std::size_t{1} << 20)) {
        text += "# padding padding padding padding padding padding padding padding padding\n";
    }
    const auto path = write_config(text);
    const auto r = parse({"--config", path});
    std::remove(path.c_str());
    REQUIRE(exit_code(r) == 2);
    const auto& msg = std::get<chat::options_exit>(r).output;
    CHECK(msg.find("1 MiB") != std::string::npos);
    CHECK(msg.find('\n') == std::string::npos);
    // Just under the bound is read as usual.
    text.resize((std::size_t{1} << 20) - 100);
    text.resize(text.rfind('\n') + 1);
    const auto ok_path = write_config(text);
    const auto ok = parse({"--config", ok_path});
    std::remove(ok_path.c_str());
    REQUIRE(std::holds_alternative<chat::server_config>(ok));
    CHECK(std::get<chat::server_config>(ok).port == 9000);
}
