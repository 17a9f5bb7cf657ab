#include "server/sqlite.hpp"

#include <algorithm>
#include <cstdint>
#include <limits>

namespace chat {

namespace {

// SQLITE_STATIC and SQLITE_TRANSIENT are old-style casts in sqlite3.h; these are the same values
// spelled so that -Wold-style-cast stays on. The -1 "pointer" is SQLite's ABI, hence the NOLINT.
const sqlite3_destructor_type static_bytes = nullptr;
const sqlite3_destructor_type transient_bytes =
    reinterpret_cast<sqlite3_destructor_type>(  // NOLINT(performance-no-int-to-ptr)
        static_cast<std::intptr_t>(-1));

sqlite3_destructor_type destructor_for(bind_lifetime lifetime) {
    return lifetime == bind_lifetime::borrowed ? static_bytes : transient_bytes;
}

// The text for `rc` as seen by `db`; sqlite3_errmsg describes the most recent failed call, so it
// must be read before anything else runs on the connection.
sqlite_error error_from(sqlite3* db, int rc) {
    if (db == nullptr) {
        return {rc, sqlite3_errstr(rc)};
    }
    return {rc, sqlite3_errmsg(db)};
}

}  // namespace

// --- sqlite_statement

sqlite_statement::sqlite_statement(sqlite_statement&& other) noexcept
    : statement_(std::exchange(other.statement_, nullptr)) {}

sqlite_statement& sqlite_statement::operator=(sqlite_statement&& other) noexcept {
    if (this != &other) {
        sqlite3_finalize(statement_);
        statement_ = std::exchange(other.statement_, nullptr);
    }
    return *this;
}

sqlite_statement::~sqlite_statement() {
    sqlite3_finalize(statement_);
}

sqlite_status sqlite_statement::check(int rc) const {
    if (rc == SQLITE_OK) {
        return std::monostate{};
    }
    return error_from(sqlite3_db_handle(statement_), rc);
}

sqlite_status sqlite_statement::bind(int index, std::int64_t value) {
    return check(sqlite3_bind_int64(statement_, index, value));
}

sqlite_status sqlite_statement::bind(int index, std::string_view text, bind_lifetime lifetime) {
    // The 64-bit variant takes the length as given: a view need not be NUL-terminated and no
    // length is cut to int.
    return check(sqlite3_bind_text64(statement_, index, text.data(), text.size(),
                                     destructor_for(lifetime), SQLITE_UTF8));
}

sqlite_status sqlite_statement::bind(int index, std::span<const std::byte> blob,
                                     bind_lifetime lifetime) {
    return check(
        sqlite3_bind_blob64(statement_, index, blob.data(), blob.size(), destructor_for(lifetime)));
}

sqlite_status sqlite_statement::bind_null(int index) {
    return check(sqlite3_bind_null(statement_, index));
}

sqlite_result<sqlite_step> sqlite_statement::step() {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_ROW) {
        return sqlite_step::row;
    }
    if (rc == SQLITE_DONE) {
        return sqlite_step::done;
    }
    return error_from(sqlite3_db_handle(statement_), rc);
}

int sqlite_statement::column_count() const {
    return sqlite3_column_count(statement_);
}

bool sqlite_statement::column_is_null(int index) const {
    return sqlite3_column_type(statement_, index) == SQLITE_NULL;
}

std::int64_t sqlite_statement::column_int64(int index) const {
    return sqlite3_column_int64(statement_, index);
}

std::string_view sqlite_statement::column_text(int index) const {
    // Pointer first, then length: asking for the length first could convert the value twice.
    const auto* text = sqlite3_column_text(statement_, index);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, index));
    if (text == nullptr) {
        return {};
    }
    return {reinterpret_cast<const char*>(text), size};
}

std::span<const std::byte> sqlite_statement::column_blob(int index) const {
    const auto* blob = sqlite3_column_blob(statement_, index);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, index));
    if (blob == nullptr) {
        return {};
    }
    return {static_cast<const std::byte*>(blob), size};
}

void sqlite_statement::reset() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
}

// --- sqlite_db

sqlite_result<sqlite_db> sqlite_db::open(const std::string& path, int flags) {
    sqlite3* db = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
    if (rc != SQLITE_OK) {
        // SQLite hands out a handle even when opening fails (unless memory ran out); it carries
        // the message and must still be closed.
        sqlite_error error = error_from(db, rc);
        sqlite3_close_v2(db);
        return error;
    }
    sqlite3_extended_result_codes(db, 1);
    return sqlite_db(db);
}

sqlite_db::sqlite_db(sqlite_db&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

sqlite_db& sqlite_db::operator=(sqlite_db&& other) noexcept {
    if (this != &other) {
        sqlite3_close_v2(db_);
        db_ = std::exchange(other.db_, nullptr);
    }
    return *this;
}

sqlite_db::~sqlite_db() {
    sqlite3_close_v2(db_);
}

sqlite_error sqlite_db::last_error(int rc) const {
    return error_from(db_, rc);
}

sqlite_status sqlite_db::exec(const std::string& sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message);
    if (rc == SQLITE_OK) {
        return std::monostate{};
    }
    sqlite_error error{rc, message != nullptr ? message : sqlite3_errstr(rc)};
    sqlite3_free(message);
    return error;
}

sqlite_result<sqlite_statement> sqlite_db::prepare(std::string_view sql) {
    if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        return sqlite_error{SQLITE_TOOBIG, "SQL text too long"};
    }
    sqlite3_stmt* statement = nullptr;
    // The size passed excludes any NUL, which SQLite allows; the view need not be terminated.
    const int rc =
        sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
    if (rc != SQLITE_OK) {
        return last_error(rc);
    }
    if (statement == nullptr) {
        // Only whitespace or a comment: SQLite succeeds with no statement, which step() could
        // not run.
        return sqlite_error{SQLITE_MISUSE, "no SQL statement in the text"};
    }
    return sqlite_statement(statement);
}

sqlite_status sqlite_db::begin() {
    return exec("BEGIN IMMEDIATE");
}

sqlite_status sqlite_db::commit() {
    return exec("COMMIT");
}

void sqlite_db::rollback() {
    if (sqlite3_get_autocommit(db_) == 0) {
        exec("ROLLBACK");
    }
}

sqlite_result<std::string> sqlite_db::query_text(std::string_view sql) {
    auto statement = prepare(sql);
    if (!statement) {
        return statement.error();
    }
    auto step = statement.value().step();
    if (!step) {
        return step.error();
    }
    if (step.value() == sqlite_step::done) {
        return std::string();
    }
    return std::string(statement.value().column_text(0));
}

sqlite_result<std::string> sqlite_db::journal_mode() {
    return query_text("PRAGMA journal_mode");
}

sqlite_status sqlite_db::use_wal() {
    // Setting the mode answers with the mode in effect, which is not WAL when SQLite cannot use
    // it (":memory:", a file system without shared memory); that must not pass silently.
    auto mode = query_text("PRAGMA journal_mode=WAL");
    if (!mode) {
        return mode.error();
    }
    if (mode.value() != "wal") {
        return sqlite_error{SQLITE_ERROR, "journal_mode is '" + mode.value() + "', not 'wal'"};
    }
    return exec("PRAGMA synchronous=NORMAL");
}

sqlite_status sqlite_db::busy_timeout(std::chrono::milliseconds timeout) {
    const auto ms = std::clamp<std::chrono::milliseconds::rep>(timeout.count(), 0,
                                                               std::numeric_limits<int>::max());
    const int rc = sqlite3_busy_timeout(db_, static_cast<int>(ms));
    if (rc != SQLITE_OK) {
        return last_error(rc);
    }
    return std::monostate{};
}

bool sqlite_db::read_only() const {
    return sqlite3_db_readonly(db_, "main") == 1;
}

std::int64_t sqlite_db::last_insert_rowid() const {
    return sqlite3_last_insert_rowid(db_);
}

std::int64_t sqlite_db::changes() const {
    return sqlite3_changes64(db_);
}

}  // namespace chat
