#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace chat {

// What chat/2.1 (history and resume, issue 11) adds to the server's lines, read by the client
// itself until `common/server_line` reads it. Everything here works from the raw line, so it
// keeps working when `parse_server_line` learns the new tags and fields: after that, this file
// shrinks to nothing and its callers read `server_line` instead.

/// How a replay of history ends (`HISTORY` and `RESUMED` lines).
enum class replay_status {
    complete,  ///< nothing further in that direction
    more,      ///< more is kept: ask again from the page's end
    gap,       ///< part of what was asked for is no longer kept
};

/// `HISTORY <room> <status> <count>`: the end of a join's replay or of a `/history` answer.
struct history_end {
    std::string_view room;
    replay_status status = replay_status::complete;
    std::uint64_t count = 0;  ///< how many MSG/ME lines were replayed just before it
};

/// `RESUMED <count> <status>`: the end of what a resume replayed (status complete or gap).
struct resumed_end {
    std::uint64_t count = 0;
    replay_status status = replay_status::complete;
};

/// The chat/2.1 parts of one server line; views point into the line.
struct line_extras {
    std::string_view token;              ///< WELCOME: the resume token; empty when none was sent
    std::optional<history_end> history;  ///< a well-formed HISTORY line
    std::optional<resumed_end> resumed;  ///< a well-formed RESUMED line
};

/// Reads the chat/2.1 parts of `line` (no `\n`). Never throws: a malformed HISTORY or RESUMED
/// line has neither, and is then shown like any line of a tag this client does not know.
line_extras read_line_extras(std::string_view line);

/// Whether `word` has the form of a resume token: exactly 32 lower-case hex digits. A WELCOME
/// whose second field is anything else comes from a server that cannot resume (chat/2.0 sends
/// its text there).
bool looks_like_resume_token(std::string_view word);

/// A WELCOME line's free text without the token in front of it, for people: `parse_server_line`
/// today counts the token as the text's first word.
std::string_view welcome_text(std::string_view text);

/// A message id (MSG, ME, PRIV, SENT), or nothing when it is no decimal number that fits.
std::optional<std::uint64_t> parse_message_id(std::string_view id);

/// The `ERR` code of a refused `/resume`.
inline constexpr std::string_view resume_failed_code = "resume-failed";

}  // namespace chat
