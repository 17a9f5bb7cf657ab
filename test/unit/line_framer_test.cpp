#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "common/line_framer.hpp"

namespace {

struct collected {
    std::vector<std::string> lines;
    int too_long = 0;
};

/// Feeds `input` in pieces cut at the given positions and collects every event.
collected feed_split(std::size_t max_line, const std::string& input,
                     const std::vector<std::size_t>& cuts) {
    chat::line_framer framer(max_line);
    collected out;
    auto handler = [&](chat::frame_event e, std::string_view line) {
        if (e == chat::frame_event::line) {
            out.lines.emplace_back(line);
        } else {
            ++out.too_long;
        }
        return true;
    };
    std::size_t from = 0;
    for (const std::size_t cut : cuts) {
        REQUIRE(framer.feed(std::string_view(input).substr(from, cut - from), handler) ==
                cut - from);
        from = cut;
    }
    REQUIRE(framer.feed(std::string_view(input).substr(from), handler) == input.size() - from);
    return out;
}

}  // namespace

TEST_CASE("framer splits lines and drops the CR of CRLF", "[framer]") {
    const auto out = feed_split(100, "one\r\ntwo\n\nthree\n", {});
    CHECK(out.lines == std::vector<std::string>{"one", "two", "", "three"});
    CHECK(out.too_long == 0);
}

TEST_CASE("framer gives the same lines whatever the split points", "[framer]") {
    const std::string input = "alice\r\nhello world\n/who\n@bob hi\r\n";
    const std::vector<std::string> expected = {"alice", "hello world", "/who", "@bob hi"};
    for (std::size_t a = 0; a <= input.size(); ++a) {
        for (std::size_t b = a; b <= input.size(); ++b) {
            const auto out = feed_split(100, input, {a, b});
            INFO("cuts at " << a << " and " << b);
            REQUIRE(out.lines == expected);
        }
    }
}

TEST_CASE("framer fed one byte at a time", "[framer]") {
    const std::string input = "x\ny\r\nz\n";
    std::vector<std::size_t> cuts;
    for (std::size_t i = 1; i < input.size(); ++i) {
        cuts.push_back(i);
    }
    CHECK(feed_split(10, input, cuts).lines == std::vector<std::string>{"x", "y", "z"});
}

TEST_CASE("framer keeps an unfinished line until its newline", "[framer]") {
    chat::line_framer framer(100);
    std::vector<std::string> lines;
    auto h = [&](chat::frame_event, std::string_view l) {
        lines.emplace_back(l);
        return true;
    };
    framer.feed("hal", h);
    CHECK(lines.empty());
    CHECK(framer.has_partial());
    framer.feed("f a line", h);
    CHECK(lines.empty());
    framer.feed("\n", h);
    CHECK(lines == std::vector<std::string>{"half a line"});
    CHECK_FALSE(framer.has_partial());
}

TEST_CASE("over-long line is reported once and skipped to its newline", "[framer]") {
    const std::string long_line(50, 'a');
    const std::string input = "ok\n" + long_line + "\nnext\n";
    for (std::size_t cut = 0; cut <= input.size(); ++cut) {
        for (std::size_t cut2 = cut; cut2 <= input.size(); cut2 += 7) {
            const auto out = feed_split(10, input, {cut, cut2});
            INFO("cuts at " << cut << ", " << cut2);
            REQUIRE(out.lines == std::vector<std::string>{"ok", "next"});
            REQUIRE(out.too_long == 1);
        }
    }
}

TEST_CASE("a line of exactly max_line bytes passes, one more byte does not", "[framer]") {
    CHECK(feed_split(5, "12345\n", {3}).lines == std::vector<std::string>{"12345"});
    const auto out = feed_split(5, "123456\nok\n", {3});
    CHECK(out.lines == std::vector<std::string>{"ok"});
    CHECK(out.too_long == 1);
}

TEST_CASE("framer memory stays bounded while an endless line streams in", "[framer]") {
    chat::line_framer framer(1000);
    int too_long = 0;
    auto h = [&](chat::frame_event e, std::string_view) {
        too_long += e == chat::frame_event::too_long ? 1 : 0;
        return true;
    };
    const std::string chunk(4096, 'z');
    for (int i = 0; i < 1000; ++i) {
        framer.feed(chunk, h);
        REQUIRE(framer.partial_size() <= 1000);
    }
    CHECK(too_long == 1);
}

TEST_CASE("handler returning false stops after that line and reports bytes taken", "[framer]") {
    chat::line_framer framer(100);
    std::vector<std::string> lines;
    const std::string input = "a\nb\nc\n";
    const auto taken = framer.feed(input, [&](chat::frame_event, std::string_view l) {
        lines.emplace_back(l);
        return false;
    });
    CHECK(lines == std::vector<std::string>{"a"});
    CHECK(taken == 2);
    framer.feed(std::string_view(input).substr(taken), [&](chat::frame_event, std::string_view l) {
        lines.emplace_back(l);
        return true;
    });
    CHECK(lines == std::vector<std::string>{"a", "b", "c"});
}
