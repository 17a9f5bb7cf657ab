#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "common/protocol.hpp"

namespace chat {

/// The kind of a server->client line, from its upper-case tag.
enum class server_tag {
    hello,    ///< `HELLO <version> <limits> <text>`: the server asks for a name
    welcome,  ///< `WELCOME <your-name> <token> <text>`: the name is accepted; `token` resumes
    msg,      ///< `MSG <room> <id> <time> <from> <text>`: a room message
    priv,     ///< `PRIV <id> <time> <from> <text>`: a private message to us
    me,       ///< `ME <room> <id> <time> <from> <action>`: an action
    sent,     ///< `SENT <id> <time>`: our MSG, ME or PRIV was accepted with this id
    join,     ///< `JOIN <room> <name>`: someone entered a room we are in
    leave,    ///< `LEAVE <room> <name> <reason> [text]`
    joined,   ///< `JOINED <room> <members> <text>`: we are in the room (now our current one)
    parted,   ///< `PARTED <room>`: we left the room
    topic,    ///< `TOPIC <room> <setter> <time> <text>`
    rooms,    ///< `ROOMS <room>:<members> ...`: the answer to `/rooms`
    nick,     ///< `NICK <old> <new>`
    users,    ///< `USERS <room> <name> ...`: who is in a room
    info,     ///< `INFO <text>`
    ping,     ///< `PING <token>`: answer `/pong <token>`
    pong,     ///< `PONG [token]`
    bye,      ///< `BYE <text>`: the server closes this connection
    err,      ///< `ERR <code> <text>`
    history,  ///< `HISTORY <room> <status> <count>`: the end of a replay of a room's history
    resumed,  ///< `RESUMED <count> <status>`: the end of what a resume replayed
    unknown,  ///< an upper-case tag this client does not know (a newer server); `text` is the rest
};

/// One parsed server line. Views point into the line given to `parse_server_line`; fields a tag
/// does not have are empty.
struct server_line {
    server_tag tag = server_tag::unknown;
    std::string_view tag_word;  ///< the tag as sent, e.g. `MSG`
    std::string_view room;      ///< MSG, ME, JOIN, LEAVE, JOINED, PARTED, TOPIC, USERS
    std::string_view id;        ///< MSG, PRIV, ME, SENT: the server's message number
    std::string_view time;      ///< MSG, PRIV, ME, SENT, TOPIC: RFC 3339 UTC (`parse_timestamp`)
    std::string_view name;      ///< sender (MSG, PRIV, ME), member (JOIN, LEAVE), old name (NICK),
                                ///< your name (WELCOME), who set it (TOPIC)
    std::string_view new_name;  ///< NICK: the new name
    std::string_view code;      ///< ERR: the error code; LEAVE: the reason; HELLO: the version;
                                ///< HISTORY, RESUMED: the status (complete, more, gap)
    std::string_view token;     ///< WELCOME: the resume token (empty from a 2.0 server)
    std::string_view limits;    ///< HELLO: `key=value,...`
    std::string_view count;     ///< JOINED: how many members the room has, you included;
                                ///< HISTORY, RESUMED: how many messages were replayed
    std::string_view text;      ///< free text to end of line; PING/PONG: the token; USERS: the
                                ///< names separated by spaces; ROOMS: the `room:members` entries;
                                ///< unknown: all after the tag
};

/// The tag as it appears on the wire, e.g. `MSG`; the encoder and the parser share it.
std::string_view to_string(server_tag tag);

/// Parses one line (no `\n`) sent by the server. Returns nothing for a line that is not a server
/// line at all: empty, a tag that is not upper-case letters, or a known tag missing a required
/// field. Never throws, never allocates: the server is untrusted input like any peer.
std::optional<server_line> parse_server_line(std::string_view line);

/// Whether `word` has the form of a resume token: 32 lower-case hex digits.
bool is_resume_token(std::string_view word);

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

/// A `USERS` or `ROOMS` line's items without its continuation mark: a long list comes in several
/// lines, each but the last ending in the field `+` (`more`).
struct list_part {
    std::string_view items;
    bool more = false;
};
list_part split_list_part(std::string_view text);

/// Calls `f(std::string_view room, std::string_view members)` for each `room:members` entry of
/// a `ROOMS` line's `text`; an entry without `:` is skipped.
template <class F>
void for_each_room_entry(std::string_view entries, F&& f) {
    for_each_name(entries, [&](std::string_view entry) {
        const auto colon = entry.rfind(':');
        if (colon != std::string_view::npos) {
            f(entry.substr(0, colon), entry.substr(colon + 1));
        }
    });
}

/// Reads one `key=value` from HELLO's limits, or nothing when the key is absent.
std::optional<std::string_view> find_limit(std::string_view limits, std::string_view key);

/// The error code of an `ERR` line, or nothing for a code this client does not know.
std::optional<protocol_error> parse_protocol_error(std::string_view code);

/// The reason of a `LEAVE` line, or nothing for a reason this client does not know.
std::optional<leave_reason> parse_leave_reason(std::string_view reason);

/// The status of a `HISTORY` or `RESUMED` line, or nothing for a status this client does not know.
std::optional<page_status> parse_page_status(std::string_view status);

/// Reads RFC 3339 UTC as the server writes it (`2026-11-21T14:03:12.345Z`; the fraction may have
/// 0 to 9 digits). Returns nothing for anything else, including offsets other than `Z`.
std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text);

}  // namespace chat
