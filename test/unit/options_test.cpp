#include <cstdio>
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
