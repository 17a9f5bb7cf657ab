#pragma once

#include <optional>
#include <string>
#include <variant>

namespace chat {

/// How `chat-client` ends; documented in --help and docs/client.md so scripts can branch on it.
enum class client_status : int {
    ok = 0,                ///< input ended (or /quit, Ctrl+C) and the session closed in order
    cannot_connect = 1,    ///< refused, unreachable, unknown host, or the server was full
    usage = 2,             ///< bad command-line flags
    connection_lost = 3,   ///< scripted: the connection dropped without a goodbye
    name_refused = 4,      ///< scripted: the server refused the name and no other was given
    closed_by_server = 5,  ///< scripted: the server said BYE before the input ended
};

/// What the command line asks for.
struct client_config {
    std::string host = "127.0.0.1";
    std::string port = "7777";
    std::optional<std::string> name;  ///< sent first when given (empty: a generated name)
    bool raw = false;                 ///< print protocol lines exactly as received
    bool no_color = false;            ///< never colour, even on a terminal
};

/// The command line asked to stop at once: after --help or --version (code 0, text for stdout)
/// or for a usage error (code 2, one line for stderr).
struct client_exit {
    int code;
    std::string output;
};

/// Whether to colour output: only on a terminal, never with --no-color, never when `NO_COLOR` is
/// set to anything non-empty (no-color.org), never on a `dumb` terminal. Null means unset.
bool want_color(bool no_color_flag, bool stdout_is_terminal, const char* no_color_env,
                const char* term_env);

/// Reads the flags. Unknown flags, stray arguments, a bad port or an invalid name are usage
/// errors. Never throws.
std::variant<client_config, client_exit> parse_client_options(int argc, const char* const* argv);

}  // namespace chat
