#include <sys/resource.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "server/sqlite_history_store.hpp"

namespace chat {

namespace {

using namespace std::chrono_literals;

// This thread may wait for the loop's transaction (one turn of the loop) as long as it likes.
constexpr auto maintenance_busy_timeout = 2000ms;
// Ten steps below the loop: a tenth of its share of a contended core.
constexpr int maintenance_niceness = 10;

// A log this long (64 MiB with 4 KiB pages) after a passive checkpoint is truncated. A writer
// restarts the log only when it finds it wholly checkpointed, which under steady load it may never
// do. TRUNCATE holds the write lock while it copies what came since the passive pass (little),
// syncs the file and truncates the log, so the loop's commits wait that long, once in a while.
constexpr std::int64_t truncate_after_frames = 16384;

// One pruning round's statements. run_once is static and runs once a second, so preparing them
// each time costs nothing worth keeping a cache for.
struct prune_statements {
    sqlite_statement count;
    sqlite_statement oldest;
    sqlite_statement mark_rooms;
    sqlite_statement mark_private;
    sqlite_statement mark_all;
    sqlite_statement delete_rooms;
    sqlite_statement delete_private;
};

// Ids grow with time, so the messages to prune are always the oldest rows in id order: a room's
// chunk by its last id, a private message by its id. A batch is every row with a key up to some
// X, and the marks say how far that went. A chunk goes whole, so a room's mark is the last id of
// its newest chunk pruned, and every message of the room up to it is gone (a room's chunks do not
// overlap).
constexpr std::array prune_sql{
    // Rows, not pages: sum(count) reads each chunk's row header on the leaves (the blobs'
    // overflow pages are not read), a row per room per turn.
    std::pair{&prune_statements::count,
              "SELECT coalesce((SELECT sum(count) FROM room_chunks), 0) + "
              "(SELECT count(*) FROM private_messages)"},
    // Both tables merged in key order (SQLite merges the two rowid scans).
    std::pair{&prune_statements::oldest,
              "SELECT last_id, last_at_ms, count FROM room_chunks UNION ALL "
              "SELECT id, at_ms, 1 FROM private_messages ORDER BY 1 LIMIT ?1"},
    // NOT INDEXED: else SQLite walks all of room_chunks_by_room for its room_key order, where
    // the rowid range is a batch's few hundred rows.
    std::pair{&prune_statements::mark_rooms,
              "INSERT INTO room_pruned(room_key, up_to_id) "
              "SELECT room_key, max(last_id) FROM room_chunks NOT INDEXED WHERE last_id <= ?1 "
              "GROUP BY room_key "
              "ON CONFLICT(room_key) DO UPDATE SET up_to_id = max(up_to_id, excluded.up_to_id)"},
    std::pair{&prune_statements::mark_private,
              "INSERT INTO meta(key, value) "
              "SELECT 'private_pruned_up_to', id FROM private_messages WHERE id <= ?1 "
              "ORDER BY id DESC LIMIT 1 "
              "ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)"},
    std::pair{&prune_statements::mark_all,
              "INSERT INTO meta(key, value) VALUES ('pruned_up_to', ?1) "
              "ON CONFLICT(key) DO UPDATE SET value = max(value, excluded.value)"},
    std::pair{&prune_statements::delete_rooms, "DELETE FROM room_chunks WHERE last_id <= ?1"},
    std::pair{&prune_statements::delete_private, "DELETE FROM private_messages WHERE id <= ?1"},
};

sqlite_error with_context(std::string_view what, const sqlite_error& error) {
    return {error.code, std::string(what) + ": " + error.message};
}

// Runs `s` to its end with `id` bound to ?1 and resets it.
sqlite_status run_with_id(sqlite_statement& s, std::int64_t id) {
    sqlite_status result = s.bind(1, id);
    if (result) {
        auto step = s.step();
        while (step && step.value() == sqlite_step::row) {
            step = s.step();
        }
        if (!step) {
            result = step.error();
        }
    }
    s.reset();
    return result;
}

sqlite_result<std::int64_t> read_int(sqlite_statement& s) {
    auto step = s.step();
    const std::int64_t value = step && step.value() == sqlite_step::row ? s.column_int64(0) : 0;
    s.reset();
    if (!step) {
        return step.error();
    }
    return value;
}

// How many frames the log held when a checkpoint in `mode` ran, or an error.
sqlite_result<std::int64_t> checkpoint(sqlite_db& db, std::string_view mode) {
    auto s = db.prepare("PRAGMA wal_checkpoint(" + std::string(mode) + ")");
    if (!s) {
        return s.error();
    }
    auto step = s.value().step();
    if (!step) {
        return step.error();
    }
    // busy, log frames, frames checkpointed; -1 for the last two when not in WAL mode.
    return step.value() == sqlite_step::row ? s.value().column_int64(1) : 0;
}

sqlite_status checkpoint(sqlite_db& db) {
    auto frames = checkpoint(db, "PASSIVE");
    if (!frames) {
        return with_context("checkpoint", frames.error());
    }
    if (frames.value() >= truncate_after_frames) {
        if (auto truncated = checkpoint(db, "TRUNCATE"); !truncated) {
            return with_context("truncating checkpoint", truncated.error());
        }
    }
    return std::monostate{};
}

// The oldest rows, in key order, to prune in one transaction.
struct prune_batch {
    std::int64_t end = 0;        ///< the highest key among them; 0: nothing to prune
    std::size_t rows = 0;        ///< chunks and private messages
    std::uint64_t messages = 0;  ///< the messages those rows hold
};

// The oldest rows (merged order) to prune now, at most `batch_rows` of them: those holding the
// first `excess` messages whatever their age (a chunk that reaches past `excess` goes whole), then
// those whose newest message is older than `cutoff_ms` (when set).
sqlite_result<prune_batch> next_batch(prune_statements& p, std::size_t batch_rows,
                                      std::uint64_t excess, std::optional<std::int64_t> cutoff_ms) {
    auto& s = p.oldest;
    if (auto bound = s.bind(1, static_cast<std::int64_t>(batch_rows)); !bound) {
        return bound.error();
    }
    prune_batch batch;
    for (;;) {
        auto step = s.step();
        if (!step) {
            s.reset();
            return step.error();
        }
        if (step.value() == sqlite_step::done) {
            break;
        }
        const bool too_many = batch.messages < excess;
        const bool too_old = cutoff_ms && s.column_int64(1) < *cutoff_ms;
        if (!too_many && !too_old) {
            break;
        }
        batch.end = s.column_int64(0);
        ++batch.rows;
        batch.messages += static_cast<std::uint64_t>(std::max<std::int64_t>(s.column_int64(2), 0));
    }
    s.reset();
    return batch;
}

// Deletes every row with a key up to `end` and records the marks, in one transaction.
sqlite_status prune_batch_up_to(sqlite_db& db, prune_statements& p, std::int64_t end) {
    if (auto begun = db.begin(); !begun) {
        return begun.error();
    }
    for (auto* s :
         {&p.mark_rooms, &p.mark_private, &p.mark_all, &p.delete_rooms, &p.delete_private}) {
        if (auto done = run_with_id(*s, end); !done) {
            db.rollback();
            return done.error();
        }
    }
    if (auto committed = db.commit(); !committed) {
        db.rollback();
        return committed.error();
    }
    return std::monostate{};
}

// Waits `how_long` between two batches; false when the thread is to stop instead.
using rest_fn = std::function<bool(std::chrono::steady_clock::duration how_long)>;

sqlite_status prune(sqlite_db& db, const history_retention& retention, std::int64_t now_ms,
                    const rest_fn& rest) {
    std::optional<std::int64_t> cutoff_ms;
    if (retention.max_age.count() > 0) {
        cutoff_ms = now_ms - retention.max_age.count();
    }
    if (!cutoff_ms && retention.max_rows == 0) {
        return std::monostate{};
    }
    prune_statements p;
    for (const auto& [member, sql] : prune_sql) {
        auto statement = db.prepare(sql);
        if (!statement) {
            return with_context("preparing the pruning", statement.error());
        }
        p.*member = std::move(statement.value());
    }

    std::uint64_t excess = 0;
    if (retention.max_rows != 0) {
        auto rows = read_int(p.count);
        if (!rows) {
            return with_context("counting messages", rows.error());
        }
        const auto count = static_cast<std::uint64_t>(std::max<std::int64_t>(rows.value(), 0));
        excess = count > retention.max_rows ? count - retention.max_rows : 0;
    }
    const std::size_t batch_rows = std::max<std::size_t>(retention.rows_per_chunk, 1);
    for (;;) {
        const auto start = std::chrono::steady_clock::now();
        auto batch = next_batch(p, batch_rows, excess, cutoff_ms);
        if (!batch) {
            return with_context("finding messages to prune", batch.error());
        }
        if (batch.value().rows == 0) {
            break;
        }
        // Only this thread deletes, and the loop only adds rows above every key walked, so the
        // rows up to `end` are the ones walked.
        if (auto pruned = prune_batch_up_to(db, p, batch.value().end); !pruned) {
            return with_context("pruning messages", pruned.error());
        }
        excess -= std::min(excess, batch.value().messages);
        if (batch.value().rows < batch_rows) {
            break;  // the walk stopped before the batch was full: nothing more is due
        }
        // SQLite's locks are not fair: the loop's BEGIN IMMEDIATE polls for the lock with
        // growing sleeps, and a thread that took it again at once after each commit could keep
        // it past the loop's busy timeout. Resting as long as the batch took leaves the lock free
        // half of the time, whatever the backlog.
        if (!rest(std::max<std::chrono::steady_clock::duration>(
                std::chrono::steady_clock::now() - start, 1ms))) {
            break;
        }
    }
    return std::monostate{};
}

sqlite_status expire_tokens(sqlite_db& db, std::int64_t now_ms) {
    auto s = db.prepare("DELETE FROM resume_tokens WHERE expires_ms <= ?1");
    if (!s) {
        return with_context("expiring resume tokens", s.error());
    }
    if (auto done = run_with_id(s.value(), now_ms); !done) {
        return with_context("expiring resume tokens", done.error());
    }
    return std::monostate{};
}

// One round: each step runs even when an earlier one failed (a checkpoint refused must not
// stop pruning); the first error is the answer.
sqlite_status run_round(sqlite_db& db, const history_retention& retention, std::int64_t now_ms,
                        const rest_fn& rest) {
    // A braced list runs left to right.
    const std::array results{checkpoint(db), prune(db, retention, now_ms, rest),
                             expire_tokens(db, now_ms)};
    for (const auto& status : results) {
        if (!status) {
            return status;
        }
    }
    return std::monostate{};
}

std::int64_t system_now_ms() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

sqlite_result<sqlite_db> open_connection(const std::string& path) {
    // No CREATE: the store made the file; a missing one is an error, not a new empty database.
    auto db = sqlite_db::open(path, SQLITE_OPEN_READWRITE);
    if (!db) {
        return with_context("cannot open " + path, db.error());
    }
    if (auto set = db.value().busy_timeout(maintenance_busy_timeout); !set) {
        return set.error();
    }
    if (auto set = db.value().exec("PRAGMA wal_autocheckpoint = 0"); !set) {
        return set.error();
    }
    return db;
}

}  // namespace

struct history_maintenance::worker {
    worker(std::string database, history_retention kept)
        : path(std::move(database)), retention(kept) {}

    /// The thread's body: a round every interval until `stopping`. Catches everything.
    void run() noexcept;
    /// Waits one interval; true when told to stop.
    bool wait();

    const std::string path;
    const history_retention retention;
    std::mutex mutex;
    std::condition_variable wake;
    bool stopping = false;  ///< guarded by `mutex`
    std::thread thread;
};

bool history_maintenance::worker::wait() {
    std::unique_lock lock(mutex);
    return wake.wait_for(lock, retention.interval, [this] { return stopping; });
}

void history_maintenance::worker::run() noexcept {
    // Checkpoints and pruning are background work: when the event loop's core is busy, the
    // loop goes first (on Linux a thread has a nice value of its own). Not SCHED_IDLE: a thread
    // starved while it holds the write lock would hold the loop's commits up.
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), maintenance_niceness);
    // A failure that persists is logged when it first happens and when it changes, not every
    // round.
    std::string last_error;
    const auto report = [&last_error](const sqlite_error& error) {
        if (error.message != last_error) {
            last_error = error.message;
            spdlog::warn("history maintenance: {}", error.message);
        }
    };
    try {
        std::optional<sqlite_db> db;
        while (!wait()) {
            if (!db) {
                auto opened = open_connection(path);
                if (!opened) {
                    report(opened.error());
                    continue;
                }
                db.emplace(std::move(opened.value()));
            }
            auto done = run_round(*db, retention, system_now_ms(), [this](auto how_long) {
                std::unique_lock lock(mutex);
                return !wake.wait_for(lock, how_long, [this] { return stopping; });
            });
            if (!done) {
                report(done.error());
            } else if (!last_error.empty()) {
                last_error.clear();
                spdlog::info("history maintenance: working again");
            }
        }
    } catch (const std::exception& e) {
        spdlog::error("history maintenance stopped: {}", e.what());
    } catch (...) {
        spdlog::error("history maintenance stopped: unknown exception");
    }
}

history_maintenance::history_maintenance(std::string path, history_retention retention)
    : worker_(std::make_unique<worker>(std::move(path), retention)) {
    worker_->thread = std::thread([w = worker_.get()] { w->run(); });
}

history_maintenance::~history_maintenance() {
    {
        const std::lock_guard lock(worker_->mutex);
        worker_->stopping = true;
    }
    worker_->wake.notify_all();
    worker_->thread.join();
}

sqlite_status history_maintenance::run_once(sqlite_db& db, const history_retention& retention,
                                            std::int64_t now_ms) {
    return run_round(db, retention, now_ms, [](auto how_long) {
        std::this_thread::sleep_for(how_long);
        return true;
    });
}

}  // namespace chat
