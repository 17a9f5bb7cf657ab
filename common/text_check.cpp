#include "common/text_check.hpp"

#include <cstdint>
#include <cstring>

namespace chat {

namespace {

bool is_continuation(unsigned char c) {
    return (c & 0xC0U) == 0x80U;
}

constexpr std::uint64_t ones = 0x0101010101010101ULL;
constexpr std::uint64_t highs = 0x8080808080808080ULL;

/// Whether all 8 bytes of `w` are printable ASCII (0x20..0x7E): no byte below 0x20 (the classic
/// "has a byte less than n" test, exact for n <= 128) and none from 0x7F up.
bool all_printable_ascii(std::uint64_t w) {
    const bool below_space = ((w - 0x20 * ones) & ~w & highs) != 0;
    const bool del_or_high = (((w + ones) | w) & highs) != 0;
    return !below_space && !del_or_high;
}

}  // namespace

text_fault check_text(std::string_view text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = p + text.size();
    while (p < end) {
        // Chat text is mostly printable ASCII: take it eight bytes at a time, and look at a block
        // byte by byte only when it holds anything else (a TAB, a control, UTF-8).
        if (end - p >= 8) {
            std::uint64_t w = 0;
            std::memcpy(&w, p, sizeof w);
            if (all_printable_ascii(w)) {
                p += 8;
                continue;
            }
        }
        const unsigned char c = *p;
        if (c < 0x80U) {
            // Plain ASCII is the hot case: one compare per byte.
            if (c >= 0x20U && c != 0x7FU) {
                ++p;
                continue;
            }
            if (c == '\t') {
                ++p;
                continue;
            }
            return c == 0 ? text_fault::nul : text_fault::control_char;
        }
        std::uint32_t cp = 0;
        std::size_t extra = 0;
        std::uint32_t min_cp = 0;
        if ((c & 0xE0U) == 0xC0U) {
            cp = c & 0x1FU;
            extra = 1;
            min_cp = 0x80;
        } else if ((c & 0xF0U) == 0xE0U) {
            cp = c & 0x0FU;
            extra = 2;
            min_cp = 0x800;
        } else if ((c & 0xF8U) == 0xF0U) {
            cp = c & 0x07U;
            extra = 3;
            min_cp = 0x10000;
        } else {
            return text_fault::bad_utf8;
        }
        if (static_cast<std::size_t>(end - p) <= extra) {
            return text_fault::bad_utf8;
        }
        for (std::size_t i = 1; i <= extra; ++i) {
            if (!is_continuation(p[i])) {
                return text_fault::bad_utf8;
            }
            cp = (cp << 6U) | (p[i] & 0x3FU);
        }
        if (cp < min_cp || cp > 0x10FFFFU || (cp >= 0xD800U && cp <= 0xDFFFU)) {
            return text_fault::bad_utf8;
        }
        if (cp >= 0x80U && cp <= 0x9FU) {
            return text_fault::control_char;
        }
        // U+2028 and U+2029 end a line for Python's splitlines() and other Unicode-aware
        // splitters, so a bot would read a forged line after them. U+202A..U+202E embed or
        // override the direction of everything after them, up to the end of the paragraph:
        // `invoice_<RLO>fdp.exe` shows as `invoice_exe.pdf`, and the effect spills into the
        // fields displayed after this one. The bidi isolates
        // (U+2066..U+2069) are allowed: scripts written right to left need them, and their effect
        // ends where the displayed field ends (the bundled client closes any left open).
        if (cp >= 0x2028U && cp <= 0x202EU) {
            return text_fault::layout_control;
        }
        p += extra + 1;
    }
    return text_fault::ok;
}

}  // namespace chat
