#pragma once

#include <string_view>

namespace chat {

/// Why a line's text is refused, or `ok`.
enum class text_fault {
    ok,
    bad_utf8,      ///< not well-formed UTF-8 (overlong forms, surrogates and > U+10FFFF included)
    nul,           ///< contains a NUL byte
    control_char,  ///< a C0 control other than TAB, DEL, or a C1 control (U+0080..U+009F)
};

/// Checks that `text` is well-formed UTF-8 that cannot drive a terminal: no NUL, no C0 control
/// but TAB, no DEL, no C1 control. Such lines are refused whole rather than cleaned, so what a
/// sender typed is never silently changed before others see it.
text_fault check_text(std::string_view text);

}  // namespace chat
