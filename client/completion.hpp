#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

/// The names the client believes are in a room, kept up to date from `USERS` (the answer to
/// /who), `JOIN`, `LEAVE` and `NICK`. Names compare case-insensitively, as on the server; the
/// spelling last seen is kept. Pure data, no I/O.
class name_roster {
  public:
    void add(std::string_view name);
    void remove(std::string_view name);
    void rename(std::string_view old_name, std::string_view new_name);
    /// Replaces everything with the names of a `USERS` line's text (space-separated).
    void replace_all(std::string_view names);
    void clear() { by_key_.clear(); }

    bool contains(std::string_view name) const;
    std::size_t size() const { return by_key_.size(); }
    /// All names, sorted case-insensitively.
    std::vector<std::string> names() const;

  private:
    std::map<std::string, std::string> by_key_;  // name_key -> name as spelled
};

/// What Tab does to a line: replace bytes [start, end) with `insert`.
struct completion {
    std::size_t start = 0;                ///< first byte of the partial word
    std::size_t end = 0;                  ///< one past its last byte (the cursor, or the end of
                                          ///< the word the cursor is in)
    std::string insert;                   ///< the whole word (and what follows it: a space, or
                                          ///< `: ` after a name opening the line) if only one
                                          ///< matches, else the longest prefix all share
    std::vector<std::string> candidates;  ///< every match, sorted; may be empty
};

/// What Tab completes from; the caller fills it from the session's state when Tab is pressed.
struct completion_sources {
    name_roster names;                     ///< users (ours is skipped, see `self`)
    std::vector<std::string> rooms;        ///< rooms we are in
    std::vector<std::string> known_rooms;  ///< rooms `/join` may offer: listed by `/rooms`, ours
    std::vector<std::string> commands;     ///< command words without `/`
    std::string self;                      ///< our name, never offered
};

/// Completes the word at `cursor` (a byte offset into `line`), by where it is:
/// - the first word, starting with `/`: a command, e.g. `/jo` -> `/join `;
/// - the first argument of `/join`: any known room; of `/part`, `/who`, `/topic`, `/switch`,
///   `/history`: one of our rooms. The `#` may be left out while typing (`/join ru` -> `/join #rust
///   `);
/// - a word starting with `#`: one of our rooms when it opens the line (`#room text`), any known
///   room later in the line;
/// - a word starting with `@`, the first argument of `/msg`, or any other word that is not
///   empty: a user name. A name that opens the line gets `:` after it, as in `alice: hi`.
/// Returns nothing where nothing is completed (an empty word in text, the argument of `/nick`),
/// so Tab may do something else there; a `completion` with no candidates when nothing matches.
std::optional<completion> complete_line(const completion_sources& from, std::string_view line,
                                        std::size_t cursor);

}  // namespace chat
