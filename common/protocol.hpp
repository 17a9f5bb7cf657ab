#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace chat {

/// The protocol name and version announced in `HELLO`.
inline constexpr std::string_view protocol_version = "chat/2";

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
    too_many_connections,
    not_registered,
    room_name_invalid,
    not_in_room,
    too_many_rooms,
    no_such_room,
    target_busy,
    resume_failed,
};

/// The code as it appears on the wire, e.g. `name-taken`.
std::string_view to_string(protocol_error code);

/// Why a member left a room, as it appears in `LEAVE <room> <name> <reason>`.
enum class leave_reason { quit, disconnected, timeout, slow_consumer, shutdown, error, part };

/// The reason as it appears on the wire, e.g. `slow-consumer`.
std::string_view to_string(leave_reason reason);

/// How a replay of history ends, as `HISTORY <room> <status> <count>` and `RESUMED <count>
/// <status>` say it.
enum class page_status {
    complete,  ///< nothing further in that direction
    more,      ///< more is kept: ask again from the page's end
    gap,       ///< some of what was asked for is no longer kept (retention passed)
};

/// The status as it appears on the wire, e.g. `gap`.
std::string_view to_string(page_status status);

/// A count or a message id as the protocol writes them: decimal digits only, no sign, no spaces.
/// Nothing for anything else or for a number past 64 bits; never throws.
std::optional<std::uint64_t> parse_count(std::string_view digits);

/// What a registered client's line asks for.
enum class command_kind {
    empty,            ///< an empty line: ignored
    say,              ///< a message to the current room (`text`)
    room_say,         ///< `#room text`: a message to a room without switching (`target`, `text`)
    private_message,  ///< `@name text` or `/msg name text` (`target`, `text`)
    me,               ///< `/me action` to the current room (`text`)
    nick,             ///< `/nick new` (`target`)
    join,             ///< `/join #room` (`target`)
    part,             ///< `/part [#room] [reason]` (`target` may be empty, `text` may be empty)
    rooms,            ///< `/rooms [#prefix]` (`text`: the prefix, may be empty)
    topic,            ///< `/topic [#room [text]]` (`target` may be empty, `text` may be empty)
    who,              ///< `/who [#room]` (`target` may be empty)
    ping,             ///< `/ping [token]` (`text`, may be empty)
    pong,             ///< `/pong token`, the answer to a server `PING` (`text`)
    help,             ///< `/help`
    quit,             ///< `/quit [reason]` (`text`, may be empty)
    stats,            ///< `/stats`
    ignore,           ///< `/ignore [name]` (`target` may be empty: list)
    unignore,         ///< `/unignore name` (`target`)
    history,          ///< `/history [#room] [before|after <id>] [limit]` (`target` may be empty,
                      ///< `text`: the rest, read by `parse_history_query`)
    resume,           ///< `/resume <name> <token> <last-id>`: only as a connection's first line
                      ///< (`target`: the name, `text`: the rest, read by `parse_resume`)
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

/// How a command is used, for `ERR usage`: `/msg NAME TEXT` for `msg`, `@NAME TEXT` for `@`,
/// `#ROOM TEXT` for `#`.
std::string_view usage_of(std::string_view command);

/// Parses one line (no `\n`) from a registered client. Never fails: every input maps to a kind,
/// with `unknown` and `usage` for lines the server must answer with `ERR`. Room names are not
/// checked here (`check_room_name` does), only recognised by their leading `#`.
command parse_command(std::string_view line);

/// Which way a `/history` page goes from its id.
enum class history_direction { latest, before, after };

/// `/history`'s arguments after the room: `[before <id> | after <id>] [limit]`.
struct history_query {
    history_direction direction = history_direction::latest;
    std::uint64_t id = 0;     ///< before/after this message id
    std::uint64_t limit = 0;  ///< 0: the server's default
};

/// Reads `/history`'s arguments after the room; nothing when they are malformed.
std::optional<history_query> parse_history_query(std::string_view args);

/// `/resume`'s arguments.
struct resume_request {
    std::string_view name;
    std::string_view token;
    std::uint64_t last_id = 0;
};

/// Reads a `/resume <name> <token> <last-id>` line; nothing when it is not one or is malformed.
std::optional<resume_request> parse_resume(std::string_view line);

/// The commands a client can type after `/`, in the order `/help` lists them; for completion.
inline constexpr std::array<std::string_view, 16> command_names = {
    "join", "part", "rooms", "topic", "who",  "history", "msg",    "me",
    "nick", "ping", "pong",  "stats", "help", "quit",    "ignore", "unignore",
};

}  // namespace chat
