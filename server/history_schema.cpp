#include "server/history_schema.hpp"

#include <array>
#include <string>

namespace chat {

namespace {

// Step n takes a database from version n to n + 1; steps are never edited once released, only
// added, so that every older file takes the same path up.
//
// Version 1. Messages keep both the case-folded key (what lookups use) and the name as it was
// shown, with the time as milliseconds (the wire text is a pure function of them), so that
// scrollback replays the exact line. Ids are the server-wide message ids, not rowids of SQLite's
// choosing. Every column is NOT NULL: SQLite would otherwise accept NULL even in a non-integer
// PRIMARY KEY. The small keyed tables are WITHOUT ROWID: their key is the b-tree, with no second
// index beside it.
//
// Room messages are packed: a row of room_chunks holds the messages one room got in one
// transaction (a turn of the loop), encoded as in history_chunk.hpp, so that storing a turn costs
// an insert per room rather than per message. The chunk's last id is its rowid: ids are
// server-wide, so it is unique, and it grows with time, so that new chunks land at the right edge
// of the table (SQLite's append path, pages filled whole), the largest id is the last rowid, and
// pruning (oldest first) walks, marks and deletes rowid ranges. A rowid table also keeps up to
// 989 bytes of a row on its 1 KiB leaf, where a WITHOUT ROWID table (an index b-tree) spills all
// but 230 to overflow pages. A room's chunks never overlap in ids; its pages seek
// room_chunks_by_room.
//
// Pruning (history_maintenance) deletes the oldest ids first and records how far it went:
// room_pruned per room, meta `pruned_up_to` over everything (so that ids are never reused once all
// is pruned) and `private_pruned_up_to` for private messages. Those marks tell a page that ends
// at a pruned message (`gap`) from one that reached the beginning (`complete`).
//
// Version 1 was revised in place before any server wrote it (it had no reader or writer yet).
constexpr std::array migration_steps{
    R"sql(
CREATE TABLE room_chunks(
    last_id    INTEGER PRIMARY KEY, -- the id of the chunk's newest message
    room_key   TEXT NOT NULL,
    first_id   INTEGER NOT NULL,    -- the id of its oldest message
    count      INTEGER NOT NULL,    -- how many messages it holds
    last_at_ms INTEGER NOT NULL,    -- when its newest message was sent: pruning by age
    data       BLOB NOT NULL        -- the messages (room as spelled, kind, time, sender, text)
);
CREATE INDEX room_chunks_by_room ON room_chunks(room_key, last_id);
CREATE TABLE private_messages(
    id            INTEGER PRIMARY KEY,
    sender_session    TEXT NOT NULL, -- sessions, not names: a name can pass to someone else
    recipient_session TEXT NOT NULL,
    at_ms         INTEGER NOT NULL,
    sender        TEXT NOT NULL,
    text          TEXT NOT NULL
);
CREATE INDEX private_messages_by_recipient ON private_messages(recipient_session, id);
CREATE TABLE topics(
    room_key TEXT NOT NULL PRIMARY KEY,
    setter   TEXT NOT NULL,
    time     TEXT NOT NULL,
    text     TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE resume_tokens(
    token_hash BLOB NOT NULL PRIMARY KEY,
    name       TEXT NOT NULL,
    rooms      TEXT NOT NULL, -- room names as spelled, joined by single spaces
    first_id   INTEGER NOT NULL, -- the last id handed out when the session began
    session    TEXT NOT NULL,    -- the session's key: its private messages are stored by it
    expires_ms INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX resume_tokens_by_expiry ON resume_tokens(expires_ms);
CREATE TABLE room_pruned(
    room_key TEXT NOT NULL PRIMARY KEY,
    up_to_id INTEGER NOT NULL -- the highest id pruned from the room
) WITHOUT ROWID;
CREATE TABLE meta(
    key   TEXT NOT NULL PRIMARY KEY,
    value INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO meta(key, value) VALUES ('pruned_up_to', 0), ('private_pruned_up_to', 0);
)sql",
};
static_assert(migration_steps.size() == history_schema_version);

sqlite_error with_context(const std::string& what, const sqlite_error& error) {
    return {error.code, what + ": " + error.message};
}

}  // namespace

sqlite_result<int> schema_version(sqlite_db& db) {
    auto statement = db.prepare("PRAGMA user_version");
    if (!statement) {
        return statement.error();
    }
    auto step = statement.value().step();
    if (!step) {
        return step.error();
    }
    return static_cast<int>(statement.value().column_int64(0));
}

sqlite_status migrate(sqlite_db& db) {
    // Read once outside a transaction, so that the common case (already current) takes no write
    // lock, and a file that is not a database is named as such rather than as a failed BEGIN.
    auto version = schema_version(db);
    if (!version) {
        if (version.error().primary_code() == SQLITE_NOTADB) {
            return with_context("not a SQLite database", version.error());
        }
        return with_context("cannot read the schema version", version.error());
    }
    if (version.value() == history_schema_version) {
        return std::monostate{};
    }
    if (version.value() > history_schema_version || version.value() < 0) {
        return sqlite_error{SQLITE_ERROR, "the database has schema version " +
                                              std::to_string(version.value()) +
                                              ", this server knows versions up to " +
                                              std::to_string(history_schema_version)};
    }

    if (auto begun = db.begin(); !begun) {
        return with_context("cannot start the schema migration", begun.error());
    }
    // Another process may have migrated between the read above and BEGIN IMMEDIATE.
    version = schema_version(db);
    if (!version) {
        db.rollback();
        return with_context("cannot read the schema version", version.error());
    }
    for (int from = version.value(); from < history_schema_version; ++from) {
        if (auto done = db.exec(migration_steps[static_cast<std::size_t>(from)]); !done) {
            db.rollback();
            return with_context("migrating the schema from version " + std::to_string(from) +
                                    " to " + std::to_string(from + 1),
                                done.error());
        }
    }
    // PRAGMA takes no parameters; the value is our own constant.
    if (auto set = db.exec("PRAGMA user_version = " + std::to_string(history_schema_version));
        !set) {
        db.rollback();
        return with_context("cannot record the schema version", set.error());
    }
    if (auto committed = db.commit(); !committed) {
        db.rollback();
        return with_context("cannot commit the schema migration", committed.error());
    }
    return std::monostate{};
}

sqlite_result<std::int64_t> max_stored_id(sqlite_db& db) {
    // Pruned ids count too: once everything is pruned, new ids must still start above the last.
    auto statement = db.prepare(
        "SELECT max(coalesce((SELECT max(last_id) FROM room_chunks), 0),"
        "           coalesce((SELECT max(id) FROM private_messages), 0),"
        "           coalesce((SELECT max(value) FROM meta WHERE key = 'pruned_up_to'), 0),"
        "           coalesce((SELECT max(value) FROM meta WHERE key = 'high_water'), 0))");
    if (!statement) {
        return statement.error();
    }
    auto step = statement.value().step();
    if (!step) {
        return step.error();
    }
    return statement.value().column_int64(0);
}

}  // namespace chat
