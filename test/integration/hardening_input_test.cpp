// Hostile input: over-long lines, endless lines, bad encodings, terminal control sequences and
// attempts to pass a line off as someone else's. Each test checks the offender's answer and that
// a healthy member in the same room got every message, in order, meanwhile.

#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "test/integration/hardening_support.hpp"
#include "test/support/line_client.hpp"
#include "test/support/test_server.hpp"

using namespace chat::test;

namespace {

bool starts_with(const std::string& s, std::string_view prefix) {
    return s.rfind(prefix, 0) == 0;
}

/// The offender's next ERR, skipping anything else it is sent.
std::string next_error(line_client& c) {
    const auto err = c.read_until("ERR ", 3s);
    return err ? *err : std::string("(no ERR within 3 s)");
}

}  // namespace

TEST_CASE("hardening: an over-long line is refused, its tail dropped, the next line handled",
          "[hardening][input]") {
    test_server server({"--max-line", "100"});
    line_client offender_c(server.port());
    line_client healthy_c(server.port());
    line_client observer_c(server.port());
    offender_c.register_as("offender");
    healthy_c.register_as("healthy");
    observer_c.register_as("observer");
    inbox observer(observer_c);

    // Each case: what the offender sends, and whether it is a line too long.
    const std::string exactly_max(100, 'e');
    struct step {
        std::string bytes;
        bool too_long;
    };
    const std::vector<step> steps = {
        {std::string(500, 'x') + "\n", true},
        {"after long\n", false},
        {exactly_max + "\n", false},
        {std::string(101, 'y') + "\n", true},
        // The tail after the limit holds a newline-free "message" that must never surface.
        {std::string(150, 'z') + " tail that must vanish\nafter tail\n", true},
    };
    int healthy_seq = 0;
    const auto healthy_says = [&] {
        const std::string text = numbered("h ", healthy_seq++);
        healthy_c.send_line(text);
        CHECK(observer.next_msg("healthy", 3s) == text);
    };
    for (const auto& s : steps) {
        REQUIRE(offender_c.send_raw(s.bytes));
        if (s.too_long) {
            CHECK(starts_with(next_error(offender_c), "ERR line-too-long "));
        }
        healthy_says();
    }
    // A long line split over several writes, so the limit is crossed between reads. The
    // healthy member's round trip between pieces keeps them in separate reads.
    for (int i = 0; i < 4; ++i) {
        REQUIRE(offender_c.send_raw(std::string(40, 'w')));
        healthy_says();
    }
    REQUIRE(offender_c.send_raw("\nafter split\n"));
    CHECK(starts_with(next_error(offender_c), "ERR line-too-long "));
    offender_c.send_line("/ping done");
    const auto pong = offender_c.read_until("PONG ", 3s);
    REQUIRE(pong);
    CHECK(*pong == "PONG done");
    for (const auto& line : offender_c.skipped()) {
        CHECK_FALSE(starts_with(line, "ERR "));  // one ERR per long line, not more
    }

    for (const char* expected : {"after long", exactly_max.c_str(), "after tail", "after split"}) {
        CHECK(observer.next_msg("offender", 3s) == std::optional<std::string>(expected));
    }
    observer.drain(200ms);
    CHECK(observer.senders_pending().empty());
}

TEST_CASE("hardening: 50 MB without a newline keeps the server's memory bounded",
          "[hardening][input][memory]") {
    test_server server;  // --max-line 4096
    line_client offender_c(server.port());
    line_client healthy_c(server.port());
    line_client observer_c(server.port());
    offender_c.register_as("streamer");
    healthy_c.register_as("healthy");
    observer_c.register_as("observer");
    inbox observer(observer_c);
    observer.drain(100ms);
    const std::size_t rss_before = rss_kib(server.pid());
    REQUIRE(rss_before > 0);

    constexpr int megabytes = 50;
    const std::string chunk(1 << 20, 'y');
    std::size_t rss_peak = rss_before;
    int healthy_seq = 0;
    for (int mb = 0; mb < megabytes; ++mb) {
        REQUIRE(offender_c.send_raw(chunk));
        if (mb % 5 == 4) {
            // The room goes on while the stream pours in.
            const std::string text = numbered("during ", healthy_seq++);
            healthy_c.send_line(text);
            CHECK(observer.next_msg("healthy", 3s) == text);
            rss_peak = std::max(rss_peak, rss_kib(server.pid()));
        }
    }
    REQUIRE(offender_c.send_raw("\nafter the stream\n"));
    const auto err = offender_c.read_until("ERR ", 5s);
    REQUIRE(err);
    CHECK(starts_with(*err, "ERR line-too-long "));
    CHECK(observer.next_msg("streamer", 5s) == std::optional<std::string>("after the stream"));
    rss_peak = std::max(rss_peak, rss_kib(server.pid()));
    INFO("VmRSS before " << rss_before << " KiB, peak " << rss_peak << " KiB");
    // 50 MB went in; a server that buffered it would have grown by that much.
    CHECK(rss_peak < rss_before + 8 * 1024);

    offender_c.send_line("/ping end");
    CHECK(offender_c.read_until("PONG end", 3s));
    for (const auto& line : offender_c.skipped()) {
        CHECK_FALSE(starts_with(line, "ERR "));  // exactly one ERR for the whole stream
    }
    observer.drain(200ms);
    CHECK(observer.senders_pending().empty());
}

TEST_CASE("hardening: bad encodings and control characters are refused, never relayed",
          "[hardening][input][encoding]") {
    test_server server;
    line_client offender_c(server.port());
    line_client healthy_c(server.port());
    line_client observer_c(server.port());
    offender_c.register_as("offender");
    healthy_c.register_as("healthy");
    observer_c.register_as("observer");
    inbox observer(observer_c);

    using namespace std::string_literals;
    const std::vector<std::string> bad = {
        "esc \x1b[2J\x1b[H cleared your screen",
        "\x1b]0;new window title\x07",
        "colour \x1b[31mred",
        "c1 csi \xc2\x9b"
        "31m red",
        "c1 nel \xc2\x85 line",
        "nul \0 inside"s,
        "\0"s,
        "del \x7f",
        "bell \x07",
        "backspace \x08\x08\x08",
        "vertical tab \x0b form feed \x0c",
        "bare cr \r in the middle",
        "cr twice\r",  // sent as "cr twice\r\r\n": one CR is the line end, one is left
        "bad \xc3\x28 pair",
        "overlong slash \xc0\xaf",
        "overlong nul \xc0\x80",
        "overlong three \xe0\x80\xaf",
        "surrogate \xed\xa0\x80",
        "beyond unicode \xf4\x90\x80\x80",
        "five bytes \xf8\x88\x80\x80\x80",
        "lone continuation \x80",
        "bom-ish \xff\xfe",
        "truncated euro \xe2\x82",
    };
    const std::vector<std::string> good = {
        "plain ascii",
        "tab\tis fine",
        "utf8 h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93 \xf0\x9f\x98\x80",
        "nbsp\xc2\xa0right after C1",
        "last scalar \xf4\x8f\xbf\xbf",
        "//slash escaped",
    };

    std::size_t good_sent = 0;
    int healthy_seq = 0;
    for (std::size_t i = 0; i < bad.size(); ++i) {
        INFO("bad line " << i);
        REQUIRE(offender_c.send_raw(bad[i] + (bad[i].back() == '\r' ? "\r\n" : "\n")));
        CHECK(starts_with(next_error(offender_c), "ERR bad-encoding "));
        if (i % 4 == 0 && good_sent < good.size()) {
            offender_c.send_line(good[good_sent++]);
        }
        healthy_c.send_line(numbered("h ", healthy_seq++));
    }
    while (good_sent < good.size()) {
        offender_c.send_line(good[good_sent++]);
    }
    // The same refusals guard every other way text reaches someone.
    for (const char* line : {"@observer \x1b[5mblink", "/me \x1b[8m hides", "/nick \x1b[1mbold",
                             "/msg observer c1 \xc2\x9b", "/quit \x1b[2J"}) {
        INFO(line);
        offender_c.send_line(line);
        CHECK(starts_with(next_error(offender_c), "ERR bad-encoding "));
    }
    // And the name itself, before registering.
    line_client newcomer(server.port());
    REQUIRE(newcomer.read_until("HELLO "));
    newcomer.send_line("\x1b[31mred");
    CHECK(starts_with(next_error(newcomer), "ERR bad-encoding "));
    newcomer.send_line("newcomer");
    CHECK(newcomer.read_until("WELCOME newcomer ", 3s));

    for (std::size_t i = 0; i < good.size(); ++i) {
        const std::string expected = i + 1 == good.size() ? "/slash escaped" : good[i];
        CHECK(observer.next_msg("offender", 3s) == expected);
    }
    for (int i = 0; i < healthy_seq; ++i) {
        CHECK(observer.next_msg("healthy", 3s) == numbered("h ", i));
    }
    observer.drain(200ms);
    CHECK(observer.senders_pending().empty());
    CHECK(observer.next_notice("JOIN newcomer", 1s));
    for (const auto& line : observer.all()) {
        INFO(line);
        CHECK(terminal_safe(line));
    }
    // The offender is still a member in good standing.
    offender_c.send_line("/who");
    const auto who = offender_c.read_until("USERS ", 3s);
    REQUIRE(who);
    CHECK(who->find("offender") != std::string::npos);
}

TEST_CASE("hardening: no line can pass for another member's or the server's",
          "[hardening][input][impersonation]") {
    test_server server;
    line_client mallory_c(server.port());
    line_client alice_c(server.port());
    line_client observer_c(server.port());
    mallory_c.register_as("mallory");
    alice_c.register_as("alice");
    observer_c.register_as("observer");
    inbox observer(observer_c);

    const std::string fake = "MSG 1 2024-01-01T00:00:00.000Z alice fake";
    // A CR not at the end of a line would let a terminal overprint the line's start.
    for (const std::string& line : std::vector<std::string>{
             "hi\r" + fake, "hi\r\r", "/me waves\rJOIN eve", "@observer hi\rPRIV 1 x alice hi",
             "/msg observer x\r" + fake, "\r" + fake}) {
        INFO(line);
        REQUIRE(mallory_c.send_raw(line + "\n"));
        CHECK(starts_with(next_error(mallory_c), "ERR bad-encoding "));
    }
    // A newline splits the text into two lines, both plainly mallory's.
    REQUIRE(mallory_c.send_raw("hi\n" + fake + "\n"));
    REQUIRE(mallory_c.send_raw("hey\r\nLEAVE alice quit\r\n"));
    CHECK(observer.next_msg("mallory", 3s) == std::optional<std::string>("hi"));
    CHECK(observer.next_msg("mallory", 3s) == fake);
    CHECK(observer.next_msg("mallory", 3s) == std::optional<std::string>("hey"));
    CHECK(observer.next_msg("mallory", 3s) == std::optional<std::string>("LEAVE alice quit"));

    // Names are one per person without regard to case, and nobody is the server.
    for (const char* taken : {"/nick alice", "/nick ALICE", "/nick Alice"}) {
        mallory_c.send_line(taken);
        CHECK(starts_with(next_error(mallory_c), "ERR name-taken "));
    }
    for (const char* reserved : {"/nick server", "/nick SERVER", "/nick Server"}) {
        mallory_c.send_line(reserved);
        CHECK(starts_with(next_error(mallory_c), "ERR name-invalid "));
    }
    line_client eve(server.port());
    REQUIRE(eve.read_until("HELLO "));
    for (const char* name : {"ALICE", " alice", "alice\t", "Alice "}) {
        INFO("name '" << name << "'");
        eve.send_line(name);
        CHECK(starts_with(next_error(eve), "ERR name-taken "));
    }
    // Look-alike letters from other scripts are not name characters at all.
    for (const char* name : {"server", "SeRvEr", "\xd0\xb0lice",
                             "al\xc4\xb1"
                             "ce",
                             "alice bob"}) {
        INFO("name '" << name << "'");
        eve.send_line(name);
        CHECK(starts_with(next_error(eve), "ERR name-invalid "));
    }
    eve.send_line("eve");
    REQUIRE(eve.read_until("WELCOME eve ", 3s));

    // Private messages find their target without regard to case, and name the real sender.
    mallory_c.send_line("@ALICE only for you");
    const auto priv = alice_c.read_until("PRIV ", 3s);
    REQUIRE(priv);
    const auto p = parse_relayed(*priv);
    REQUIRE(p);
    CHECK(p->from == "mallory");
    CHECK(p->text == "only for you");

    observer.drain(200ms);
    CHECK(observer.senders_pending().empty());
    for (const auto& line : observer.all()) {
        INFO(line);
        CHECK(terminal_safe(line));
        if (const auto r = parse_relayed(line)) {
            CHECK(r->from == "mallory");  // alice never spoke
        } else {
            // Anything else is one of the server's own notices, about someone who did that.
            CHECK((line == "JOIN eve" || starts_with(line, "PING ")));
        }
    }
}

TEST_CASE("hardening: Unicode line breaks and bidi overrides are refused, isolates relayed",
          "[hardening][input][encoding]") {
    test_server server;
    line_client mallory_c(server.port());
    line_client observer_c(server.port());
    mallory_c.register_as("mallory");
    observer_c.register_as("observer");
    inbox observer(observer_c);

    const std::string forged = "MSG 1 2026-11-21T14:03:12.345Z alice forged";
    const std::vector<std::string> bad = {
        "hi \xe2\x80\xa8" + forged,  // U+2028: splitlines() sees two lines
        "hi \xe2\x80\xa9" + forged,  // U+2029
        "hi \xc2\x85" + forged,      // U+0085 NEL, a C1 control
        "exe.\xe2\x80\xae"
        "txt",                                // U+202E RLO
        "\xe2\x80\xaa lre \xe2\x80\xac pdf",  // U+202A LRE .. U+202C PDF
        "\xe2\x80\xab rle",                   // U+202B
        "\xe2\x80\xad lro",                   // U+202D
        "/me \xe2\x80\xa8" + forged,
        "@observer \xe2\x80\xa9" + forged,
        "/nick \xe2\x80\xae"
        "eve",
    };
    for (const auto& line : bad) {
        INFO(line);
        REQUIRE(mallory_c.send_line(line));
        CHECK(starts_with(next_error(mallory_c), "ERR bad-encoding "));
    }
    // Isolates are allowed: the bundled client closes any left open.
    const std::string isolates = "\xe2\x81\xa7olleh\xe2\x81\xa9 and \xe2\x81\xa6open";
    mallory_c.send_line(isolates);
    CHECK(observer.next_msg("mallory", 3s) == isolates);
    observer.drain(200ms);
    CHECK(observer.senders_pending().empty());
    for (const auto& line : observer.all()) {
        INFO(line);
        CHECK(terminal_safe(line));
        CHECK(line.find("alice") == std::string::npos);
    }
}
