#include "client/client_options.hpp"

#include <charconv>
#include <sstream>

#include <fmt/format.h>
#include <boost/program_options.hpp>

#include "common/names.hpp"
#include "common/protocol.hpp"

namespace chat {

namespace po = boost::program_options;

namespace {

// Printed after the first line, which names the protocol version.
constexpr const char* usage_head =
    "\n"
    "Usage: chat-client [--host H] [--port P] [--name N] [--raw] [--no-color]\n"
    "\n"
    "On a terminal it is an interactive chat: type a line to talk to the current room (the\n"
    "prompt names it), /join #ROOM to join or switch, /part [#ROOM], #ROOM TEXT to talk to\n"
    "another room, /rooms, /who, /topic, @NAME TEXT or /msg NAME TEXT to whisper, /me ACTION,\n"
    "/nick NAME, /history [#ROOM] [before ID | after ID] [N] for earlier messages, /help,\n"
    "/quit (or Ctrl+C, or Ctrl+D on an empty line). Tab completes names, commands and rooms;\n"
    "Up and Down walk the history. A lost connection is retried with back-off (1 s doubling\n"
    "to 30 s); the session is resumed where the server keeps it, else the rooms are joined\n"
    "again. History the server replays is shown dimmed.\n"
    "\n"
    "With stdin not a terminal it is a filter: each input line is sent as typed (the first one\n"
    "is the name unless --name is given), each server line is printed, one per line. At the end\n"
    "of input it sends /quit, waits briefly for the server to finish, and exits.\n"
    "  printf 'bot1\\nhello\\n' | chat-client --raw\n"
    "\n";

constexpr const char* usage_tail =
    "\n"
    "Exit status:\n"
    "  0  input ended, or /quit, Ctrl+C: the session closed in order\n"
    "  1  could not connect (refused, unreachable, unknown host, server full, or the peer\n"
    "     is not a chat/2 server)\n"
    "  2  bad usage\n"
    "  3  scripted: the connection was lost\n"
    "  4  scripted: the server refused the name\n"
    "  5  scripted: the server closed the session (BYE) before the input ended\n"
    "\n"
    "Colour is used only on a terminal, and never with --no-color or NO_COLOR set.\n";

struct bad_value {
    std::string message;
};

std::string checked_port(const std::string& text) {
    unsigned value = 0;
    const char* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end || value == 0 || value > 65535) {
        throw bad_value{fmt::format("--port must be a number from 1 to 65535, not '{}'", text)};
    }
    return text;
}

}  // namespace

bool want_color(bool no_color_flag, bool stdout_is_terminal, const char* no_color_env,
                const char* term_env) {
    if (no_color_flag || !stdout_is_terminal) {
        return false;
    }
    if (no_color_env != nullptr && *no_color_env != '\0') {
        return false;
    }
    return term_env == nullptr || std::string_view(term_env) != "dumb";
}

std::variant<client_config, client_exit> parse_client_options(int argc, const char* const* argv) {
    const client_config defaults;
    po::options_description flags("Options");
    flags.add_options()("help,h", "print this help and exit")("version,V",
                                                              "print the version and exit")(
        "host", po::value<std::string>()->default_value(defaults.host),
        "server address or host name")(
        "port,p", po::value<std::string>()->default_value(defaults.port), "server TCP port")(
        "name,n", po::value<std::string>(),
        "join with this name (asked for again if it is taken); \"\" for a generated one")(
        "raw", "print protocol lines exactly as received, not rendered")("no-color",
                                                                         "never use colour");

    try {
        po::variables_map vm;
        const po::positional_options_description none;  // so that stray words are refused
        po::store(po::command_line_parser(argc, argv).options(flags).positional(none).run(), vm);
        if (vm.count("help") != 0U) {
            std::ostringstream out;
            out << "chat-client: talk to a chat-server (protocol " << protocol_version << ")\n"
                << usage_head << flags << usage_tail;
            return client_exit{0, out.str()};
        }
        if (vm.count("version") != 0U) {
            return client_exit{
                0, fmt::format("chat-client {} (protocol {})\n", CHAT_VERSION, protocol_version)};
        }
        po::notify(vm);

        client_config c;
        c.host = vm["host"].as<std::string>();
        if (c.host.empty()) {
            throw bad_value{"--host must not be empty"};
        }
        c.port = checked_port(vm["port"].as<std::string>());
        if (vm.count("name") != 0U) {
            c.name = vm["name"].as<std::string>();
            if (const auto fault = check_name(*c.name);
                !c.name->empty() && fault != name_fault::ok) {
                throw bad_value{
                    fmt::format("--name '{}' is not a name: {}", *c.name, explain(fault))};
            }
        }
        c.raw = vm.count("raw") != 0U;
        c.no_color = vm.count("no-color") != 0U;
        return c;
    } catch (const bad_value& e) {
        return client_exit{2, "chat-client: " + e.message};
    } catch (const po::error& e) {
        return client_exit{2, fmt::format("chat-client: {} (see --help)", e.what())};
    }
}

}  // namespace chat
