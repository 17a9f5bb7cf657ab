#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

/// The names the client believes are in the room, kept up to date from `USERS` (the answer to
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
    std::size_t start = 0;                ///< first byte of the partial name
    std::size_t end = 0;                  ///< one past its last byte: the cursor
    std::string insert;                   ///< the whole name and a space if only one matches,
                                          ///< else the longest prefix all candidates share
    std::vector<std::string> candidates;  ///< every matching name, sorted; may be empty
};

/// Completes the user name being typed at `cursor` (a byte offset into `line`): a word starting
/// with `@` (a private message or a mention), or the first word after `/msg `. `self` is never
/// offered. Returns nothing when the cursor is not in such a place, so Tab may do something
/// else there; a `completion` with no candidates when nothing matches.
std::optional<completion> complete_name(const name_roster& roster, std::string_view line,
                                        std::size_t cursor, std::string_view self = {});

}  // namespace chat
