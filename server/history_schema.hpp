#pragma once

#include <cstdint>

#include "server/sqlite.hpp"

namespace chat {

/// The schema version this code writes and reads, kept in the database as PRAGMA user_version.
/// Raise it with each change and add the step that gets there to history_schema.cpp.
inline constexpr int history_schema_version = 1;

/// The schema version stored in `db` (0 for a new, empty database). Fails with SQLITE_NOTADB
/// when the file is not a SQLite database.
sqlite_result<int> schema_version(sqlite_db& db);

/// Brings `db` up to history_schema_version, all steps in one transaction so that a failure
/// leaves the database as it was; a no-op when it is already there. Refuses, with a message fit
/// for a start-up error, a file that is not a SQLite database and a database written by a newer
/// version of the server (whose schema this code cannot know).
sqlite_status migrate(sqlite_db& db);

/// The largest message id ever stored, rooms and private messages together (ids are
/// server-wide), pruned ones included (meta `pruned_up_to`), or 0 when nothing was ever stored:
/// after a restart new ids must start above it.
sqlite_result<std::int64_t> max_stored_id(sqlite_db& db);

}  // namespace chat
