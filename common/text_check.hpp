#pragma once

#include <string_view>

namespace chat {

/// Why a line's text is refused, or `ok`.
enum class text_fault {
    ok,
    bad_utf8,      ///< not well-formed UTF-8 (overlong forms, surrogates and > U+10FFFF included)
    nul,           ///< contains a NUL byte
    control_char,  ///< a C0 control other than TAB, DEL, or a C1 control (U+0080..U+009F)
    /// U+2028 LINE SEPARATOR, U+2029 PARAGRAPH SEPARATOR, or a bidi embedding or override
    /// (U+202A..U+202E): characters that break or reorder a line for the people and programs
    /// reading it, though they are neither bytes below 0x20 nor C1 controls.
    layout_control,
};

/// Checks that `text` is well-formed UTF-8 that cannot drive a terminal or fake a line: no NUL,
/// no C0 control but TAB, no DEL, no C1 control, no U+2028/U+2029, no bidi embedding or override
/// (U+202A..U+202E); bidi isolates (U+2066..U+2069) pass. Such lines are refused whole rather than
/// cleaned, so what a sender typed is never silently changed before others see it.
text_fault check_text(std::string_view text);

}  // namespace chat
