#include <unistd.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "server/history_schema.hpp"
#include "server/sqlite.hpp"

namespace {

using chat::bind_lifetime;
using chat::sqlite_db;
using chat::sqlite_step;

/// An empty file made by mkstemp under /tmp, removed with SQLite's -wal and -shm companions
/// when the test ends.
class temp_file {
  public:
    temp_file() {
        std::string pattern = "/tmp/chat-sqlite-test-XXXXXX";
        const int fd = ::mkstemp(pattern.data());
        REQUIRE(fd >= 0);
        ::close(fd);
        path_ = pattern;
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file() {
        for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
            std::remove((path_ + suffix).c_str());
        }
    }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

sqlite_db open_or_fail(const std::string& path) {
    auto db = sqlite_db::open(path);
    REQUIRE(db.ok());
    return std::move(db.value());
}

/// The names of the tables and indexes in `db`, sorted.
std::vector<std::string> schema_objects(sqlite_db& db) {
    auto statement = db.prepare(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'index') "
        "AND name NOT LIKE 'sqlite_%' ORDER BY name");
    REQUIRE(statement.ok());
    std::vector<std::string> names;
    for (;;) {
        auto step = statement.value().step();
        REQUIRE(step.ok());
        if (step.value() == sqlite_step::done) {
            break;
        }
        names.emplace_back(statement.value().column_text(0));
    }
    return names;
}

/// A chunk holding the one message `id` (its blob a placeholder: the schema tests read no blob).
void insert_room_chunk(sqlite_db& db, std::int64_t id) {
    auto insert = db.prepare(
        "INSERT INTO room_chunks(last_id, room_key, first_id, count, last_at_ms, data) "
        "VALUES (?1, 'lobby', ?1, 1, 1, x'00')");
    REQUIRE(insert.ok());
    REQUIRE(insert.value().bind(1, id).ok());
    auto step = insert.value().step();
    REQUIRE(step.ok());
    CHECK(step.value() == sqlite_step::done);
}

}  // namespace

TEST_CASE("sqlite: a :memory: database and a file both open", "[sqlite]") {
    {
        auto db = sqlite_db::open(":memory:");
        REQUIRE(db.ok());
        CHECK(db.value().exec("CREATE TABLE t(x)").ok());
    }
    temp_file file;
    {
        auto db = sqlite_db::open(file.path());
        REQUIRE(db.ok());
        CHECK(db.value().exec("CREATE TABLE t(x); INSERT INTO t VALUES (7)").ok());
    }
    // What was written to the file is there after reopening it.
    auto db = open_or_fail(file.path());
    auto select = db.prepare("SELECT x FROM t");
    REQUIRE(select.ok());
    REQUIRE(select.value().step().value() == sqlite_step::row);
    CHECK(select.value().column_int64(0) == 7);
}

TEST_CASE("sqlite: opening a missing file without CREATE is an error, not an exception",
          "[sqlite]") {
    auto db = sqlite_db::open("/tmp/chat-sqlite-test-no-such-dir/x.db", SQLITE_OPEN_READWRITE);
    REQUIRE_FALSE(db.ok());
    CHECK(db.error().primary_code() == SQLITE_CANTOPEN);
    CHECK_FALSE(db.error().message.empty());
}

TEST_CASE("sqlite: integers, UTF-8 text, blobs and NULL round-trip", "[sqlite]") {
    auto db = open_or_fail(":memory:");
    REQUIRE(db.exec("CREATE TABLE t(i INTEGER, s TEXT, b BLOB, n TEXT)").ok());

    const std::string utf8 = "Grüße, 世界 🙂";
    const std::string big(std::size_t{1} << 20, 'x');  // 1 MiB
    const std::array<std::byte, 4> blob{std::byte{0}, std::byte{0xff}, std::byte{0x10},
                                        std::byte{0}};

    auto insert = db.prepare("INSERT INTO t VALUES (?, ?, ?, ?)");
    REQUIRE(insert.ok());
    auto& ins = insert.value();
    // First row: the text borrowed (it lives to the end of the test), the blob copied.
    REQUIRE(ins.bind(1, std::int64_t{-9'007'199'254'740'993}).ok());
    REQUIRE(ins.bind(2, utf8, bind_lifetime::borrowed).ok());
    REQUIRE(ins.bind(3, std::span<const std::byte>(blob), bind_lifetime::copied).ok());
    REQUIRE(ins.bind_null(4).ok());
    REQUIRE(ins.step().value() == sqlite_step::done);
    CHECK(db.changes() == 1);
    CHECK(db.last_insert_rowid() == 1);

    // The same statement again after reset(), with a temporary that only a copy survives.
    ins.reset();
    REQUIRE(ins.bind(1, std::int64_t{2}).ok());
    REQUIRE(ins.bind(2, std::string(big), bind_lifetime::copied).ok());
    REQUIRE(ins.bind(3, std::span<const std::byte>(), bind_lifetime::borrowed).ok());
    REQUIRE(ins.bind(4, "n", bind_lifetime::borrowed).ok());
    REQUIRE(ins.step().value() == sqlite_step::done);

    auto select = db.prepare("SELECT i, s, b, n FROM t ORDER BY rowid");
    REQUIRE(select.ok());
    auto& sel = select.value();
    CHECK(sel.column_count() == 4);

    REQUIRE(sel.step().value() == sqlite_step::row);
    CHECK(sel.column_int64(0) == -9'007'199'254'740'993);
    CHECK(sel.column_text(1) == utf8);
    const auto got = sel.column_blob(2);
    CHECK(std::vector<std::byte>(got.begin(), got.end()) ==
          std::vector<std::byte>(blob.begin(), blob.end()));
    CHECK(sel.column_is_null(3));
    CHECK(sel.column_text(3).empty());

    REQUIRE(sel.step().value() == sqlite_step::row);
    CHECK(sel.column_int64(0) == 2);
    CHECK(sel.column_text(1).size() == big.size());
    CHECK(sel.column_text(1) == big);
    CHECK_FALSE(sel.column_is_null(3));
    CHECK(sel.column_text(3) == "n");

    CHECK(sel.step().value() == sqlite_step::done);
}

TEST_CASE("sqlite: bad SQL and a constraint violation come back as errors", "[sqlite]") {
    auto db = open_or_fail(":memory:");

    auto bad_exec = db.exec("CREATE TABLEX t(x)");
    REQUIRE_FALSE(bad_exec.ok());
    CHECK(bad_exec.error().primary_code() == SQLITE_ERROR);
    CHECK_THAT(bad_exec.error().message, Catch::Contains("syntax error"));

    auto bad_prepare = db.prepare("SELEC 1");
    REQUIRE_FALSE(bad_prepare.ok());
    CHECK_THAT(bad_prepare.error().message, Catch::Contains("syntax error"));

    auto no_table = db.prepare("SELECT * FROM missing");
    REQUIRE_FALSE(no_table.ok());
    CHECK_THAT(no_table.error().message, Catch::Contains("no such table: missing"));

    auto empty = db.prepare("  -- only a comment");
    REQUIRE_FALSE(empty.ok());
    CHECK(empty.error().code == SQLITE_MISUSE);

    REQUIRE(db.exec("CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT NOT NULL)").ok());
    auto insert = db.prepare("INSERT INTO t VALUES (?, ?)");
    REQUIRE(insert.ok());
    auto& ins = insert.value();
    REQUIRE(ins.bind(1, std::int64_t{1}).ok());
    REQUIRE(ins.bind(2, "a", bind_lifetime::borrowed).ok());
    REQUIRE(ins.step().ok());

    ins.reset();
    REQUIRE(ins.bind(1, std::int64_t{1}).ok());
    REQUIRE(ins.bind(2, "b", bind_lifetime::borrowed).ok());
    auto duplicate = ins.step();
    REQUIRE_FALSE(duplicate.ok());
    CHECK(duplicate.error().primary_code() == SQLITE_CONSTRAINT);
    CHECK(duplicate.error().code == SQLITE_CONSTRAINT_PRIMARYKEY);
    CHECK_THAT(duplicate.error().message, Catch::Contains("UNIQUE constraint failed: t.id"));

    // reset() cleared the bindings: s is NULL now.
    ins.reset();
    REQUIRE(ins.bind(1, std::int64_t{2}).ok());
    auto not_null = ins.step();
    REQUIRE_FALSE(not_null.ok());
    CHECK(not_null.error().code == SQLITE_CONSTRAINT_NOTNULL);

    // After a failed step the statement takes nothing until reset().
    CHECK(ins.bind(1, std::int64_t{3}).error().primary_code() == SQLITE_MISUSE);
    ins.reset();
    CHECK(ins.bind(3, std::int64_t{0}).error().primary_code() == SQLITE_RANGE);

    // The statement and the connection still work after the errors.
    REQUIRE(ins.bind(1, std::int64_t{2}).ok());
    REQUIRE(ins.bind(2, "c", bind_lifetime::borrowed).ok());
    CHECK(ins.step().ok());
}

TEST_CASE("sqlite: begin, commit and rollback", "[sqlite]") {
    auto db = open_or_fail(":memory:");
    REQUIRE(db.exec("CREATE TABLE t(x)").ok());
    REQUIRE(db.begin().ok());
    REQUIRE(db.exec("INSERT INTO t VALUES (1)").ok());
    db.rollback();
    REQUIRE(db.begin().ok());
    REQUIRE(db.exec("INSERT INTO t VALUES (2)").ok());
    REQUIRE(db.commit().ok());
    db.rollback();  // none open: harmless

    auto select = db.prepare("SELECT group_concat(x) FROM t");
    REQUIRE(select.ok());
    REQUIRE(select.value().step().value() == sqlite_step::row);
    CHECK(select.value().column_text(0) == "2");
}

TEST_CASE("sqlite: a file database runs in WAL mode, :memory: says it cannot", "[sqlite]") {
    temp_file file;
    {
        auto db = open_or_fail(file.path());
        REQUIRE(db.use_wal().ok());
        CHECK(db.journal_mode().value() == "wal");
        auto sync = db.prepare("PRAGMA synchronous");
        REQUIRE(sync.ok());
        REQUIRE(sync.value().step().value() == sqlite_step::row);
        CHECK(sync.value().column_int64(0) == 1);  // NORMAL
    }
    // WAL is a property of the file: it stays after reopening.
    auto reopened = open_or_fail(file.path());
    CHECK(reopened.journal_mode().value() == "wal");

    auto memory = open_or_fail(":memory:");
    auto refused = memory.use_wal();
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message, Catch::Contains("'memory'"));
}

TEST_CASE("sqlite: a busy timeout waits for another connection's lock, then fails as busy",
          "[sqlite]") {
    temp_file file;
    auto holder = open_or_fail(file.path());
    auto waiter = open_or_fail(file.path());
    REQUIRE(holder.begin().ok());
    REQUIRE(waiter.busy_timeout(std::chrono::milliseconds(60)).ok());
    const auto start = std::chrono::steady_clock::now();
    auto refused = waiter.begin();
    const auto waited = std::chrono::steady_clock::now() - start;
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().primary_code() == SQLITE_BUSY);
    CHECK(waited >= std::chrono::milliseconds(50));
    REQUIRE(holder.commit().ok());
    CHECK(waiter.begin().ok());
}

TEST_CASE("sqlite: read_only tells a connection that cannot write", "[sqlite]") {
    temp_file file;
    CHECK_FALSE(open_or_fail(file.path()).read_only());
    auto db = sqlite_db::open(file.path(), SQLITE_OPEN_READONLY);
    REQUIRE(db.ok());
    CHECK(db.value().read_only());
}

TEST_CASE("history schema: migrate creates version 1 on a fresh database", "[sqlite][history]") {
    auto db = open_or_fail(":memory:");
    CHECK(chat::schema_version(db).value() == 0);
    REQUIRE(chat::migrate(db).ok());
    CHECK(chat::schema_version(db).value() == chat::history_schema_version);
    CHECK(chat::history_schema_version == 1);
    CHECK(schema_objects(db) ==
          std::vector<std::string>{"meta", "private_messages", "private_messages_by_recipient",
                                   "resume_tokens", "resume_tokens_by_expiry", "room_chunks",
                                   "room_chunks_by_room", "room_pruned", "topics"});
    // The pruning marks start at 0.
    auto marks = db.prepare("SELECT group_concat(key || '=' || value, ' ') FROM meta");
    REQUIRE(marks.ok());
    REQUIRE(marks.value().step().value() == sqlite_step::row);
    CHECK(marks.value().column_text(0) == "private_pruned_up_to=0 pruned_up_to=0");
}

TEST_CASE("history schema: migrating twice is a no-op", "[sqlite][history]") {
    temp_file file;
    {
        auto db = open_or_fail(file.path());
        REQUIRE(chat::migrate(db).ok());
        insert_room_chunk(db, 5);
        REQUIRE(chat::migrate(db).ok());
    }
    auto db = open_or_fail(file.path());
    REQUIRE(chat::migrate(db).ok());
    CHECK(chat::schema_version(db).value() == 1);
    CHECK(chat::max_stored_id(db).value() == 5);
    CHECK(schema_objects(db).size() == 9);
}

TEST_CASE("history schema: a database from a newer server is refused, naming both versions",
          "[sqlite][history]") {
    auto db = open_or_fail(":memory:");
    REQUIRE(db.exec("PRAGMA user_version = 99").ok());
    auto refused = chat::migrate(db);
    REQUIRE_FALSE(refused.ok());
    CHECK_THAT(refused.error().message,
               Catch::Contains("version 99") && Catch::Contains("versions up to 1"));
    // Nothing was touched.
    CHECK(chat::schema_version(db).value() == 99);
    CHECK(schema_objects(db).empty());
}

TEST_CASE("history schema: a file of random bytes is refused as not a database",
          "[sqlite][history]") {
    temp_file file;
    {
        std::mt19937 random(11);
        std::ofstream out(file.path(), std::ios::binary);
        for (int i = 0; i < 8192; ++i) {
            out.put(static_cast<char>(random() & 0xff));
        }
    }
    auto db = open_or_fail(file.path());  // opening reads nothing yet
    auto refused = chat::migrate(db);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().primary_code() == SQLITE_NOTADB);
    CHECK_THAT(refused.error().message, Catch::StartsWith("not a SQLite database"));
}

TEST_CASE("history schema: a failed step leaves the database as it was", "[sqlite][history]") {
    auto db = open_or_fail(":memory:");
    // A table in the way of version 1's CREATE TABLE.
    REQUIRE(db.exec("CREATE TABLE topics(x)").ok());
    auto failed = chat::migrate(db);
    REQUIRE_FALSE(failed.ok());
    CHECK_THAT(failed.error().message,
               Catch::Contains("from version 0 to 1") && Catch::Contains("already exists"));
    CHECK(chat::schema_version(db).value() == 0);
    CHECK(schema_objects(db) == std::vector<std::string>{"topics"});
}

TEST_CASE("history schema: max_stored_id covers rooms and private messages", "[sqlite][history]") {
    auto db = open_or_fail(":memory:");
    REQUIRE(chat::migrate(db).ok());
    CHECK(chat::max_stored_id(db).value() == 0);
    insert_room_chunk(db, 3);
    insert_room_chunk(db, 41);
    CHECK(chat::max_stored_id(db).value() == 41);
    REQUIRE(db.exec("INSERT INTO private_messages"
                    "(id, sender_session, recipient_session, at_ms, sender, text) "
                    "VALUES (42, 'ann', 'bob', 2, 'Ann', 'psst')")
                .ok());
    CHECK(chat::max_stored_id(db).value() == 42);
    insert_room_chunk(db, 43);
    CHECK(chat::max_stored_id(db).value() == 43);
}

TEST_CASE("history schema: max_stored_id counts pruned ids, so none is reused",
          "[sqlite][history]") {
    auto db = open_or_fail(":memory:");
    REQUIRE(chat::migrate(db).ok());
    insert_room_chunk(db, 7);
    REQUIRE(db.exec("UPDATE meta SET value = 50 WHERE key = 'pruned_up_to'").ok());
    CHECK(chat::max_stored_id(db).value() == 50);
    REQUIRE(db.exec("DELETE FROM room_chunks").ok());
    CHECK(chat::max_stored_id(db).value() == 50);
    insert_room_chunk(db, 51);
    CHECK(chat::max_stored_id(db).value() == 51);
}
