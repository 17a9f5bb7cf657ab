// The SQLite history store and its maintenance: what is kept and when it is durable, pages and
// their status after pruning, what a resuming user missed, topics, resume tokens, and the ways
// opening and writing fail.

#include <sys/resource.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "server/history_schema.hpp"
#include "server/sqlite_history_store.hpp"

using namespace chat;

namespace {

/// A directory made by mkdtemp under /tmp, removed with everything in it when the test ends.
class temp_dir {
  public:
    temp_dir() {
        std::string pattern = "/tmp/chat-history-test-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    ~temp_dir() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

std::unique_ptr<sqlite_history_store> open_store(const std::string& path) {
    auto store = sqlite_history_store::open(path);
    if (!store) {
        FAIL("open " << path << ": " << store.error().message);
    }
    return std::move(store.value());
}

sqlite_db open_db(const std::string& path) {
    auto db = sqlite_db::open(path);
    REQUIRE(db.ok());
    return std::move(db.value());
}

stored_message room_msg(std::uint64_t id, std::string room, std::string sender, std::string text,
                        std::int64_t at_ms = 0) {
    stored_message m;
    m.id = id;
    m.kind = message_kind::msg;
    m.at_ms = at_ms != 0 ? at_ms : static_cast<std::int64_t>(id) * 1000;
    m.room = std::move(room);
    m.sender = std::move(sender);
    m.text = std::move(text);
    return m;
}

stored_message priv_msg(std::uint64_t id, std::string sender, std::string text) {
    stored_message m;
    m.id = id;
    m.kind = message_kind::priv;
    m.at_ms = static_cast<std::int64_t>(id) * 1000;
    m.sender = std::move(sender);
    m.text = std::move(text);
    return m;
}

using idv = std::vector<std::uint64_t>;

idv ids(const history_page& p) {
    idv out;
    for (const auto& m : p.messages) {
        out.push_back(m.id);
    }
    return out;
}

/// How often a test commits while it appends: a commit packs each room's messages since the
/// last into one chunk.
enum class commits {
    once,      ///< one chunk per room
    each,      ///< one chunk per message: pruning, which takes whole chunks, then takes messages
    every_3rd  ///< chunks of one or two messages of a room, ending in the middle of pages
};

/// Ids 1..10: odd ones in #Lobby (key lobby), even ones in #dev, sent at id seconds.
void fill_two_rooms(history_store& store, commits how = commits::once) {
    for (std::uint64_t id = 1; id <= 10; ++id) {
        if (id % 2 == 1) {
            store.append_room("#lobby", room_msg(id, "#Lobby", "Ann", "l" + std::to_string(id)));
        } else {
            store.append_room("#dev", room_msg(id, "#dev", "Bob", "d" + std::to_string(id)));
        }
        if (how == commits::each || (how == commits::every_3rd && id % 3 == 0)) {
            store.commit();
        }
    }
    store.commit();
}

history_retention retention(std::chrono::milliseconds max_age, std::uint64_t max_rows,
                            std::size_t rows_per_chunk = 2) {
    history_retention r;
    r.max_age = max_age;
    r.max_rows = max_rows;
    r.rows_per_chunk = rows_per_chunk;
    return r;
}

token_hash hash_of(std::uint8_t seed) {
    token_hash h{};
    for (std::size_t i = 0; i < h.size(); ++i) {
        h[i] = static_cast<std::byte>(seed + i);
    }
    return h;
}

}  // namespace

TEST_CASE(
    "history store: appends are read back at once, and kept across a reopen only once "
    "committed",
    "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("chat-history.db");
    {
        auto store = open_store(path);
        CHECK_FALSE(store->pending());
        store->append_room("#lobby", room_msg(1, "#Lobby", "Ann", "hello"));
        CHECK(store->pending());
        CHECK(ids(store->room_before("#lobby", UINT64_MAX, 10)) == idv{1});
        CHECK(store->max_id() == 1);
        // Destroyed without a commit: as a crash before the commit would.
    }
    {
        auto store = open_store(path);
        CHECK(store->room_before("#lobby", UINT64_MAX, 10).messages.empty());
        CHECK(store->max_id() == 0);

        stored_message me = room_msg(2, "#Lobby", "Ann", "waves", 1'764'400'000'123);
        me.kind = message_kind::me;
        store->append_room("#lobby", room_msg(1, "#Lobby", "Ann", "hello"));
        store->append_room("#lobby", me);
        store->append_private("ann", "bob", priv_msg(3, "Ann", "psst"));
        store->commit();
        CHECK_FALSE(store->pending());
        const auto stats = store->stats();
        CHECK(stats.messages_stored == 3);
        CHECK(stats.commits == 1);
        CHECK(stats.write_failures == 0);
        CHECK_FALSE(stats.failed);
    }
    auto store = open_store(path);
    CHECK(store->max_id() == 3);
    const auto page = store->room_before("#lobby", UINT64_MAX, 10);
    REQUIRE(ids(page) == idv{1, 2});
    const auto& m = page.messages[1];
    CHECK(m.kind == message_kind::me);
    CHECK(m.room == "#Lobby");
    CHECK(m.at_ms == 1'764'400'000'123);
    CHECK(m.sender == "Ann");
    CHECK(m.text == "waves");
    CHECK(page.messages[0].kind == message_kind::msg);
    const std::array<std::string, 0> no_rooms{};
    const auto privates = store->missed(no_rooms, "bob", "bob", 0, 10);
    REQUIRE(ids(privates) == idv{3});
    CHECK(privates.messages[0].kind == message_kind::priv);
    CHECK(privates.messages[0].room.empty());
    CHECK(privates.messages[0].text == "psst");
}

TEST_CASE("history store: a file database is in WAL mode", "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    {
        auto store = open_store(path);
        store->append_room("#a", room_msg(1, "#a", "Ann", "x"));
        store->commit();
        // The commit went to the log; the checkpoint is history_maintenance's job.
        CHECK(std::filesystem::exists(path + "-wal"));
        CHECK(std::filesystem::file_size(path + "-wal") > 0);
    }
    auto db = open_db(path);
    CHECK(db.journal_mode().value() == "wal");
}

TEST_CASE("history store: pages before and after an id, with more and complete",
          "[history][sqlite]") {
    const auto how = GENERATE(commits::once, commits::each, commits::every_3rd);
    auto store = open_store(":memory:");
    fill_two_rooms(*store, how);

    auto p = store->room_before("#lobby", UINT64_MAX, 2);
    CHECK(ids(p) == idv{7, 9});
    CHECK(p.status == page_status::more);
    CHECK(p.messages[0].room == "#Lobby");
    CHECK(p.messages[0].text == "l7");
    p = store->room_before("#lobby", 7, 2);
    CHECK(ids(p) == idv{3, 5});
    CHECK(p.status == page_status::more);
    p = store->room_before("#lobby", 3, 2);
    CHECK(ids(p) == idv{1});
    CHECK(p.status == page_status::complete);
    p = store->room_before("#lobby", 1, 2);
    CHECK(ids(p).empty());
    CHECK(p.status == page_status::complete);
    p = store->room_before("#dev", UINT64_MAX, 5);
    CHECK(ids(p) == idv{2, 4, 6, 8, 10});
    CHECK(p.status == page_status::complete);
    p = store->room_before("#dev", UINT64_MAX, 0);
    CHECK(ids(p).empty());
    CHECK(p.status == page_status::more);

    p = store->room_after("#dev", 0, 3);
    CHECK(ids(p) == idv{2, 4, 6});
    CHECK(p.status == page_status::more);
    p = store->room_after("#dev", 6, 3);
    CHECK(ids(p) == idv{8, 10});
    CHECK(p.status == page_status::complete);
    p = store->room_after("#dev", 10, 3);
    CHECK(ids(p).empty());
    CHECK(p.status == page_status::complete);

    p = store->room_after("#nowhere", 0, 3);
    CHECK(ids(p).empty());
    CHECK(p.status == page_status::complete);
}

TEST_CASE("history store: pruning by age, on a second connection, turns the page ends into gaps",
          "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    auto store = open_store(path);
    fill_two_rooms(*store, commits::each);
    store->append_private("ann", "bob", priv_msg(11, "Ann", "p11"));
    store->commit();

    auto db = open_db(path);
    // Sent at id seconds: at 11.0 s with a 5.5 s age limit, ids 1 to 5 are too old.
    const auto done =
        history_maintenance::run_once(db, retention(std::chrono::milliseconds(5500), 0), 11'000);
    REQUIRE(done.ok());

    auto p = store->room_before("#lobby", UINT64_MAX, 10);
    CHECK(ids(p) == idv{7, 9});
    CHECK(p.status == page_status::gap);
    p = store->room_before("#dev", UINT64_MAX, 2);
    CHECK(ids(p) == idv{8, 10});
    CHECK(p.status == page_status::more);
    p = store->room_before("#dev", 8, 2);
    CHECK(ids(p) == idv{6});
    CHECK(p.status == page_status::gap);

    // After an id below a room's mark (lobby: 5, dev: 4): some of what followed is gone.
    p = store->room_after("#lobby", 0, 10);
    CHECK(ids(p) == idv{7, 9});
    CHECK(p.status == page_status::gap);
    p = store->room_after("#lobby", 4, 1);
    CHECK(p.status == page_status::gap);
    p = store->room_after("#lobby", 5, 1);
    CHECK(ids(p) == idv{7});
    CHECK(p.status == page_status::more);
    p = store->room_after("#dev", 4, 10);
    CHECK(ids(p) == idv{6, 8, 10});
    CHECK(p.status == page_status::complete);

    // Running again at the same time prunes nothing more; the private message is young enough.
    REQUIRE(history_maintenance::run_once(db, retention(std::chrono::milliseconds(5500), 0), 11'000)
                .ok());
    CHECK(ids(store->room_after("#dev", 0, 10)) == idv{6, 8, 10});
    const std::array<std::string, 0> no_rooms{};
    const auto privates = store->missed(no_rooms, "bob", "bob", 0, 10);
    CHECK(ids(privates) == idv{11});
    CHECK(privates.status == page_status::complete);
}

TEST_CASE("history store: pruning beyond max_rows counts rooms and private messages together",
          "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    auto store = open_store(path);
    // 1 #a, 2 private to bob, 3 #a, 4 private to bob, 5 #a, ... 10 private to bob.
    for (std::uint64_t id = 1; id <= 10; ++id) {
        if (id % 2 == 1) {
            store->append_room("#a", room_msg(id, "#a", "Ann", "a"));
        } else {
            store->append_private("ann", "bob", priv_msg(id, "Ann", "p"));
        }
        store->commit();
    }

    auto db = open_db(path);
    // No age limit; keep the newest 3 (8, 9, 10), in chunks of 2 (1-2, 3-4, 5-6, 7).
    REQUIRE(history_maintenance::run_once(db, retention(std::chrono::milliseconds(0), 3), 0).ok());

    const std::vector<std::string> rooms{"#a"};
    const auto after_seven = store->missed(rooms, "bob", "bob", 7, 10);
    CHECK(ids(after_seven) == idv{8, 9, 10});
    CHECK(after_seven.status == page_status::complete);
    // The private mark is 6, the room's 7: after 6 a room message (7) is gone, after 5 a private
    // one (6) as well.
    CHECK(store->missed(rooms, "bob", "bob", 6, 10).status == page_status::gap);
    CHECK(store->missed(std::span<const std::string>(), "bob", "bob", 6, 10).status ==
          page_status::complete);
    CHECK(store->missed(std::span<const std::string>(), "bob", "bob", 5, 10).status ==
          page_status::gap);
    CHECK(store->room_before("#a", UINT64_MAX, 10).status == page_status::gap);
    CHECK(ids(store->room_before("#a", UINT64_MAX, 10)) == idv{9});

    auto marks = db.prepare("SELECT group_concat(key || '=' || value, ' ') FROM meta");
    REQUIRE(marks.ok());
    REQUIRE(marks.value().step().value() == sqlite_step::row);
    CHECK(marks.value().column_text(0) == "private_pruned_up_to=6 pruned_up_to=7");
}

TEST_CASE(
    "history store: missed merges rooms and private messages in id order, without the "
    "user's own lines or anyone else's private messages",
    "[history][sqlite]") {
    auto store = open_store(":memory:");
    store->append_room("#a", room_msg(1, "#a", "Carol", "old"));
    store->append_room("#a", room_msg(2, "#a", "Carol", "a2"));
    store->append_room("#b", room_msg(3, "#b", "Dave", "b3"));
    store->append_room("#a", room_msg(4, "#a", "BOB", "own line, another case"));
    store->append_private("carol", "bob", priv_msg(5, "Carol", "to bob"));
    store->append_private("carol", "dave", priv_msg(6, "Carol", "to dave"));
    store->append_private("bob", "carol", priv_msg(7, "Bob", "from bob"));
    store->append_room("#c", room_msg(8, "#c", "Carol", "not joined"));
    store->append_room("#b", room_msg(9, "#b", "bob", "own line"));
    store->append_room("#a", room_msg(10, "#a", "Dave", "a10"));
    store->append_private("dave", "bob", priv_msg(11, "Dave", "to bob too"));
    // Missed is read before the commit too: the loop reads what it has appended.

    const std::vector<std::string> rooms{"#b", "#a", "#a"};
    auto p = store->missed(rooms, "bob", "bob", 1, 10);
    CHECK(ids(p) == idv{2, 3, 5, 10, 11});
    CHECK(p.status == page_status::complete);
    CHECK(p.messages[0].room == "#a");
    CHECK(p.messages[1].room == "#b");
    CHECK(p.messages[2].kind == message_kind::priv);
    CHECK(p.messages[2].text == "to bob");

    p = store->missed(rooms, "bob", "bob", 1, 3);
    CHECK(ids(p) == idv{2, 3, 5});
    CHECK(p.status == page_status::more);
    p = store->missed(rooms, "bob", "bob", 5, 2);
    CHECK(ids(p) == idv{10, 11});
    CHECK(p.status == page_status::complete);

    p = store->missed(rooms, "dave", "dave", 0, 10);
    CHECK(ids(p) == idv{1, 2, 4, 6, 9});
    CHECK(p.status == page_status::complete);
}

namespace {

/// The rows of room_chunks, oldest first, as "room_key first_id-last_id count" joined by ", ".
std::string chunk_rows(sqlite_db& db) {
    auto s = db.prepare(
        "SELECT group_concat(room_key || ' ' || first_id || '-' || last_id || ' ' || count, ', ') "
        "FROM (SELECT * FROM room_chunks ORDER BY last_id)");
    REQUIRE(s.ok());
    REQUIRE(s.value().step().value() == sqlite_step::row);
    return std::string(s.value().column_text(0));
}

}  // namespace

TEST_CASE("history store: a room's messages of one commit are one row, pruned whole",
          "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    auto store = open_store(path);
    for (std::uint64_t id = 1; id <= 3; ++id) {
        store->append_room("#a", room_msg(id, "#a", "Ann", "a"));
    }
    store->append_room("#b", room_msg(4, "#b", "Bob", "b"));
    store->commit();
    store->append_room("#a", room_msg(5, "#a", "Ann", "a"));
    store->commit();
    CHECK(store->stats().messages_stored == 5);
    CHECK(store->stats().commits == 2);

    auto db = open_db(path);
    CHECK(chunk_rows(db) == "#a 1-3 3, #b 4-4 1, #a 5-5 1");

    // At 3.5 s with a 1 s age limit, ids 1 and 2 are too old, but 3 is not: their chunk stays.
    const auto one_second = std::chrono::milliseconds(1000);
    REQUIRE(history_maintenance::run_once(db, retention(one_second, 0), 3'500).ok());
    CHECK(chunk_rows(db) == "#a 1-3 3, #b 4-4 1, #a 5-5 1");
    CHECK(store->room_after("#a", 0, 10).status == page_status::complete);
    // At 4.5 s all three are: the chunk goes whole, and #a's mark is its last id.
    REQUIRE(history_maintenance::run_once(db, retention(one_second, 0), 4'500).ok());
    CHECK(chunk_rows(db) == "#b 4-4 1, #a 5-5 1");
    auto p = store->room_after("#a", 0, 10);
    CHECK(ids(p) == idv{5});
    CHECK(p.status == page_status::gap);
    p = store->room_after("#a", 3, 10);
    CHECK(ids(p) == idv{5});
    CHECK(p.status == page_status::complete);

    // Beyond max_rows the oldest chunks go until at most max_rows messages are left, a chunk that
    // reaches past the excess whole: of 5 (4, 5, 6-8), 3 kept leaves 6-8, and 2 kept nothing.
    for (std::uint64_t id = 6; id <= 8; ++id) {
        store->append_room("#c", room_msg(id, "#c", "Carol", "c"));
    }
    store->commit();
    REQUIRE(history_maintenance::run_once(db, retention(std::chrono::milliseconds(0), 3), 0).ok());
    CHECK(chunk_rows(db) == "#c 6-8 3");
    REQUIRE(history_maintenance::run_once(db, retention(std::chrono::milliseconds(0), 2), 0).ok());
    CHECK(chunk_rows(db).empty());
    p = store->room_before("#c", UINT64_MAX, 10);
    CHECK(p.messages.empty());
    CHECK(p.status == page_status::gap);
    CHECK(store->max_id() == 8);
}

TEST_CASE("history store: reads see every append of the open turn, whatever chunks it makes",
          "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    auto store = open_store(path);
    store->append_room("#a", room_msg(1, "#a", "Ann", "one"));
    store->append_room("#a", room_msg(2, "#a", "Ann", "two"));
    CHECK(ids(store->room_after("#a", 0, 10)) == idv{1, 2});
    CHECK(store->pending());
    // After a read wrote the buffer out, the turn goes on in a chunk of its own; a room made
    // again under another spelling within the turn starts one too.
    store->append_room("#a", room_msg(3, "#a", "Ann", "three"));
    store->append_room("#a", room_msg(4, "#A", "Ann", "four"));
    const auto p = store->room_before("#a", UINT64_MAX, 10);
    REQUIRE(ids(p) == idv{1, 2, 3, 4});
    CHECK(p.messages[2].room == "#a");
    CHECK(p.messages[3].room == "#A");
    CHECK(p.messages[3].text == "four");
    store->commit();
    CHECK_FALSE(store->pending());
    CHECK(store->stats().messages_stored == 4);
    CHECK(store->stats().commits == 1);

    // A burst in one room is cut into chunks of 32 KiB or so; pages cross their ends.
    const std::string body(100, 'x');
    for (std::uint64_t id = 5; id < 1005; ++id) {
        store->append_room("#big", room_msg(id, "#big", "Ann", body + std::to_string(id)));
    }
    CHECK(store->max_id() == 1004);
    store->commit();
    auto db = open_db(path);
    CHECK_THAT(chunk_rows(db), Catch::StartsWith("#a 1-2 2, #a 3-3 1, #a 4-4 1, #big 5-"));
    auto count = db.prepare("SELECT count(*), sum(count) FROM room_chunks WHERE room_key = '#big'");
    REQUIRE(count.ok());
    REQUIRE(count.value().step().value() == sqlite_step::row);
    CHECK(count.value().column_int64(0) == 4);
    CHECK(count.value().column_int64(1) == 1000);

    const auto all = store->room_after("#big", 0, 5000);
    REQUIRE(all.messages.size() == 1000);
    CHECK(all.status == page_status::complete);
    for (std::size_t i = 0; i < all.messages.size(); ++i) {
        CHECK(all.messages[i].id == i + 5);
        CHECK(all.messages[i].text == body + std::to_string(i + 5));
    }
    for (std::uint64_t before = 6; before <= 1004; before += 37) {
        const auto page = store->room_before("#big", before, 50);
        REQUIRE_FALSE(page.messages.empty());
        CHECK(page.messages.back().id == before - 1);
        CHECK(page.messages.size() == std::min<std::uint64_t>(50, before - 5));
        CHECK(page.status == (before - 5 > 50 ? page_status::more : page_status::complete));
        const auto after = store->room_after("#big", before, 50);
        CHECK(after.messages.size() == std::min<std::uint64_t>(50, 1004 - before));
        if (!after.messages.empty()) {
            CHECK(after.messages.front().id == before + 1);
        }
    }
}

TEST_CASE("history store: a corrupt chunk reads as a gap, never a crash", "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    auto store = open_store(path);
    // Chunks 1-2, 3-4, 5-6 of #a.
    for (std::uint64_t id = 1; id <= 6; ++id) {
        store->append_room("#a", room_msg(id, "#a", "Ann", "a"));
        if (id % 2 == 0) {
            store->commit();
        }
    }
    auto db = open_db(path);
    const std::vector<std::string> rooms{"#a"};

    SECTION("a blob that does not decode") {
        REQUIRE(db.exec("UPDATE room_chunks SET data = x'0102' WHERE last_id = 4").ok());
        auto p = store->room_before("#a", UINT64_MAX, 10);
        CHECK(ids(p) == idv{5, 6});
        CHECK(p.status == page_status::gap);
        p = store->room_after("#a", 0, 10);
        CHECK(ids(p) == idv{1, 2});
        CHECK(p.status == page_status::gap);
        p = store->room_after("#a", 4, 10);
        CHECK(ids(p) == idv{5, 6});
        CHECK(p.status == page_status::complete);
        p = store->missed(rooms, "bob", "bob", 0, 10);
        CHECK(ids(p) == idv{1, 2});
        CHECK(p.status == page_status::gap);
    }
    SECTION("a blob that decodes to other than its row says") {
        REQUIRE(db.exec("UPDATE room_chunks SET count = 3 WHERE last_id = 4").ok());
        CHECK(store->room_after("#a", 0, 10).status == page_status::gap);
        REQUIRE(db.exec("UPDATE room_chunks SET count = 2, first_id = 2 WHERE last_id = 4").ok());
        CHECK(store->room_after("#a", 0, 10).status == page_status::gap);
        REQUIRE(db.exec("UPDATE room_chunks SET first_id = 3 WHERE last_id = 4").ok());
        CHECK(store->room_after("#a", 0, 10).status == page_status::complete);
    }
    // Writing goes on.
    store->append_room("#a", room_msg(7, "#a", "Ann", "a"));
    store->commit();
    CHECK_FALSE(store->stats().failed);
}

TEST_CASE("history store: topics round-trip, are replaced, and go when cleared",
          "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    {
        auto store = open_store(path);
        CHECK_FALSE(store->load_topic("#a").has_value());
        store->save_topic("#a", room_topic{"first", "Ann", "2026-11-29T10:00:00.000Z"});
        store->save_topic("#a", room_topic{"second", "Bob", "2026-11-29T11:00:00.000Z"});
        store->save_topic("#b", room_topic{"bee", "Carol", "2026-11-29T12:00:00.000Z"});
        store->save_topic("#c", room_topic{"sea", "Carol", "2026-11-29T12:00:00.000Z"});
        store->save_topic("#c", std::nullopt);
    }
    // Saved outside a transaction: durable without a commit.
    auto store = open_store(path);
    const auto a = store->load_topic("#a");
    REQUIRE(a.has_value());
    CHECK(a->text == "second");
    CHECK(a->setter == "Bob");
    CHECK(a->time == "2026-11-29T11:00:00.000Z");
    CHECK(store->load_topic("#b").value().text == "bee");
    CHECK_FALSE(store->load_topic("#c").has_value());
}

TEST_CASE("history store: resume tokens are saved, found, replaced, erased and expired",
          "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    auto store = open_store(path);
    CHECK_FALSE(store->find_token(hash_of(1)).has_value());

    store->save_token({hash_of(1), "Ann", {"#lobby", "#Dev"}, 5000, 7, "s1"});
    store->save_token({hash_of(2), "Bob", {}, 1000, 7, "s2"});
    auto found = store->find_token(hash_of(1));
    REQUIRE(found.has_value());
    CHECK(found->hash == hash_of(1));
    CHECK(found->name == "Ann");
    CHECK(found->rooms == std::vector<std::string>{"#lobby", "#Dev"});
    CHECK(found->expires_ms == 5000);
    CHECK(found->first_id == 7);
    CHECK(found->session == "s1");
    found = store->find_token(hash_of(2));
    REQUIRE(found.has_value());
    CHECK(found->rooms.empty());

    store->save_token({hash_of(1), "Ann", {"#x"}, 9000, 7, "s1"});
    CHECK(store->find_token(hash_of(1)).value().rooms == std::vector<std::string>{"#x"});
    CHECK(store->find_token(hash_of(1)).value().expires_ms == 9000);

    store->erase_token(hash_of(1));
    CHECK_FALSE(store->find_token(hash_of(1)).has_value());
    store->erase_token(hash_of(1));  // erasing a missing token is harmless

    store->save_token({hash_of(3), "Carol", {"#a"}, 3000, 7, "s3"});
    auto db = open_db(path);
    REQUIRE(
        history_maintenance::run_once(db, retention(std::chrono::milliseconds(0), 0), 2000).ok());
    CHECK_FALSE(store->find_token(hash_of(2)).has_value());  // expired at 1000
    CHECK(store->find_token(hash_of(3)).has_value());
}

TEST_CASE("history store: ids go on above the old largest after everything was pruned",
          "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    {
        auto store = open_store(path);
        fill_two_rooms(*store);
        auto db = open_db(path);
        REQUIRE(
            history_maintenance::run_once(db, retention(std::chrono::milliseconds(1), 0), 1'000'000)
                .ok());
        CHECK(store->room_after("#lobby", 0, 10).messages.empty());
        CHECK(store->room_after("#dev", 0, 10).messages.empty());
        CHECK(store->max_id() == 10);
    }
    auto store = open_store(path);
    CHECK(store->max_id() == 10);
    const auto p = store->room_before("#lobby", UINT64_MAX, 10);
    CHECK(p.messages.empty());
    CHECK(p.status == page_status::gap);
}

TEST_CASE("history store: history_maintenance prunes on its own thread and stops promptly",
          "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    auto store = open_store(path);
    // Sent in 1970: older than any age limit.
    for (std::uint64_t id = 1; id <= 5; ++id) {
        store->append_room("#a", room_msg(id, "#a", "Ann", "x", 1));
    }
    store->commit();
    {
        history_retention r;
        r.interval = std::chrono::milliseconds(10);
        const history_maintenance maintenance(path, r);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
        while (!store->room_after("#a", 0, 10).messages.empty() &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
    }
    const auto p = store->room_after("#a", 0, 10);
    CHECK(p.messages.empty());
    CHECK(p.status == page_status::gap);
    CHECK(store->max_id() == 5);

    // A missing file is reported and retried, not created, and nothing crashes.
    {
        history_retention r;
        r.interval = std::chrono::milliseconds(5);
        const history_maintenance maintenance(dir.file("missing.db"), r);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK_FALSE(std::filesystem::exists(dir.file("missing.db")));

    // A long interval does not hold up destruction.
    history_retention slow;
    slow.interval = std::chrono::hours(1);
    const auto start = std::chrono::steady_clock::now();
    { const history_maintenance maintenance(path, slow); }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}

TEST_CASE("history store: opening fails with a clear message, never a crash", "[history][sqlite]") {
    temp_dir dir;

    SECTION("a file of random bytes") {
        const auto path = dir.file("chat-history.db");
        {
            std::mt19937 random(7);
            std::ofstream out(path, std::ios::binary);
            for (int i = 0; i < 16384; ++i) {
                out.put(static_cast<char>(random() & 0xff));
            }
        }
        const auto store = sqlite_history_store::open(path);
        REQUIRE_FALSE(store.ok());
        CHECK_THAT(store.error().message, Catch::StartsWith(path + ": not a SQLite database"));
    }
    SECTION("a SQLite header followed by garbage") {
        const auto path = dir.file("chat-history.db");
        {
            std::mt19937 random(8);
            std::ofstream out(path, std::ios::binary);
            out.write("SQLite format 3", 16);  // with its NUL
            for (int i = 16; i < 16384; ++i) {
                out.put(static_cast<char>(random() & 0xff));
            }
        }
        const auto store = sqlite_history_store::open(path);
        REQUIRE_FALSE(store.ok());
        CHECK_THAT(store.error().message, Catch::StartsWith(path + ": "));
    }
    SECTION("a directory that does not exist") {
        const auto path = dir.file("missing/chat-history.db");
        const auto store = sqlite_history_store::open(path);
        REQUIRE_FALSE(store.ok());
        CHECK(store.error().message == "cannot open " + path + ": unable to open database file");
    }
    SECTION("a database from a newer server") {
        const auto path = dir.file("chat-history.db");
        {
            auto db = open_db(path);
            REQUIRE(db.exec("PRAGMA user_version = 2").ok());
        }
        const auto store = sqlite_history_store::open(path);
        REQUIRE_FALSE(store.ok());
        CHECK_THAT(store.error().message,
                   Catch::StartsWith(path + ": the database has schema version 2") &&
                       Catch::Contains("versions up to 1"));
    }
}

namespace {

/// Lowers the largest file this process may write to `bytes`, ignoring SIGXFSZ so that a
/// write past it fails with EFBIG instead of killing the process; restores both when destroyed.
class file_size_limit {
  public:
    explicit file_size_limit(rlim_t bytes) {
        REQUIRE(::getrlimit(RLIMIT_FSIZE, &saved_limit_) == 0);
        struct sigaction ignore {};
        ignore.sa_handler = SIG_IGN;  // NOLINT(cppcoreguidelines-pro-type-union-access)
        REQUIRE(::sigaction(SIGXFSZ, &ignore, &saved_action_) == 0);
        rlimit lowered = saved_limit_;
        lowered.rlim_cur = bytes;
        REQUIRE(::setrlimit(RLIMIT_FSIZE, &lowered) == 0);
    }
    file_size_limit(const file_size_limit&) = delete;
    file_size_limit& operator=(const file_size_limit&) = delete;
    ~file_size_limit() {
        ::setrlimit(RLIMIT_FSIZE, &saved_limit_);
        ::sigaction(SIGXFSZ, &saved_action_, nullptr);
    }

  private:
    rlimit saved_limit_{};
    struct sigaction saved_action_ {};
};

}  // namespace

TEST_CASE("history store: a full disk turns the store memory-only, and chat goes on",
          "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    auto store = open_store(path);
    store->append_room("#a", room_msg(1, "#a", "Ann", "kept"));
    store->commit();
    REQUIRE(store->stats().messages_stored == 1);

    const std::string body(1024, 'x');
    history_store_stats after_failure;
    history_store_stats at_end;
    bool pending_after_failure = true;
    {
        // Room for the files as they are and a few pages more: 400 KiB of messages cannot fit.
        const auto largest =
            std::max(std::filesystem::file_size(path), std::filesystem::file_size(path + "-wal"));
        const file_size_limit limit(static_cast<rlim_t>(largest + 16384));
        for (std::uint64_t id = 2; id < 400; ++id) {
            store->append_room("#a", room_msg(id, "#a", "Ann", body));
        }
        store->commit();
        after_failure = store->stats();
        pending_after_failure = store->pending();
        // Later writes are dropped without touching the file.
        store->append_room("#a", room_msg(400, "#a", "Ann", "dropped"));
        store->save_topic("#a", room_topic{"t", "Ann", "2026-11-29T10:00:00.000Z"});
        store->commit();
        at_end = store->stats();
    }
    CHECK(after_failure.failed);
    CHECK(after_failure.write_failures == 1);
    CHECK(after_failure.messages_stored == 1);
    CHECK_FALSE(pending_after_failure);
    CHECK(at_end.write_failures == 1);
    CHECK(at_end.commits == after_failure.commits);
    CHECK_FALSE(store->pending());

    // Reads still answer, from what was committed.
    CHECK(ids(store->room_after("#a", 0, 10)) == idv{1});
    store.reset();
    store = open_store(path);
    CHECK(ids(store->room_after("#a", 0, 10)) == idv{1});
    CHECK_FALSE(store->load_topic("#a").has_value());
    CHECK_FALSE(store->stats().failed);
}

TEST_CASE("history store: cost of an append", "[.bench]") {
    temp_dir dir;
    auto store = open_store(dir.file("bench.db"));
    constexpr std::uint64_t count = 200'000;
    constexpr std::uint64_t per_commit = 100;
    stored_message m = room_msg(1, "#lobby", "someone", std::string(64, 'x'));
    const auto start = std::chrono::steady_clock::now();
    for (std::uint64_t id = 1; id <= count; ++id) {
        m.id = id;
        m.at_ms = static_cast<std::int64_t>(id);
        store->append_room("#lobby", m);
        if (id % per_commit == 0) {
            store->commit();
        }
    }
    store->commit();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(elapsed).count();
    WARN("append + commit every " << per_commit << ": " << ns / static_cast<std::int64_t>(count)
                                  << " ns per append");
    CHECK(store->stats().messages_stored == count);
    CHECK_FALSE(store->stats().failed);
}

TEST_CASE("history store: a damaged file is refused at open, never numbered from 1 again",
          "[history][sqlite]") {
    temp_dir dir;
    const auto path = dir.file("h.db");
    {
        auto store = open_store(path);
        for (std::uint64_t id = 1; id <= 2000; ++id) {
            store->append_room("#lobby", room_msg(id, "#lobby", "ann",
                                                  std::string(200, 'x') + std::to_string(id)));
            if (id % 10 == 0) {
                store->commit();
            }
        }
        store->commit();
    }
    {
        auto db = open_db(path);  // fold the WAL into the file, as a clean stop does
        REQUIRE(db.exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
    }
    // Garbage over the last pages, where the newest messages are: the schema at the start of
    // the file stays readable, so only reading the largest id can tell.
    const auto size = std::filesystem::file_size(path);
    REQUIRE(size > 64 * 1024);
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(static_cast<std::streamoff>(size - 16 * 1024));
        const std::string garbage(16 * 1024, '\xff');
        f.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    }
    const auto reopened = sqlite_history_store::open(path);
    REQUIRE_FALSE(reopened.ok());
    CHECK(reopened.error().message.find(path) != std::string::npos);
}
