#pragma once

#include <cstddef>
#include <string_view>

#include "common/text_check.hpp"

namespace chat::test {

// An independent classifier for what `check_text` must accept, written from Unicode's table of
// well-formed UTF-8 byte sequences (Table 3-7) rather than from bit masks, so that the fuzzer
// and the integration tests judge the server by a second reading of the rules. The characters
// refused as `layout_control` are matched here by their encoded bytes, not by code point.

/// The first fault in `s`, scanning left to right one character at a time.
inline chat::text_fault reference_text_check(std::string_view s) {
    const auto at = [&](std::size_t i) {
        return static_cast<unsigned>(static_cast<unsigned char>(s[i]));
    };
    std::size_t i = 0;
    while (i < s.size()) {
        const unsigned b = at(i);
        if (b < 0x80) {
            if (b == 0) {
                return chat::text_fault::nul;
            }
            if ((b < 0x20 && b != '\t') || b == 0x7F) {
                return chat::text_fault::control_char;
            }
            ++i;
            continue;
        }
        // Table 3-7: the lead byte fixes the length and the range of the second byte.
        std::size_t len = 0;
        unsigned lo = 0x80;
        unsigned hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) {
            len = 2;
        } else if (b == 0xE0) {
            len = 3;
            lo = 0xA0;
        } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
            len = 3;
        } else if (b == 0xED) {
            len = 3;
            hi = 0x9F;
        } else if (b == 0xF0) {
            len = 4;
            lo = 0x90;
        } else if (b >= 0xF1 && b <= 0xF3) {
            len = 4;
        } else if (b == 0xF4) {
            len = 4;
            hi = 0x8F;
        } else {
            return chat::text_fault::bad_utf8;
        }
        if (i + len > s.size() || at(i + 1) < lo || at(i + 1) > hi) {
            return chat::text_fault::bad_utf8;
        }
        for (std::size_t k = 2; k < len; ++k) {
            if (at(i + k) < 0x80 || at(i + k) > 0xBF) {
                return chat::text_fault::bad_utf8;
            }
        }
        if (b == 0xC2 && at(i + 1) <= 0x9F) {
            return chat::text_fault::control_char;  // U+0080..U+009F
        }
        // E2 80 A8..AE: U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR and the bidi
        // embeddings and overrides U+202A..U+202E. The isolates U+2066..U+2069 (E2 81 A6..A9)
        // are allowed.
        if (b == 0xE2 && at(i + 1) == 0x80 && at(i + 2) >= 0xA8 && at(i + 2) <= 0xAE) {
            return chat::text_fault::layout_control;
        }
        i += len;
    }
    return chat::text_fault::ok;
}

}  // namespace chat::test
