#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/protocol.hpp"

namespace chat {

/// The kind of a server->client line, from its upper-case tag.
enum class server_tag {
    hello,    ///< `HELLO <version> <limits> <text>`: the server asks for a name
    welcome,  ///< `WELCOME <your-name> <text>`: the name is accepted
    msg,      ///< `MSG <id> <time> <from> <text>`: a room message
    priv,     ///< `PRIV <id> <time> <from> <text>`: a private message to us
    me,       ///< `ME <id> <time> <from> <action>`: an action
    join,     ///< `JOIN <name>`
    leave,    ///< `LEAVE <name> <reason> [text]`
    nick,     ///< `NICK <old> <new>`
    users,    ///< `USERS <name> ...`: who is here
    info,     ///< `INFO <text>`
    ping,     ///< `PING <token>`: answer `/pong <token>`
    pong,     ///< `PONG [token]`
    bye,      ///< `BYE <text>`: the server closes this connection
    err,      ///< `ERR <code> <text>`
    unknown,  ///< an upper-case tag this client does not know (a newer server); `text` is the rest
};

/// One parsed server line. Views point into the line given to `parse_server_line`; fields a tag
/// does not have are empty.
struct server_line {
    server_tag tag = server_tag::unknown;
    std::string_view tag_word;  ///< the tag as sent, e.g. `MSG`
    std::string_view id;        ///< MSG, PRIV, ME: the server's message number
    std::string_view time;      ///< MSG, PRIV, ME: RFC 3339 UTC, see `parse_timestamp`
    std::string_view name;      ///< sender (MSG, PRIV, ME), member (JOIN, LEAVE), old name (NICK),
                                ///< your name (WELCOME)
    std::string_view new_name;  ///< NICK: the new name
    std::string_view code;      ///< ERR: the error code; LEAVE: the reason; HELLO: the version
    std::string_view limits;    ///< HELLO: `key=value,...`
    std::string_view text;      ///< free text to end of line; PING/PONG: the token; USERS: the
                                ///< names separated by spaces; unknown: all after the tag
};

/// Parses one line (no `\n`) sent by the server. Returns nothing for a line that is not a server
/// line at all: empty, a tag that is not upper-case letters, or a known tag missing a required
/// field. Never throws, never allocates: the server is untrusted input like any peer.
std::optional<server_line> parse_server_line(std::string_view line);

/// Calls `f(std::string_view name)` for each name in a `USERS` line's `text`.
template <class F>
void for_each_name(std::string_view names, F&& f) {
    while (!names.empty()) {
        const auto space = names.find(' ');
        const auto word = names.substr(0, space);
        if (!word.empty()) {
            f(word);
        }
        if (space == std::string_view::npos) {
            break;
        }
        names.remove_prefix(space + 1);
    }
}

/// The error code of an `ERR` line, or nothing for a code this client does not know.
std::optional<protocol_error> parse_protocol_error(std::string_view code);

/// The reason of a `LEAVE` line, or nothing for a reason this client does not know.
std::optional<leave_reason> parse_leave_reason(std::string_view reason);

/// Reads RFC 3339 UTC as the server writes it (`2026-11-21T14:03:12.345Z`; the fraction may have
/// 0 to 9 digits). Returns nothing for anything else, including offsets other than `Z`.
std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text);

}  // namespace chat
