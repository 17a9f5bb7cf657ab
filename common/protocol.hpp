#pragma once

#include <string_view>

namespace chat {

/// The protocol name and version announced in `HELLO`.
inline constexpr std::string_view protocol_version = "chat/1";

/// Stable error codes sent in `ERR <code> <text>`; bots match on the code, people read the text.
enum class protocol_error {
    name_invalid,
    name_taken,
    no_such_user,
    unknown_command,
    usage,
    line_too_long,
    bad_encoding,
    server_full,
    too_many_from_address,
    not_registered,
};

/// The code as it appears on the wire, e.g. `name-taken`.
std::string_view to_string(protocol_error code);

/// Why a member left, as it appears in `LEAVE <name> <reason>`.
enum class leave_reason { quit, disconnected, timeout, slow_consumer, shutdown, error };

/// The reason as it appears on the wire, e.g. `slow-consumer`.
std::string_view to_string(leave_reason reason);

/// What a registered client's line asks for.
enum class command_kind {
    empty,            ///< an empty line: ignored
    say,              ///< a room message (`text`)
    private_message,  ///< `@name text` or `/msg name text` (`target`, `text`)
    me,               ///< `/me action` (`text`)
    nick,             ///< `/nick new` (`target`)
    who,              ///< `/who`
    ping,             ///< `/ping [token]` (`text`, may be empty)
    pong,             ///< `/pong token`, the answer to a server `PING` (`text`)
    help,             ///< `/help`
    quit,             ///< `/quit [reason]` (`text`, may be empty)
    stats,            ///< `/stats`
    unknown,          ///< a `/word` that is no command (`target` holds the word)
    usage,            ///< a command missing its argument (`target` holds the command)
};

/// A parsed client line. Views point into the line given to `parse_command`, except the
/// command name of a `usage` result, which may be a static string.
struct command {
    command_kind kind = command_kind::empty;
    std::string_view target;
    std::string_view text;
};

/// How a command is used, for `ERR usage`: `/msg NAME TEXT` for `msg`, `@NAME TEXT` for `@`.
std::string_view usage_of(std::string_view command);

/// Parses one line (no `\n`) from a registered client. Never fails: every input maps to a kind,
/// with `unknown` and `usage` for lines the server must answer with `ERR`.
command parse_command(std::string_view line);

}  // namespace chat
