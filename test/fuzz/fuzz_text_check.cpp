// libFuzzer target: the text check that stands between a client's line and everyone's terminal.
// Its verdict must match an independent classifier written from Unicode's table of well-formed
// UTF-8 (Table 3-7) rather than from bit masks, fault for fault; and whatever it accepts must
// hold no byte below 0x20 but TAB, no DEL and no C1 control.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/text_check.hpp"
#include "test/fuzz/fuzz_check.hpp"

namespace {

/// The first fault in `s`, scanning left to right one character at a time.
chat::text_fault reference(std::string_view s) {
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
        i += len;
    }
    return chat::text_fault::ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const chat::text_fault verdict = chat::check_text(text);
    FUZZ_CHECK(verdict == reference(text));
    if (verdict == chat::text_fault::ok) {
        for (std::size_t i = 0; i < size; ++i) {
            const unsigned b = data[i];
            FUZZ_CHECK(b >= 0x20 || b == '\t');
            FUZZ_CHECK(b != 0x7F);
            FUZZ_CHECK(!(b == 0xC2 && i + 1 < size && data[i + 1] >= 0x80 && data[i + 1] <= 0x9F));
        }
    }
    // A refusal is about the text, not where it was cut: any prefix of accepted text that ends
    // on a character boundary is accepted too.
    if (verdict == chat::text_fault::ok && size > 0) {
        std::size_t cut = size - 1;
        while (cut > 0 && (data[cut] & 0xC0U) == 0x80U) {
            --cut;
        }
        FUZZ_CHECK(chat::check_text(text.substr(0, cut)) == chat::text_fault::ok);
    }
    return 0;
}
