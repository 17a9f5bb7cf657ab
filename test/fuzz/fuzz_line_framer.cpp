// libFuzzer target: the line framer. The same bytes are fed whole, split at a fuzzer-chosen
// point, one byte at a time, and in fuzzer-chosen chunks with the handler stopping early; every
// way must hand out exactly what a plain reference splitter says, and never a line holding `\n`
// or longer than the limit, and never keep more than the limit in memory.
//
// Input: byte 0 picks max_line (1..96), byte 1 the split point, byte 2 seeds the chunking and
// early stops; the rest is the byte stream.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/line_framer.hpp"
#include "test/fuzz/fuzz_check.hpp"

namespace {

struct event {
    chat::frame_event kind;
    std::string line;
    bool operator==(const event&) const = default;
};

/// What the framer must produce, written as plainly as possible: split on `\n`; a segment longer
/// than the limit (its `\r` counted) is one too_long, whether or not its `\n` has come; a
/// complete one is a line with one trailing `\r` removed.
std::vector<event> reference(std::string_view s, std::size_t max_line) {
    std::vector<event> out;
    std::size_t start = 0;
    while (start < s.size()) {
        const std::size_t nl = s.find('\n', start);
        const std::size_t end = nl == std::string_view::npos ? s.size() : nl;
        std::string_view segment = s.substr(start, end - start);
        if (segment.size() > max_line) {
            out.push_back({chat::frame_event::too_long, {}});
        } else if (nl != std::string_view::npos) {
            if (!segment.empty() && segment.back() == '\r') {
                segment.remove_suffix(1);
            }
            out.push_back({chat::frame_event::line, std::string(segment)});
        }
        if (nl == std::string_view::npos) {
            break;
        }
        start = nl + 1;
    }
    return out;
}

/// A small deterministic generator driven by the input, for chunk sizes and early stops.
struct prng {
    std::uint32_t state;
    std::uint32_t next() {
        state = state * 1664525U + 1013904223U;
        return state >> 16U;
    }
};

/// Feeds `piece` until it is all taken, the handler stopping early when `stop` says so.
void feed_all(chat::line_framer& framer, std::string_view piece, std::vector<event>& out,
              prng* stop) {
    while (!piece.empty()) {
        bool stopped = false;
        const std::size_t used =
            framer.feed(piece, [&](chat::frame_event kind, std::string_view line) {
                FUZZ_CHECK(line.find('\n') == std::string_view::npos);
                FUZZ_CHECK(line.size() <= framer.max_line());
                FUZZ_CHECK(kind == chat::frame_event::line || line.empty());
                out.push_back({kind, std::string(line)});
                stopped = stop != nullptr && stop->next() % 3 == 0;
                return !stopped;
            });
        FUZZ_CHECK(used <= piece.size());
        FUZZ_CHECK(used > 0);  // otherwise a caller feeding the rest again would never finish
        FUZZ_CHECK(stopped || used == piece.size());
        FUZZ_CHECK(framer.partial_size() <= framer.max_line());
        piece.remove_prefix(used);
    }
}

void expect_same(const std::vector<event>& got, const std::vector<event>& want) {
    FUZZ_CHECK(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        FUZZ_CHECK(got[i] == want[i]);
    }
}

/// After everything is fed, what is held must be exactly the unfinished last segment.
void expect_tail(const chat::line_framer& framer, std::string_view s) {
    const std::size_t last_nl = s.rfind('\n');
    const std::size_t tail = last_nl == std::string_view::npos ? s.size() : s.size() - last_nl - 1;
    FUZZ_CHECK(framer.has_partial() == (tail > 0));
    FUZZ_CHECK(framer.partial_size() == (tail > framer.max_line() ? 0 : tail));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 3) {
        return 0;
    }
    const std::size_t max_line = 1 + data[0] % 96;
    const std::string_view stream(reinterpret_cast<const char*>(data + 3), size - 3);
    const std::size_t split = stream.empty() ? 0 : data[1] % (stream.size() + 1);
    const std::vector<event> want = reference(stream, max_line);

    {
        chat::line_framer framer(max_line);
        std::vector<event> got;
        feed_all(framer, stream, got, nullptr);
        expect_same(got, want);
        expect_tail(framer, stream);
    }
    {
        chat::line_framer framer(max_line);
        std::vector<event> got;
        feed_all(framer, stream.substr(0, split), got, nullptr);
        feed_all(framer, stream.substr(split), got, nullptr);
        expect_same(got, want);
        expect_tail(framer, stream);
    }
    {
        chat::line_framer framer(max_line);
        std::vector<event> got;
        for (std::size_t i = 0; i < stream.size(); ++i) {
            feed_all(framer, stream.substr(i, 1), got, nullptr);
        }
        expect_same(got, want);
        expect_tail(framer, stream);
    }
    {
        chat::line_framer framer(max_line);
        std::vector<event> got;
        prng chunks{data[2]};
        prng stops{data[2] * 7919U + 1U};
        std::size_t pos = 0;
        while (pos < stream.size()) {
            const std::size_t len = 1 + chunks.next() % (2 * max_line + 2);
            const std::string_view piece = stream.substr(pos, len);
            feed_all(framer, piece, got, &stops);
            pos += piece.size();
        }
        expect_same(got, want);
        expect_tail(framer, stream);
    }
    return 0;
}
