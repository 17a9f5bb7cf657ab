#pragma once

// The SQLite history store's prepared statements and the helpers that run them, shared by its two
// source files: sqlite_history_store.cpp (opening, writing, topics, tokens) and
// sqlite_history_pages.cpp (reading pages). Nothing else includes this.

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <utility>

#include "server/sqlite_history_store.hpp"

namespace chat {

struct sqlite_history_store::statements {
    /// One per text in `sql`, named after what it does.
    sqlite_statement begin;
    sqlite_statement commit;
    sqlite_statement note_ids;
    sqlite_statement close_open_tokens;
    sqlite_statement insert_chunk;
    sqlite_statement insert_private;
    sqlite_statement chunks_before;
    sqlite_statement chunks_after;
    sqlite_statement private_after;
    sqlite_statement room_pruned;
    sqlite_statement meta_value;
    sqlite_statement save_topic;
    sqlite_statement erase_topic;
    sqlite_statement load_topic;
    sqlite_statement save_token;
    sqlite_statement find_token;
    sqlite_statement erase_token;

    /// Each statement and its text, side by side.
    static constexpr std::array sql{
        std::pair{&statements::begin, "BEGIN IMMEDIATE"},
        std::pair{&statements::commit, "COMMIT"},
        std::pair{&statements::note_ids,
                  "INSERT INTO meta(key, value) VALUES ('high_water', ?1) ON CONFLICT(key) "
                  "DO UPDATE SET value = max(value, excluded.value)"},
        std::pair{&statements::close_open_tokens,
                  "UPDATE resume_tokens SET expires_ms = ?1 "
                  "WHERE expires_ms = 9223372036854775807"},
        std::pair{&statements::insert_chunk,
                  "INSERT INTO room_chunks(last_id, room_key, first_id, count, last_at_ms, data) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
        std::pair{
            &statements::insert_private,
            "INSERT INTO private_messages(id, sender_session, recipient_session, at_ms, sender, "
            "text) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
        // A room's chunks never overlap (ids grow with time), so the chunks holding ids below
        // ?2 are those that end below it and at most one more: the first that ends at or above.
        std::pair{&statements::chunks_before,
                  "SELECT data, first_id, last_id, count FROM room_chunks "
                  "WHERE room_key = ?1 AND first_id < ?2 AND last_id <= coalesce("
                  "(SELECT min(last_id) FROM room_chunks WHERE room_key = ?1 AND last_id >= ?2), "
                  "9223372036854775807) ORDER BY last_id DESC"},
        std::pair{&statements::chunks_after,
                  "SELECT data, first_id, last_id, count FROM room_chunks "
                  "WHERE room_key = ?1 AND last_id > ?2 ORDER BY last_id"},
        std::pair{&statements::private_after,
                  "SELECT id, at_ms, sender, text FROM private_messages "
                  "WHERE recipient_session = ?1 AND id > ?2 ORDER BY id LIMIT ?3"},
        std::pair{&statements::room_pruned, "SELECT up_to_id FROM room_pruned WHERE room_key = ?1"},
        std::pair{&statements::meta_value, "SELECT value FROM meta WHERE key = ?1"},
        std::pair{&statements::save_topic,
                  "INSERT OR REPLACE INTO topics(room_key, setter, time, text) "
                  "VALUES (?1, ?2, ?3, ?4)"},
        std::pair{&statements::erase_topic, "DELETE FROM topics WHERE room_key = ?1"},
        std::pair{&statements::load_topic,
                  "SELECT setter, time, text FROM topics WHERE room_key = ?1"},
        std::pair{&statements::save_token,
                  "INSERT OR REPLACE INTO resume_tokens(token_hash, name, rooms, expires_ms, "
                  "first_id, session) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"},
        std::pair{&statements::find_token,
                  "SELECT name, rooms, expires_ms, first_id, session FROM resume_tokens "
                  "WHERE token_hash = ?1"},
        std::pair{&statements::erase_token, "DELETE FROM resume_tokens WHERE token_hash = ?1"},
    };
};

namespace history_sql {

/// Ids are unsigned on the wire and signed in SQLite. Real ids stay far below 2^63; an id past it
/// (UINT64_MAX for "the newest") reads as the largest one.
inline std::int64_t sql_id(std::uint64_t id) {
    return static_cast<std::int64_t>(
        std::min<std::uint64_t>(id, std::numeric_limits<std::int64_t>::max()));
}

/// LIMIT `limit` + 1 rows: one more than asked tells whether there is more.
inline std::int64_t one_more_than(std::size_t limit) {
    return sql_id(limit) == std::numeric_limits<std::int64_t>::max() ? -1  // -1: no LIMIT
                                                                     : sql_id(limit) + 1;
}

inline sqlite_status bind_one(sqlite_statement& s, int index, std::int64_t value) {
    return s.bind(index, value);
}

/// Borrowed: every caller resets the statement before the bound strings go away.
inline sqlite_status bind_one(sqlite_statement& s, int index, std::string_view text) {
    return s.bind(index, text, bind_lifetime::borrowed);
}

inline sqlite_status bind_one(sqlite_statement& s, int index, std::span<const std::byte> blob) {
    return s.bind(index, blob, bind_lifetime::borrowed);
}

/// Binds `values` to parameters 1, 2, ... in order; stops at the first error.
template <typename... Values>
sqlite_status bind_all(sqlite_statement& s, const Values&... values) {
    sqlite_status result = std::monostate{};
    int index = 0;
    ((result.ok() ? void(result = bind_one(s, ++index, values)) : void()), ...);
    return result;
}

/// Resets a read statement on every way out of a function: a statement left mid-way would hold
/// its read snapshot, and the borrowed parameters, past the call.
class reset_on_exit {
  public:
    explicit reset_on_exit(sqlite_statement& s) : s_(s) {}
    reset_on_exit(const reset_on_exit&) = delete;
    reset_on_exit& operator=(const reset_on_exit&) = delete;
    ~reset_on_exit() { s_.reset(); }

  private:
    sqlite_statement& s_;
};

/// Steps the bound statement `s` to its end or until `row` answers false; false when a step
/// failed (logged as a failed read of `what`).
template <typename Row>
bool for_each_row(sqlite_statement& s, const sqlite_status& bound, std::string_view what,
                  Row&& row) {
    if (!bound) {
        spdlog::warn("history store: cannot read {}: {}", what, bound.error().message);
        return false;
    }
    for (;;) {
        auto step = s.step();
        if (!step) {
            spdlog::warn("history store: cannot read {}: {}", what, step.error().message);
            return false;
        }
        if (step.value() == sqlite_step::done || !row()) {
            return true;
        }
    }
}

/// A pruning mark (room_pruned or meta) by its key: 0 when there is none, nullopt when it cannot
/// be read.
inline std::optional<std::uint64_t> read_mark(sqlite_statement& s, std::string_view key) {
    const reset_on_exit reset(s);
    std::uint64_t mark = 0;
    const bool read = for_each_row(s, bind_all(s, key), "a pruning mark", [&] {
        mark = static_cast<std::uint64_t>(std::max<std::int64_t>(s.column_int64(0), 0));
        return false;
    });
    if (!read) {
        return std::nullopt;
    }
    return mark;
}

}  // namespace history_sql
}  // namespace chat
