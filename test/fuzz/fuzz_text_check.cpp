// libFuzzer target: the text check that stands between a client's line and everyone's terminal.
// Its verdict must match an independent classifier written from Unicode's table of well-formed
// UTF-8 (Table 3-7) rather than from bit masks, fault for fault; and whatever it accepts must
// hold no byte below 0x20 but TAB, no DEL, no C1 control, no U+2028/U+2029 line break and no bidi
// embedding or override (U+202A..U+202E).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/text_check.hpp"
#include "test/fuzz/fuzz_check.hpp"
#include "test/support/reference_text_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const chat::text_fault verdict = chat::check_text(text);
    FUZZ_CHECK(verdict == chat::test::reference_text_check(text));
    if (verdict == chat::text_fault::ok) {
        for (std::size_t i = 0; i < size; ++i) {
            const unsigned b = data[i];
            FUZZ_CHECK(b >= 0x20 || b == '\t');
            FUZZ_CHECK(b != 0x7F);
            FUZZ_CHECK(!(b == 0xC2 && i + 1 < size && data[i + 1] >= 0x80 && data[i + 1] <= 0x9F));
            FUZZ_CHECK(!(b == 0xE2 && i + 2 < size && data[i + 1] == 0x80 && data[i + 2] >= 0xA8 &&
                         data[i + 2] <= 0xAE));
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
