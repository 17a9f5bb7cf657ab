#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/history_chunk.hpp"
#include "server/history_store.hpp"
#include "server/sqlite.hpp"

namespace chat {

/// The history in one SQLite file (schema in history_schema.cpp), written by the event loop.
///
/// Room messages are packed (history_chunk.hpp): an append encodes the message into its room's
/// buffer, and the commit writes each buffer as one row, so that a turn of the loop costs one
/// insert per room that spoke rather than one per message. Reads write the buffers into the open
/// transaction first, so that they see every append, as SQLite shows a transaction's own rows.
/// Private messages are rare and stay one row each.
///
/// WAL with synchronous=NORMAL: a commit appends to the log and does not fsync, so a commit per
/// turn of the loop costs a write() and no disk wait; a crash of the process loses nothing
/// committed, a power loss at most the last commits, and the file is never corrupt. Automatic
/// checkpoints are off on this connection (they would fsync on the loop): history_maintenance
/// runs them, and retention pruning, on a thread of its own with its own connection.
class sqlite_history_store final : public history_store {
  public:
    /// Opens (creating if missing) and migrates `path`, or ":memory:" for tests. Fails with a
    /// message fit for a start-up error: not a database, a newer schema, unwritable, locked.
    static sqlite_result<std::unique_ptr<sqlite_history_store>> open(const std::string& path);

    ~sqlite_history_store() override;

    void append_room(std::string_view room_key, const stored_message& m) override;
    void append_private(std::string_view sender_session, std::string_view recipient_session,
                        const stored_message& m) override;
    bool pending() const override;
    void commit() override;
    void note_ids_up_to(std::uint64_t id) override;

    history_page room_before(std::string_view room_key, std::uint64_t before_id,
                             std::size_t limit) override;
    history_page room_after(std::string_view room_key, std::uint64_t after_id,
                            std::size_t limit) override;
    history_page missed(std::span<const std::string> room_keys, std::string_view self_key,
                        std::string_view self_session, std::uint64_t after_id,
                        std::size_t limit) override;

    void save_topic(std::string_view room_key, const std::optional<room_topic>& t) override;
    std::optional<room_topic> load_topic(std::string_view room_key) override;

    void save_token(const resume_record& r) override;
    std::optional<resume_record> find_token(const token_hash& h) override;
    void close_open_tokens(std::int64_t expires_ms) override;
    void erase_token(const token_hash& h) override;

    std::uint64_t max_id() override;
    history_store_stats stats() const override;

  private:
    /// Every statement the store runs, prepared once at open.
    struct statements;
    sqlite_history_store(sqlite_db db, std::unique_ptr<statements> prepared);

    /// A room's messages appended since its buffer was last written.
    struct room_buffer {
        std::string room_key;
        chunk_encoder chunk;
    };

    /// Opens the transaction appends go into unless one is open; false once writing has failed.
    bool ensure_transaction();
    /// The buffer of the room `room_key`, taken from the spares if it has none yet.
    room_buffer& buffer_for(std::string_view room_key);
    /// Writes `b`'s chunk as one row into the open transaction; false when that failed.
    bool write_chunk(const room_buffer& b);
    /// Writes every buffer into the transaction (opening it if need be) and empties them; false
    /// once writing has failed.
    bool flush_buffers();
    /// Runs the write `s`, whose parameters were bound with result `bound`, and resets it. On
    /// failure gives up writing (fail, with `what`) and answers false.
    bool run_write(sqlite_statement& s, sqlite_status bound, std::string_view what);
    /// Rolls back, logs once that it could not `what` ("commit", "write a topic"), counts it and
    /// turns memory-only.
    void fail(std::string_view what, const sqlite_error& error);

    sqlite_db db_;
    std::unique_ptr<statements> statements_;  ///< destroyed before db_, as they must be
    history_store_stats stats_;
    /// Rooms appended to since the last flush first (`buffers_in_use_` of them), then emptied
    /// buffers kept with their capacity for the next turn. Searched in a line: a turn holds the
    /// messages of a few rooms.
    std::vector<room_buffer> buffers_;
    std::size_t buffers_in_use_ = 0;
    std::uint64_t uncommitted_ = 0;  ///< appends buffered or in the open transaction
    std::uint64_t ids_noted_ = 0;    ///< the high_water mark written to meta
    /// How far ahead of the ids handed out the high_water mark is set.
    static constexpr std::uint64_t ids_reserved_ahead = 1'000;
    bool in_transaction_ = false;
};

/// What history_maintenance does, and how often.
struct history_retention {
    /// Messages older than this are pruned; zero: kept whatever their age. A room's messages go
    /// a chunk at a time, when the newest of the chunk is that old.
    std::chrono::milliseconds max_age{std::chrono::hours(24 * 30)};
    /// Beyond this many messages (rooms and private together) the oldest are pruned, whole
    /// chunks at a time, so that at most this many are left; 0: no limit.
    std::uint64_t max_rows = 0;
    /// How often to checkpoint and prune.
    std::chrono::milliseconds interval{1000};
    /// Rows (a room's chunk of messages, or a private message) deleted per transaction, so that
    /// the loop's own commit never waits long for the lock.
    std::size_t rows_per_chunk = 500;
};

/// Checkpoints the WAL and prunes old messages and expired resume tokens on a thread of its own,
/// with its own connection to the file, so that the fsync of a checkpoint and the deletes of
/// pruning never stall the event loop (which only ever commits to the WAL). Pruning records, per
/// room and for private messages, the highest id it removed, which is how the store's pages
/// tell `gap` from `complete`. Stops and joins its thread on destruction. Its failures are logged
/// from its own thread, so the default logger must have thread-safe (`_mt`) sinks.
class history_maintenance {
  public:
    /// Starts the thread; `path` is the database the store opened.
    history_maintenance(std::string path, history_retention retention);
    ~history_maintenance();
    history_maintenance(const history_maintenance&) = delete;
    history_maintenance& operator=(const history_maintenance&) = delete;

    /// Runs one round now, on the caller's thread (tests): checkpoint, prune, expire tokens.
    /// `now_ms`: the current time in milliseconds since the Unix epoch.
    static sqlite_status run_once(sqlite_db& db, const history_retention& retention,
                                  std::int64_t now_ms);

  private:
    struct worker;
    std::unique_ptr<worker> worker_;
};

}  // namespace chat
