#include "client/line_extras.hpp"

#include <algorithm>
#include <charconv>

namespace chat {

namespace {

/// The field before the first space of `rest`, and `rest` moved past that space. Fields are
/// separated by exactly one space, as everywhere in the protocol.
std::string_view next_field(std::string_view& rest) {
    const auto space = rest.find(' ');
    const std::string_view field = rest.substr(0, space);
    rest = space == std::string_view::npos ? std::string_view{} : rest.substr(space + 1);
    return field;
}

std::optional<replay_status> parse_status(std::string_view word) {
    if (word == "complete") {
        return replay_status::complete;
    }
    if (word == "more") {
        return replay_status::more;
    }
    if (word == "gap") {
        return replay_status::gap;
    }
    return std::nullopt;
}

}  // namespace

std::optional<std::uint64_t> parse_message_id(std::string_view id) {
    std::uint64_t value = 0;
    const char* const end = id.data() + id.size();
    const auto [ptr, ec] = std::from_chars(id.data(), end, value);
    if (id.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

bool looks_like_resume_token(std::string_view word) {
    return word.size() == 32 && std::ranges::all_of(word, [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::string_view welcome_text(std::string_view text) {
    std::string_view rest = text;
    if (looks_like_resume_token(next_field(rest))) {
        return rest;
    }
    return text;
}

line_extras read_line_extras(std::string_view line) {
    line_extras out;
    std::string_view rest = line;
    const std::string_view tag = next_field(rest);
    if (tag == "WELCOME") {
        next_field(rest);  // the name
        if (const auto word = next_field(rest); looks_like_resume_token(word)) {
            out.token = word;
        }
    } else if (tag == "HISTORY") {
        const auto room = next_field(rest);
        const auto status = parse_status(next_field(rest));
        const auto count = parse_message_id(next_field(rest));
        // Three fields exactly: a fourth would be a line of some other shape.
        if (!room.empty() && status && count && rest.empty()) {
            out.history = history_end{room, *status, *count};
        }
    } else if (tag == "RESUMED") {
        const auto count = parse_message_id(next_field(rest));
        const auto status = parse_status(next_field(rest));
        if (count && status && rest.empty()) {
            out.resumed = resumed_end{*count, *status};
        }
    }
    return out;
}

}  // namespace chat
