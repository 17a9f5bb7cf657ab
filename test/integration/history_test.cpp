// History and resume against the real daemon: the join replay under traffic, /history, a lost
// connection resumed in its grace and after it, resume across a restart, every delivered
// message on disk after kill -9 under load, and history files the daemon must refuse.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "common/server_line.hpp"
#include "test/integration/hardening_support.hpp"
#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat;
using namespace chat::test;

namespace {

/// A directory of its own for a test's history file, removed with everything in it.
class temp_dir {
  public:
    temp_dir() {
        static int serial = 0;
        path_ =
            std::filesystem::temp_directory_path() /
            ("chat-history-test-" + std::to_string(::getpid()) + "-" + std::to_string(++serial));
        std::filesystem::create_directories(path_);
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    temp_dir(const temp_dir&) = delete;
    temp_dir& operator=(const temp_dir&) = delete;
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    std::filesystem::path path_;
};

/// The parsed line, which must be a server line.
server_line parsed(const std::string& line) {
    const auto p = parse_server_line(line);
    REQUIRE(p);
    return *p;
}

/// Reads until a line starting with `prefix`, collecting the texts of the MSG/ME/PRIV lines on
/// the way (and in it), and every line read in `all` if given; fails the test when it does not
/// come within `limit`.
std::vector<std::string> texts_until(line_client& c, std::string_view prefix,
                                     std::chrono::milliseconds limit = 5s,
                                     std::vector<std::string>* all = nullptr) {
    std::vector<std::string> texts;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        REQUIRE(left.count() > 0);
        const auto line = c.read_line(left);
        REQUIRE(line);
        if (all != nullptr) {
            all->push_back(*line);
        }
        const auto p = parse_server_line(*line);
        if (p &&
            (p->tag == server_tag::msg || p->tag == server_tag::me || p->tag == server_tag::priv)) {
            texts.emplace_back(p->text);
        }
        if (line->starts_with(prefix)) {
            return texts;
        }
    }
}

/// Sends `/ping <token>` and waits for its PONG: everything queued before is in.
void fence(line_client& c, const std::string& token = "fence") {
    c.send_line("/ping " + token);
    REQUIRE(c.read_until("PONG " + token, 5s));
}

}  // namespace

TEST_CASE("a join under traffic replays, then goes live, with nothing lost or doubled",
          "[history]") {
    test_server server(
        {"--log-level", "info", "--rate", "0", "--history-on-join", "50", "--connect-rate", "0"});
    line_client talker(server.port());
    talker.register_as("talker");
    constexpr int total = 3000;
    std::atomic<bool> done{false};
    std::thread sender([&] {
        for (int i = 1; i <= total; ++i) {
            talker.send_line("n" + std::to_string(i));
            if (i % 100 == 0) {
                std::this_thread::sleep_for(1ms);  // spread over a while, so joins land inside
            }
        }
        done = true;
    });
    // Joiners arrive while the talker talks; each is read once the talking is over. A joiner
    // that comes after the last message sees it in its replay: it reads on to the HISTORY line.
    std::vector<line_client> joiners;
    for (int j = 0; j < 5; ++j) {
        std::this_thread::sleep_for(5ms);
        joiners.emplace_back(server.port());
        joiners.back().send_line("joiner" + std::to_string(j));
    }
    sender.join();
    CHECK(done);
    std::vector<std::vector<int>> seen_by;
    for (auto& joiner : joiners) {
        std::vector<int> numbers;
        bool history_seen = false;
        while (!history_seen || numbers.empty() || numbers.back() != total) {
            const auto line = joiner.read_line(10s);
            REQUIRE(line);
            const auto p = parse_server_line(*line);
            REQUIRE(p);
            if (p->tag == server_tag::history) {
                history_seen = true;
            } else if (p->tag == server_tag::msg) {
                numbers.push_back(std::stoi(std::string(p->text.substr(1))));
                REQUIRE(numbers.size() <= std::size_t{total});
            }
        }
        seen_by.push_back(numbers);
    }
    for (const auto& numbers : seen_by) {
        // One unbroken run up to the last: replayed and live meet with no gap and no repeat.
        REQUIRE(!numbers.empty());
        for (std::size_t i = 1; i < numbers.size(); ++i) {
            REQUIRE(numbers[i] == numbers[i - 1] + 1);
        }
    }
}

TEST_CASE("/history pages a room's history from the file", "[history]") {
    temp_dir dir;
    test_server server({"--log-level", "info", "--rate", "0", "--history-file", dir.file("h.db"),
                        "--history-on-join", "5", "--history-max-page", "50"});
    line_client alice(server.port());
    alice.register_as("alice");
    std::vector<std::string> ids;
    for (int i = 1; i <= 120; ++i) {
        alice.send_line("m" + std::to_string(i));
        const auto sent = alice.read_until("SENT ");
        REQUIRE(sent);
        ids.emplace_back(parsed(*sent).id);
    }
    alice.send_line("/history");
    auto texts = texts_until(alice, "HISTORY #lobby ");
    REQUIRE(texts.size() == 5);  // --history-on-join is the default page
    CHECK(texts.back() == "m120");
    alice.send_line("/history before " + ids[100] + " 500");  // capped at --history-max-page
    texts = texts_until(alice, "HISTORY #lobby more 50");
    CHECK(texts.front() == "m51");
    CHECK(texts.back() == "m100");
    alice.send_line("/history before " + ids[10] + " 20");
    texts = texts_until(alice, "HISTORY #lobby complete 10");
    CHECK(texts.front() == "m1");
    alice.send_line("/history after " + ids[117]);
    texts = texts_until(alice, "HISTORY #lobby complete 2");
    CHECK(texts == std::vector<std::string>{"m119", "m120"});
}

TEST_CASE("a reset connection resumes in its grace: nobody sees it go, nothing is missed",
          "[resume]") {
    test_server server({"--log-level", "info", "--rate", "0"});
    line_client bob(server.port());
    bob.register_as("bob");
    line_client alice(server.port());
    alice.register_as("alice");
    const std::string token = alice.token();
    REQUIRE(is_resume_token(token));
    REQUIRE(bob.read_until("JOIN #lobby alice"));
    bob.send_line("before");
    const auto before = alice.read_until("MSG #lobby ");
    REQUIRE(before);
    const std::string last_id(parsed(*before).id);
    alice.close(/*reset=*/true);  // the network failed: an RST, not a goodbye

    bob.send_line("while away");
    bob.send_line("@alice private while away");
    fence(bob);
    CHECK(bob.skipped().end() ==
          std::find_if(bob.skipped().begin(), bob.skipped().end(),
                       [](const std::string& l) { return l.starts_with("LEAVE "); }));
    line_client back(server.port());
    REQUIRE(back.read_until("HELLO "));
    back.send_line("/resume alice " + token + " " + last_id);
    const auto welcome = back.read_line();
    REQUIRE(welcome);
    CHECK(welcome->starts_with("WELCOME alice "));
    CHECK(parsed(*welcome).token != token);
    const auto joined = back.read_line();
    REQUIRE(joined);
    CHECK(joined->starts_with("JOINED #lobby 2 "));
    const auto texts = texts_until(back, "RESUMED ");
    CHECK(texts == std::vector<std::string>{"while away", "private while away"});
    CHECK(back.skipped().empty());
    bob.send_line("live again");
    CHECK(texts_until(back, "MSG ") == std::vector<std::string>{"live again"});
    fence(bob, "after");
    for (const auto& l : bob.skipped()) {
        CHECK_FALSE(l.starts_with("LEAVE "));
        CHECK_FALSE(l.starts_with("JOIN "));
    }
}

TEST_CASE("after the grace the room sees LEAVE timeout; a clean close leaves at once", "[resume]") {
    test_server server({"--log-level", "info", "--resume-grace", "0.3"});
    line_client bob(server.port());
    bob.register_as("bob");
    line_client lost(server.port());
    lost.register_as("lost");
    line_client quitter(server.port());
    quitter.register_as("quitter");
    quitter.close();  // FIN: the user left
    CHECK(bob.read_until("LEAVE #lobby quitter disconnected", 2s));
    lost.close(/*reset=*/true);
    CHECK(bob.read_until("LEAVE #lobby lost timeout", 3s));
}

TEST_CASE("a resume works across a restart of the daemon, and ids continue", "[resume]") {
    temp_dir dir;
    const std::vector<std::string> args = {"--log-level", "info",           "--rate",
                                           "0",           "--history-file", dir.file("h.db")};
    std::string token;
    std::string last_seen;
    std::string last_id_before;
    {
        test_server first(args);
        line_client alice(first.port());
        alice.register_as("alice");
        token = alice.token();
        alice.send_line("/join #side");
        REQUIRE(alice.read_until("HISTORY #side "));
        line_client bob(first.port());
        bob.register_as("bob");
        bob.send_line("/join #side");
        REQUIRE(bob.read_until("HISTORY #side "));
        bob.send_line("#side seen");
        const auto seen = alice.read_until("MSG #side ");
        REQUIRE(seen);
        last_seen = std::string(parsed(*seen).id);
        bob.send_line("#side missed in side");
        bob.send_line("missed in lobby");
        bob.send_line("@alice missed privately");
        const auto sent = bob.read_until("SENT ");
        REQUIRE(bob.read_until("SENT "));
        const auto last = bob.read_until("SENT ");
        REQUIRE(last);
        last_id_before = std::string(parsed(*last).id);
        fence(bob);
        first.signal(SIGTERM);
        REQUIRE(first.wait_exit(5s) == 0);
    }
    test_server second(args);
    line_client back(second.port());
    REQUIRE(back.read_until("HELLO "));
    back.send_line("/resume alice " + token + " " + last_seen);
    REQUIRE(back.read_until("WELCOME alice "));
    std::vector<std::string> lines;
    const auto texts = texts_until(back, "RESUMED 3 complete", 5s, &lines);
    CHECK(texts ==
          std::vector<std::string>{"missed in side", "missed in lobby", "missed privately"});
    std::vector<std::string> rooms;
    for (const auto& l : lines) {
        if (l.starts_with("JOINED ")) {
            rooms.emplace_back(parsed(l).room);
        }
    }
    CHECK(rooms == std::vector<std::string>{"#lobby", "#side"});  // the current one last
    back.send_line("new");
    const auto sent = back.read_until("SENT ");
    REQUIRE(sent);
    CHECK(std::stoull(std::string(parsed(*sent).id)) > std::stoull(last_id_before));
}

TEST_CASE("after kill -9 under load every message anyone received is in the history", "[history]") {
    temp_dir dir;
    const std::vector<std::string> args = {
        "--log-level",       "info", "--rate",         "0", "--history-file", dir.file("h.db"),
        "--history-on-join", "0",    "--connect-rate", "0"};
    std::set<std::uint64_t> received;
    {
        test_server first(args);
        line_client reader(first.port());
        reader.register_as("reader");
        std::vector<line_client> senders;
        for (int s = 0; s < 4; ++s) {
            senders.emplace_back(first.port());
            senders.back().register_as("sender" + std::to_string(s));
        }
        std::atomic<bool> stop{false};
        std::vector<std::thread> threads;
        for (auto& s : senders) {
            threads.emplace_back([&s, &stop] {
                for (int i = 0; i < 20000 && !stop; ++i) {
                    if (!s.send_line("load " + std::to_string(i))) {
                        return;
                    }
                }
            });
        }
        // Kill in the middle of the flow, once a good number has been delivered.
        while (received.size() < 3000) {
            const auto line = reader.read_line(5s);
            REQUIRE(line);
            const auto p = parse_server_line(*line);
            if (p && p->tag == server_tag::msg) {
                received.insert(std::stoull(std::string(p->id)));
            }
        }
        first.signal(SIGKILL);
        stop = true;
        // What was already on its way to the reader counts too.
        while (const auto line = reader.read_line(500ms)) {
            const auto p = parse_server_line(*line);
            if (p && p->tag == server_tag::msg) {
                received.insert(std::stoull(std::string(p->id)));
            }
        }
        for (auto& t : threads) {
            t.join();
        }
        CHECK(first.wait_exit(5s) == -SIGKILL);
    }
    test_server second(args);
    line_client check(second.port());
    check.register_as("check");
    std::set<std::uint64_t> stored;
    std::uint64_t after = 0;
    for (int page = 0; page < 1000; ++page) {
        check.send_line("/history after " + std::to_string(after) + " 500");
        bool ended = false;
        while (!ended) {
            const auto line = check.read_line(5s);
            REQUIRE(line);
            const auto p = parsed(*line);
            if (p.tag == server_tag::msg) {
                after = std::stoull(std::string(p.id));
                stored.insert(after);
            } else if (p.tag == server_tag::history) {
                ended = true;
                CHECK(p.code != "gap");
                if (p.code == "complete") {
                    page = 1000;
                }
            }
        }
    }
    std::vector<std::uint64_t> missing;
    std::set_difference(received.begin(), received.end(), stored.begin(), stored.end(),
                        std::back_inserter(missing));
    CHECK(missing.empty());
    INFO("received " << received.size() << ", stored " << stored.size());
    CHECK(stored.size() >= received.size());
    REQUIRE(!stored.empty());
    check.send_line("after restart");
    const auto sent = check.read_until("SENT ");
    REQUIRE(sent);
    CHECK(std::stoull(std::string(parsed(*sent).id)) > *stored.rbegin());
}

TEST_CASE("a history file the daemon cannot use stops it at start with a clear reason",
          "[history]") {
    temp_dir dir;
    const std::string garbage = dir.file("not-a-db");
    {
        std::ofstream out(garbage);
        out << std::string(8192, 'x');
    }
    auto r = run_command(server_binary(), {"--port", "0", "--history-file", garbage});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("not-a-db") != std::string::npos);
    CHECK(r.err.find("not a SQLite database") != std::string::npos);

    r = run_command(server_binary(),
                    {"--port", "0", "--history-file", dir.file("missing-dir/h.db")});
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("missing-dir/h.db") != std::string::npos);
}

TEST_CASE("history in memory stays within its budget however many rooms fill it", "[history]") {
    scoped_env asan("ASAN_OPTIONS", with_small_quarantine());
    test_server server({"--log-level", "info", "--rate", "0", "--history-memory-mb", "2",
                        "--history-on-join", "0", "--max-rooms", "100", "--default-room", ""});
    line_client filler(server.port());
    filler.register_as("filler", "");
    fence(filler);
    const std::size_t rss_before = rss_kib(server.pid());
    REQUIRE(rss_before > 0);
    // 100 rooms x 80 lines of 4 KB: 32 MB of history offered, 16 times the budget.
    const std::string text(4000, 'h');
    for (int r = 0; r < 100; ++r) {
        const std::string room = "#fill" + std::to_string(r);
        filler.send_line("/join " + room);
        std::string burst;
        for (int i = 0; i < 80; ++i) {
            burst += room + " " + text + "\n";
        }
        REQUIRE(filler.send_raw(burst));
        fence(filler, "r" + std::to_string(r));
    }
    const std::size_t rss_after = rss_kib(server.pid());
    INFO("VmRSS before " << rss_before << " KiB, after " << rss_after << " KiB");
    CHECK(rss_after < rss_before + 8 * 1024 + sanitizer_slack_kib);
    // The newest are kept, the oldest said to be gone.
    filler.send_line("/history #fill99 3");
    CHECK(texts_until(filler, "HISTORY #fill99 more 3").size() == 3);
    filler.send_line("/history #fill0 100");
    const auto line = filler.read_until("HISTORY #fill0 ");
    REQUIRE(line);
    CHECK(parsed(*line).code == "gap");
}

TEST_CASE("a second daemon on the same history file is refused at start", "[history]") {
    temp_dir dir;
    test_server first({"--log-level", "info", "--history-file", dir.file("h.db")});
    const auto second =
        run_command(server_binary(), {"--port", "0", "--history-file", dir.file("h.db")});
    CHECK(second.exit_code == 1);
    CHECK(second.err.find("in use by another chat-server") != std::string::npos);
    line_client still(first.port());
    CHECK(still.register_as("still") == "still");  // the first goes on
}
