#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>

namespace chat {

// The small text helpers every part of the project needs, in one place. ASCII only on purpose:
// names, room names and commands are ASCII, and message text is never case-folded.

/// `c` in lower case if it is an ASCII capital, else unchanged.
constexpr char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

/// A copy of `s` with ASCII capitals lowered: the key names and room names are compared by.
inline std::string ascii_lower_copy(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        c = ascii_lower(c);
    }
    return out;
}

/// Orders without regard to ASCII case, as `/who` and `/rooms` list names.
inline bool less_ignoring_case(std::string_view a, std::string_view b) {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
        return ascii_lower(x) < ascii_lower(y);
    });
}

/// Whether `a` and `b` are equal without regard to ASCII case.
inline bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_lower(x) == ascii_lower(y);
           });
}

/// `s` without leading and trailing `chars` (spaces by default).
inline std::string_view trim(std::string_view s, std::string_view chars = " ") {
    const auto first = s.find_first_not_of(chars);
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(chars) - first + 1);
}

/// Splits off the first space-separated word; the rest has its leading spaces removed.
inline std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
    const auto space = s.find(' ');
    if (space == std::string_view::npos) {
        return {s, {}};
    }
    std::string_view rest = s.substr(space + 1);
    const auto start = rest.find_first_not_of(' ');
    rest = start == std::string_view::npos ? std::string_view{} : rest.substr(start);
    return {s.substr(0, space), rest};
}

}  // namespace chat
