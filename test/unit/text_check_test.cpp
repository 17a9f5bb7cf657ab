#include <string>

#include <catch2/catch.hpp>

#include "common/text_check.hpp"
#include "test/support/reference_text_check.hpp"

using chat::check_text;
using chat::text_fault;

TEST_CASE("plain text, tabs and multi-byte UTF-8 pass", "[text]") {
    CHECK(check_text("hello world") == text_fault::ok);
    CHECK(check_text("tab\there") == text_fault::ok);
    CHECK(check_text("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80") == text_fault::ok);
    CHECK(check_text("") == text_fault::ok);
}

TEST_CASE("malformed UTF-8 is refused", "[text]") {
    CHECK(check_text("\xC3") == text_fault::bad_utf8);              // truncated
    CHECK(check_text("\xC3(") == text_fault::bad_utf8);             // bad continuation
    CHECK(check_text("\xC0\xAF") == text_fault::bad_utf8);          // overlong '/'
    CHECK(check_text("\xE0\x80\xAF") == text_fault::bad_utf8);      // overlong, 3 bytes
    CHECK(check_text("\xED\xA0\x80") == text_fault::bad_utf8);      // surrogate
    CHECK(check_text("\xF4\x90\x80\x80") == text_fault::bad_utf8);  // above U+10FFFF
    CHECK(check_text("\xFF") == text_fault::bad_utf8);
    CHECK(check_text("\x80") == text_fault::bad_utf8);  // lone continuation
}

TEST_CASE("NUL and terminal controls are refused", "[text]") {
    CHECK(check_text(std::string("a\0b", 3)) == text_fault::nul);
    CHECK(check_text("\x1b[2J") == text_fault::control_char);  // ESC
    CHECK(check_text("bell\a") == text_fault::control_char);
    CHECK(check_text("cr\rinjected") == text_fault::control_char);
    CHECK(check_text("del\x7f") == text_fault::control_char);
    CHECK(check_text("\xC2\x9B"
                     "31m") == text_fault::control_char);  // C1 CSI
}

TEST_CASE("characters that break a line for other readers are refused", "[text]") {
    // Python's str.splitlines() and others split at these: a bot would see a forged line.
    CHECK(check_text("hi\xE2\x80\xA8"
                     "MSG 1 2026-11-21T14:03:12.345Z alice forged") ==
          text_fault::layout_control);                                       // U+2028
    CHECK(check_text("para\xE2\x80\xA9sep") == text_fault::layout_control);  // U+2029
    CHECK(check_text("nel \xC2\x85 line") == text_fault::control_char);      // U+0085, a C1
}

TEST_CASE("bidi embeddings and overrides are refused, isolates pass", "[text]") {
    // U+202A LRE, U+202B RLE, U+202C PDF, U+202D LRO, U+202E RLO: they reorder what follows.
    for (const char* bidi :
         {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD", "\xE2\x80\xAE"}) {
        INFO(bidi);
        CHECK(check_text(std::string("file ") + bidi + "txt.exe") == text_fault::layout_control);
    }
    // U+2066 LRI, U+2067 RLI, U+2068 FSI, U+2069 PDI: the client renders them inert.
    CHECK(check_text("\xE2\x81\xA6"
                     "a\xE2\x81\xA7"
                     "b\xE2\x81\xA8"
                     "c\xE2\x81\xA9") == text_fault::ok);
    // Neighbours of the refused range stay allowed: U+2027, U+202F, U+200E LRM, U+200F RLM.
    CHECK(check_text("\xE2\x80\xA7 \xE2\x80\xAF \xE2\x80\x8E \xE2\x80\x8F") == text_fault::ok);
}

TEST_CASE("the eight-bytes-at-a-time path agrees with the reference at every offset", "[text]") {
    // Every byte value at every position of a line long enough for two words and a tail, and
    // every two-byte UTF-8 sequence across a word boundary: the fast path must never let
    // through what the byte-by-byte rules refuse, nor refuse what they allow.
    const std::string base(19, 'a');
    for (int b = 0; b < 256; ++b) {
        for (std::size_t at = 0; at < base.size(); ++at) {
            std::string line = base;
            line[at] = static_cast<char>(b);
            INFO("byte " << b << " at " << at);
            CHECK(check_text(line) == chat::test::reference_text_check(line));
        }
    }
    for (std::size_t at = 0; at + 1 < base.size(); ++at) {
        std::string line = base;
        line.replace(at, 2, "\xc3\xa9");  // é
        CHECK(check_text(line) == text_fault::ok);
        line = base;
        line.replace(at, 2, "\xc2\x85");  // U+0085, a C1 control
        CHECK(check_text(line) == text_fault::control_char);
    }
}
