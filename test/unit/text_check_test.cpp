#include <string>

#include <catch2/catch.hpp>

#include "common/text_check.hpp"

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
