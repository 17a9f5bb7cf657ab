#include "server/sqlite_history_store.hpp"

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "server/history_schema.hpp"
#include "server/memory_policy.hpp"
#include "server/sqlite_history_statements.hpp"

namespace chat {

namespace {

using namespace std::chrono_literals;
using namespace history_sql;

// The longest the loop waits for the write lock. Only history_maintenance competes for it, in
// transactions of a few hundred deletes; waiting longer would stall every session.
constexpr auto busy_timeout = 200ms;

// The WAL file is cut back to this size when the log restarts after a checkpoint, so that a burst
// does not keep its disk space for good.
constexpr std::int64_t journal_size_limit = std::int64_t{64} << 20;

// A room's buffer is written as a chunk of its own once it holds this much, so that a burst in
// one room makes several chunks: a page read from the file decodes at most this much more than
// it shows, and a buffer never grows past it.
constexpr std::size_t chunk_bytes_limit = std::size_t{32} << 10;

std::string join_rooms(const std::vector<std::string>& rooms) {
    std::string joined;
    for (const auto& room : rooms) {
        if (!joined.empty()) {
            joined += ' ';
        }
        joined += room;
    }
    return joined;
}

std::vector<std::string> split_rooms(std::string_view joined) {
    std::vector<std::string> rooms;
    while (!joined.empty()) {
        const auto space = joined.find(' ');
        if (space != 0) {
            rooms.emplace_back(joined.substr(0, space));
        }
        if (space == std::string_view::npos) {
            break;
        }
        joined.remove_prefix(space + 1);
    }
    return rooms;
}

sqlite_error at_path(const std::string& path, std::string_view what, const sqlite_error& error) {
    return {error.code, path + ": " + std::string(what) + error.message};
}

}  // namespace

sqlite_result<std::unique_ptr<sqlite_history_store>> sqlite_history_store::open(
    const std::string& path) {
    auto opened = sqlite_db::open(path);
    if (!opened) {
        return sqlite_error{opened.error().code,
                            "cannot open " + path + ": " + opened.error().message};
    }
    sqlite_db& db = opened.value();
    if (auto set = db.busy_timeout(busy_timeout); !set) {
        return at_path(path, "cannot set the busy timeout: ", set.error());
    }
    // SQLite opens a write-protected file read-only without a word; the first commit would be
    // the first to tell, after chat had started.
    if (db.read_only()) {
        return sqlite_error{SQLITE_READONLY, path + ": the file is read-only"};
    }
    // Small pages for a new file: every commit writes each page it touched (the last leaf of
    // the messages and of their index) to the WAL whole, and a commit per turn of the loop
    // holds a message or a few. 4 KiB pages made the WAL grow 12 KiB per commit, and a log that
    // grows fast is checkpointed (and the writer held up) often. No effect on an existing file.
    if (auto set = db.exec("PRAGMA page_size = 1024"); !set) {
        return at_path(path, "", set.error());
    }
    if (auto migrated = migrate(db); !migrated) {
        return at_path(path, "", migrated.error());
    }
    const bool in_memory = path.empty() || path == ":memory:";
    if (!in_memory) {
        if (auto wal = db.use_wal(); !wal) {
            return at_path(path, "cannot use WAL: ", wal.error());
        }
        // No checkpoint on this connection: one would fsync on the event loop.
        // history_maintenance checkpoints on its own thread.
        if (auto set = db.exec("PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = " +
                               std::to_string(journal_size_limit));
            !set) {
            return at_path(path, "", set.error());
        }
    }
    auto prepared = std::make_unique<statements>();
    for (const auto& [member, sql] : statements::sql) {
        auto statement = db.prepare(sql);
        if (!statement) {
            return at_path(path, "cannot prepare the history statements: ", statement.error());
        }
        (*prepared).*member = std::move(statement.value());
    }
    // New ids continue above the largest stored: a file whose largest id cannot be read (a
    // damaged page) would have them start again at 1 and collide. Refused at start, like a file
    // that is no database at all.
    if (auto id = max_stored_id(db); !id) {
        return at_path(path, "damaged, cannot read the largest message id: ", id.error());
    }
    return std::unique_ptr<sqlite_history_store>(
        new sqlite_history_store(std::move(db), std::move(prepared)));
}

sqlite_history_store::sqlite_history_store(sqlite_db db, std::unique_ptr<statements> prepared)
    : db_(std::move(db)), statements_(std::move(prepared)) {}

sqlite_history_store::~sqlite_history_store() {
    // What was not committed was never shown (the server commits before it writes to a socket),
    // so it is dropped, as a crash would drop it.
    if (in_transaction_) {
        db_.rollback();
    }
}

// --- writing

bool sqlite_history_store::ensure_transaction() {
    if (stats_.failed) {
        return false;
    }
    if (in_transaction_) {
        return true;
    }
    auto& begin = statements_->begin;
    auto begun = begin.step();
    begin.reset();
    if (!begun) {
        fail("begin a transaction", begun.error());
        return false;
    }
    in_transaction_ = true;
    return true;
}

bool sqlite_history_store::run_write(sqlite_statement& s, sqlite_status bound,
                                     std::string_view what) {
    if (bound) {
        auto step = s.step();
        if (!step) {
            bound = step.error();
        }
    }
    s.reset();
    if (!bound) {
        fail(what, bound.error());
        return false;
    }
    return true;
}

void sqlite_history_store::fail(std::string_view what, const sqlite_error& error) {
    db_.rollback();
    in_transaction_ = false;
    // Memory-only from now on: the buffers are dropped for good, their memory with them.
    buffers_.clear();
    buffers_.shrink_to_fit();
    buffers_in_use_ = 0;
    const std::uint64_t lost = std::exchange(uncommitted_, 0);
    ++stats_.write_failures;
    stats_.failed = true;
    spdlog::error(
        "history store: cannot {}: {} (SQLite code {}); {} uncommitted messages lost, "
        "chat goes on without storing history",
        what, error.message, error.code, lost);
}

sqlite_history_store::room_buffer& sqlite_history_store::buffer_for(std::string_view room_key) {
    // From the last: consecutive appends mostly go to the same room.
    for (std::size_t i = buffers_in_use_; i-- > 0;) {
        if (buffers_[i].room_key == room_key) {
            return buffers_[i];
        }
    }
    if (buffers_in_use_ == buffers_.size()) {
        buffers_.emplace_back();
    }
    room_buffer& b = buffers_[buffers_in_use_++];
    b.room_key.assign(room_key);
    b.chunk.clear();
    return b;
}

bool sqlite_history_store::write_chunk(const room_buffer& b) {
    const auto& c = b.chunk;
    auto& s = statements_->insert_chunk;
    return run_write(s,
                     bind_all(s, sql_id(c.last_id()), std::string_view(b.room_key),
                              sql_id(c.first_id()), sql_id(c.count()), c.last_at_ms(), c.bytes()),
                     "write room messages");
}

bool sqlite_history_store::flush_buffers() {
    if (buffers_in_use_ == 0) {
        return !stats_.failed;
    }
    if (!ensure_transaction()) {
        return false;
    }
    for (std::size_t i = 0; i < buffers_in_use_; ++i) {
        if (!write_chunk(buffers_[i])) {
            return false;  // fail() dropped the buffers
        }
        buffers_[i].chunk.clear();
    }
    buffers_in_use_ = 0;
    // A turn that spoke in many rooms leaves only a few spares behind.
    if (buffers_.size() > memory_policy::history_buffers_kept) {
        buffers_.resize(memory_policy::history_buffers_kept);
    }
    return true;
}

void sqlite_history_store::append_room(std::string_view room_key, const stored_message& m) {
    if (stats_.failed) {
        return;
    }
    room_buffer& b = buffer_for(room_key);
    // A chunk holds one spelling of the room and increasing ids; anything else (a room made
    // again under another spelling within the turn) starts a chunk of its own.
    if (!b.chunk.empty() && (!b.chunk.accepts(m) || b.chunk.size() >= chunk_bytes_limit)) {
        if (!ensure_transaction() || !write_chunk(b)) {
            return;  // fail() dropped the buffers, b with them
        }
        b.chunk.clear();
    }
    b.chunk.add(m);
    ++uncommitted_;
}

void sqlite_history_store::append_private(std::string_view sender_session,
                                          std::string_view recipient_session,
                                          const stored_message& m) {
    if (!ensure_transaction()) {
        return;
    }
    auto& s = statements_->insert_private;
    auto bound = bind_all(s, sql_id(m.id), sender_session, recipient_session, m.at_ms,
                          std::string_view(m.sender), std::string_view(m.text));
    if (run_write(s, std::move(bound), "write a private message")) {
        ++uncommitted_;
    }
}

bool sqlite_history_store::pending() const {
    return in_transaction_ || buffers_in_use_ != 0;
}

void sqlite_history_store::commit() {
    if (!flush_buffers() || !in_transaction_) {
        return;
    }
    auto& s = statements_->commit;
    auto committed = s.step();
    s.reset();
    if (!committed) {
        fail("commit", committed.error());
        return;
    }
    in_transaction_ = false;
    stats_.messages_stored += std::exchange(uncommitted_, 0);
    ++stats_.commits;
}

void sqlite_history_store::note_ids_up_to(std::uint64_t id) {
    // The mark is set a block of ids ahead, so that it is written once per block rather than
    // once per commit (a page more in the WAL each time); after a crash ids go on above the
    // block, leaving a gap, which ids may have.
    if (id <= ids_noted_ || !ensure_transaction()) {
        return;
    }
    const std::uint64_t mark = id + ids_reserved_ahead;
    auto& s = statements_->note_ids;
    if (run_write(s, bind_all(s, sql_id(mark)), "note the highest id")) {
        ids_noted_ = mark;
    }
}

// --- topics and resume tokens
//
// These join the open transaction if there is one, else each commits on its own: either way
// they are durable by the next commit() at the latest.

void sqlite_history_store::save_topic(std::string_view room_key,
                                      const std::optional<room_topic>& t) {
    if (stats_.failed) {
        return;
    }
    if (!t) {
        auto& s = statements_->erase_topic;
        run_write(s, bind_all(s, room_key), "clear a topic");
        return;
    }
    auto& s = statements_->save_topic;
    run_write(s,
              bind_all(s, room_key, std::string_view(t->setter), std::string_view(t->time),
                       std::string_view(t->text)),
              "write a topic");
}

std::optional<room_topic> sqlite_history_store::load_topic(std::string_view room_key) {
    auto& s = statements_->load_topic;
    const reset_on_exit reset(s);
    std::optional<room_topic> topic;
    for_each_row(s, bind_all(s, room_key), "a topic", [&] {
        topic = room_topic{std::string(s.column_text(2)), std::string(s.column_text(0)),
                           std::string(s.column_text(1))};
        return false;
    });
    return topic;
}

void sqlite_history_store::save_token(const resume_record& r) {
    if (stats_.failed) {
        return;
    }
    const std::string rooms = join_rooms(r.rooms);
    auto& s = statements_->save_token;
    run_write(s,
              bind_all(s, std::span<const std::byte>(r.hash), std::string_view(r.name),
                       std::string_view(rooms), r.expires_ms, static_cast<std::int64_t>(r.first_id),
                       std::string_view(r.session)),
              "write a resume token");
}

std::optional<resume_record> sqlite_history_store::find_token(const token_hash& h) {
    auto& s = statements_->find_token;
    const reset_on_exit reset(s);
    std::optional<resume_record> record;
    for_each_row(s, bind_all(s, std::span<const std::byte>(h)), "a resume token", [&] {
        record = resume_record{h,
                               std::string(s.column_text(0)),
                               split_rooms(s.column_text(1)),
                               s.column_int64(2),
                               static_cast<std::uint64_t>(s.column_int64(3)),
                               std::string(s.column_text(4))};
        return false;
    });
    return record;
}

void sqlite_history_store::close_open_tokens(std::int64_t expires_ms) {
    if (stats_.failed) {
        return;
    }
    auto& s = statements_->close_open_tokens;
    run_write(s, bind_all(s, expires_ms), "give open resume tokens an expiry");
}

void sqlite_history_store::erase_token(const token_hash& h) {
    if (stats_.failed) {
        return;
    }
    auto& s = statements_->erase_token;
    run_write(s, bind_all(s, std::span<const std::byte>(h)), "erase a resume token");
}

std::uint64_t sqlite_history_store::max_id() {
    flush_buffers();
    auto id = max_stored_id(db_);
    if (!id) {
        // Called once at start-up; ids from 1 again would collide and turn the store memory-only
        // at the first append, which is what this would end in anyway.
        spdlog::error("history store: cannot read the largest message id: {}", id.error().message);
        return 0;
    }
    return static_cast<std::uint64_t>(std::max<std::int64_t>(id.value(), 0));
}

history_store_stats sqlite_history_store::stats() const {
    return stats_;
}

}  // namespace chat
