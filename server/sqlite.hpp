#pragma once

#include <sqlite3.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace chat {

/// A failed SQLite call: its (extended) result code and the text sqlite3_errmsg gave for it, or
/// our own text where the failure is ours (a refused schema version, a journal mode not taken).
struct sqlite_error {
    int code = SQLITE_ERROR;
    std::string message;

    /// The primary result code (SQLITE_CONSTRAINT for SQLITE_CONSTRAINT_PRIMARYKEY, ...).
    int primary_code() const { return code & 0xff; }
};

/// A value or the error that prevented it. The store runs inside the event loop, where an
/// exception would escape a handler, so every run-time failure comes back as one of these.
template <typename T>
class sqlite_result {
  public:
    sqlite_result(T value) : state_(std::move(value)) {}
    sqlite_result(sqlite_error error) : state_(std::move(error)) {}

    /// Whether this holds a value.
    bool ok() const { return state_.index() == 0; }
    explicit operator bool() const { return ok(); }

    /// The value; only when ok().
    T& value() { return std::get<0>(state_); }
    const T& value() const { return std::get<0>(state_); }

    /// The error; only when !ok().
    const sqlite_error& error() const { return std::get<1>(state_); }

  private:
    std::variant<T, sqlite_error> state_;
};

/// Success with nothing to return, or an error.
using sqlite_status = sqlite_result<std::monostate>;

/// What one sqlite3_step produced when it did not fail.
enum class sqlite_step {
    row,   ///< a row is ready for the column getters
    done,  ///< the statement has run to completion
};

/// Who keeps text and blob parameters alive.
enum class bind_lifetime {
    /// The caller keeps the bytes unchanged until reset() or the statement's destruction, so
    /// SQLite uses them in place (SQLITE_STATIC): no copy of a message body per insert.
    borrowed,
    /// SQLite copies the bytes now (SQLITE_TRANSIENT): for temporaries and anything the caller
    /// may change or free before the statement runs.
    copied,
};

/// One prepared statement, finalized on destruction. Move-only. Made by sqlite_db::prepare and
/// must be destroyed before its connection is (close_v2 defers the close until it is, but a
/// statement outliving its sqlite_db object is a bug all the same).
class sqlite_statement {
  public:
    /// An empty statement, as a moved-from one is: a slot to move a prepared one into. Nothing
    /// may run on it.
    sqlite_statement() = default;
    sqlite_statement(const sqlite_statement&) = delete;
    sqlite_statement& operator=(const sqlite_statement&) = delete;
    sqlite_statement(sqlite_statement&& other) noexcept;
    sqlite_statement& operator=(sqlite_statement&& other) noexcept;
    ~sqlite_statement();

    // Binding is allowed before the first step() and after reset(); in between SQLite answers
    // SQLITE_MISUSE.

    /// Binds parameter `index` (1-based, as in SQLite) to an integer.
    sqlite_status bind(int index, std::int64_t value);
    /// Binds parameter `index` to UTF-8 text; see bind_lifetime for who owns the bytes.
    sqlite_status bind(int index, std::string_view text, bind_lifetime lifetime);
    /// Binds parameter `index` to a blob; see bind_lifetime for who owns the bytes.
    sqlite_status bind(int index, std::span<const std::byte> blob, bind_lifetime lifetime);
    /// Binds parameter `index` to NULL.
    sqlite_status bind_null(int index);

    /// Runs the statement to its next row or to its end. After done or an error, reset() before
    /// running it again.
    sqlite_result<sqlite_step> step();

    /// How many columns a row of this statement has.
    int column_count() const;
    /// Whether column `index` (0-based) of the current row is NULL.
    bool column_is_null(int index) const;
    /// Column `index` of the current row as an integer (0 for NULL).
    std::int64_t column_int64(int index) const;
    /// Column `index` as UTF-8 text ("" for NULL). The view is valid until the next step(),
    /// reset() or destruction: copy what must last longer.
    std::string_view column_text(int index) const;
    /// Column `index` as bytes (empty for NULL); valid as long as column_text's view.
    std::span<const std::byte> column_blob(int index) const;

    /// Rewinds the statement so it can run again and clears its bindings, which ends the
    /// caller's duty to keep borrowed parameters alive. Reports nothing: an error of the last
    /// step was already returned by step().
    void reset();

  private:
    friend class sqlite_db;
    explicit sqlite_statement(sqlite3_stmt* statement) : statement_(statement) {}
    sqlite_status check(int rc) const;

    sqlite3_stmt* statement_ = nullptr;
};

/// One connection to a SQLite database, closed on destruction. Move-only. Opened with
/// SQLITE_OPEN_NOMUTEX: the server is single-threaded and a connection is never shared between
/// threads, so SQLite's per-call locking would be pure cost.
class sqlite_db {
  public:
    /// Read, write, create if missing: what the history store wants.
    static constexpr int default_flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;

    /// Opens `path` (a file name, or ":memory:") with `flags`; SQLITE_OPEN_NOMUTEX is always
    /// added. Results carry extended result codes. Opening an existing file does not read it:
    /// a file that is not a database is found by the first statement (migrate reports it).
    static sqlite_result<sqlite_db> open(const std::string& path, int flags = default_flags);

    sqlite_db(const sqlite_db&) = delete;
    sqlite_db& operator=(const sqlite_db&) = delete;
    sqlite_db(sqlite_db&& other) noexcept;
    sqlite_db& operator=(sqlite_db&& other) noexcept;
    ~sqlite_db();

    /// Runs one or more statements that return no rows worth reading (DDL, PRAGMA settings).
    sqlite_status exec(const std::string& sql);
    /// Compiles one statement; text after the first statement is ignored.
    sqlite_result<sqlite_statement> prepare(std::string_view sql);

    /// Starts a write transaction, taking the write lock now (BEGIN IMMEDIATE) so that a
    /// read-then-write sequence such as a migration cannot fail halfway for want of the lock.
    sqlite_status begin();
    /// Commits the open transaction.
    sqlite_status commit();
    /// Abandons the open transaction; harmless when none is open.
    void rollback();

    /// Sets journal_mode=WAL and synchronous=NORMAL: appends then cost one write to the log and
    /// no fsync per commit, and a power loss can lose only the last commits, never corrupt the
    /// file. Fails if SQLite did not take WAL (":memory:" databases cannot).
    sqlite_status use_wal();
    /// The journal mode in effect ("wal", "delete", "memory", ...).
    sqlite_result<std::string> journal_mode();

    /// How long a statement waits for a lock another connection holds before it fails with
    /// SQLITE_BUSY (zero: not at all, the default). SQLite sleeps in steps while it waits.
    sqlite_status busy_timeout(std::chrono::milliseconds timeout);
    /// Whether the main database is read-only: SQLite opens a write-protected file read-only
    /// without a word, and only the first write would tell.
    bool read_only() const;

    /// The rowid of the last successful INSERT on this connection.
    std::int64_t last_insert_rowid() const;
    /// Rows changed by the last INSERT, UPDATE or DELETE.
    std::int64_t changes() const;

  private:
    explicit sqlite_db(sqlite3* db) : db_(db) {}
    sqlite_error last_error(int rc) const;
    /// The first column of the first row of `sql` as text ("" when there is no row).
    sqlite_result<std::string> query_text(std::string_view sql);

    sqlite3* db_ = nullptr;
};

}  // namespace chat
