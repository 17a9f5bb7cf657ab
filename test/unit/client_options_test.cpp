#include <string>
#include <variant>
#include <vector>

#include <catch2/catch.hpp>

#include "client/client_options.hpp"

namespace {

std::variant<chat::client_config, chat::client_exit> parse(std::vector<std::string> args) {
    args.insert(args.begin(), "chat-client");
    std::vector<const char*> argv;
    for (const auto& a : args) {
        argv.push_back(a.c_str());
    }
    return chat::parse_client_options(static_cast<int>(argv.size()), argv.data());
}

const chat::client_exit* exit_of(const std::variant<chat::client_config, chat::client_exit>& r) {
    return std::get_if<chat::client_exit>(&r);
}

}  // namespace

TEST_CASE("client defaults", "[client][options]") {
    const auto r = parse({});
    REQUIRE(std::holds_alternative<chat::client_config>(r));
    const auto& c = std::get<chat::client_config>(r);
    CHECK(c.host == "127.0.0.1");
    CHECK(c.port == "7777");
    CHECK_FALSE(c.name);
    CHECK_FALSE(c.raw);
    CHECK_FALSE(c.no_color);
}

TEST_CASE("client flags", "[client][options]") {
    const auto r =
        parse({"--host", "localhost", "--port", "4000", "--name", "bot1", "--raw", "--no-color"});
    REQUIRE(std::holds_alternative<chat::client_config>(r));
    const auto& c = std::get<chat::client_config>(r);
    CHECK(c.host == "localhost");
    CHECK(c.port == "4000");
    CHECK(c.name == "bot1");
    CHECK(c.raw);
    CHECK(c.no_color);
    const auto empty = parse({"--name", ""});  // asks the server for a generated name
    REQUIRE(std::holds_alternative<chat::client_config>(empty));
    CHECK(std::get<chat::client_config>(empty).name == "");
}

TEST_CASE("--help and --version exit 0 with text for stdout", "[client][options]") {
    const auto help = parse({"--help"});
    REQUIRE(exit_of(help));
    CHECK(exit_of(help)->code == 0);
    CHECK(exit_of(help)->output.find("--name") != std::string::npos);
    CHECK(exit_of(help)->output.find("Exit status") != std::string::npos);
    CHECK(exit_of(help)->output.find("NO_COLOR") != std::string::npos);
    const auto version = parse({"--version"});
    REQUIRE(exit_of(version));
    CHECK(exit_of(version)->code == 0);
    CHECK(exit_of(version)->output.find("chat-client ") == 0);
}

TEST_CASE("bad usage exits 2 with one clear line", "[client][options]") {
    for (const auto& args : std::vector<std::vector<std::string>>{{"--bogus"},
                                                                  {"--port"},
                                                                  {"--port", "http"},
                                                                  {"--port", "0"},
                                                                  {"--port", "70000"},
                                                                  {"--host", ""},
                                                                  {"--name", "two words"},
                                                                  {"--name", "server"},
                                                                  {"stray"}}) {
        const auto r = parse(args);
        CAPTURE(args);
        REQUIRE(exit_of(r));
        CHECK(exit_of(r)->code == 2);
        CHECK(exit_of(r)->output.find("chat-client: ") == 0);
        CHECK(exit_of(r)->output.find('\n') == std::string::npos);
    }
}

TEST_CASE("a name the server would refuse is refused with the server's reason",
          "[client][options]") {
    const auto dots = parse({"--name=.."});
    REQUIRE(exit_of(dots));
    CHECK(exit_of(dots)->code == 2);
    CHECK(exit_of(dots)->output ==
          "chat-client: --name '..' is not a name: a name cannot be only dots, which read as a "
          "directory");
    const auto dash = parse({"--name=-rf"});
    REQUIRE(exit_of(dash));
    CHECK(exit_of(dash)->output.find("cannot start with '-'") != std::string::npos);
}

TEST_CASE("colour only on a terminal, never with NO_COLOR or --no-color", "[client][options]") {
    CHECK(chat::want_color(false, true, nullptr, "xterm-256color"));
    CHECK(chat::want_color(false, true, "", "xterm"));  // NO_COLOR set but empty: no effect
    CHECK(chat::want_color(false, true, nullptr, nullptr));
    CHECK_FALSE(chat::want_color(false, false, nullptr, "xterm"));
    CHECK_FALSE(chat::want_color(true, true, nullptr, "xterm"));
    CHECK_FALSE(chat::want_color(false, true, "1", "xterm"));
    CHECK_FALSE(chat::want_color(false, true, nullptr, "dumb"));
}
