#include "client/completion.hpp"

#include <algorithm>

#include "common/names.hpp"
#include "common/server_line.hpp"
#include "common/text_util.hpp"

namespace chat {

void name_roster::add(std::string_view name) {
    by_key_.insert_or_assign(name_key(name), std::string(name));
}

void name_roster::remove(std::string_view name) {
    by_key_.erase(name_key(name));
}

void name_roster::rename(std::string_view old_name, std::string_view new_name) {
    remove(old_name);
    add(new_name);
}

void name_roster::replace_all(std::string_view names) {
    by_key_.clear();
    for_each_name(names, [this](std::string_view n) { add(n); });
}

bool name_roster::contains(std::string_view name) const {
    return by_key_.contains(name_key(name));
}

std::vector<std::string> name_roster::names() const {
    // The map is ordered by the lower-case key, which is the case-insensitive order.
    std::vector<std::string> out;
    out.reserve(by_key_.size());
    for (const auto& entry : by_key_) {
        out.push_back(entry.second);
    }
    return out;
}

namespace {

bool starts_with_folded(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           equal_ignoring_case(text.substr(0, prefix.size()), prefix);
}

/// The longest prefix every candidate shares, compared without case, spelled as the first one.
std::string common_prefix(const std::vector<std::string>& candidates) {
    std::string_view first = candidates.front();
    std::size_t len = first.size();
    for (const auto& c : candidates) {
        std::size_t k = 0;
        while (k < len && k < c.size() && ascii_lower(first[k]) == ascii_lower(c[k])) {
            ++k;
        }
        len = k;
    }
    return std::string(first.substr(0, len));
}

enum class word_kind { command, room, known_room, name, none };

/// What the word starting at `word_start` is, from the words before it.
word_kind kind_of(std::string_view line, std::size_t word_start, std::string_view word) {
    std::string_view head = trim(line.substr(0, word_start));
    const std::string_view first = split_word(head).first;
    std::size_t index = 0;  // how many words come before this one
    while (!head.empty()) {
        head = split_word(head).second;
        ++index;
    }
    if (index == 0 && word.starts_with('/')) {
        return word_kind::command;
    }
    if (index == 1) {
        if (first == "/join") {
            return word_kind::known_room;
        }
        if (first == "/part" || first == "/who" || first == "/topic" || first == "/switch" ||
            first == "/history") {
            return word_kind::room;
        }
        if (first == "/msg") {
            return word_kind::name;
        }
        if (first == "/nick") {
            return word_kind::none;  // a new name of one's own: nothing to offer
        }
    }
    if (word.starts_with('#')) {
        return index == 0 ? word_kind::room : word_kind::known_room;
    }
    if (word.starts_with('@')) {
        return word_kind::name;
    }
    return word.empty() ? word_kind::none : word_kind::name;
}

}  // namespace

std::optional<completion> complete_line(const completion_sources& from, std::string_view line,
                                        std::size_t cursor) {
    cursor = std::min(cursor, line.size());
    const auto last_space = line.substr(0, cursor).rfind(' ');
    const std::size_t word_start = last_space == std::string_view::npos ? 0 : last_space + 1;
    const std::string_view word = line.substr(word_start, cursor - word_start);
    const word_kind kind = kind_of(line, word_start, word);
    if (kind == word_kind::none) {
        return std::nullopt;
    }
    std::size_t end = line.find(' ', cursor);
    if (end == std::string_view::npos) {
        end = line.size();
    }

    completion out;
    out.start = word_start;
    out.end = end;
    std::string_view prefix = word;
    std::string suffix = end == line.size() ? " " : "";
    std::vector<std::string> pool;
    switch (kind) {
        case word_kind::command:
            for (const auto& c : from.commands) {
                pool.push_back("/" + c);
            }
            break;
        case word_kind::room:
            pool = from.rooms;
            break;
        case word_kind::known_room:
            pool = from.known_rooms;
            break;
        case word_kind::name: {
            if (word.starts_with('@')) {
                out.start = word_start + 1;
                prefix.remove_prefix(1);
            } else if (word_start == 0) {
                suffix = ":" + suffix;  // addressing someone: "alice: hi"
            }
            const std::string self_key = name_key(from.self);
            for (auto& n : from.names.names()) {
                if (from.self.empty() || name_key(n) != self_key) {
                    pool.push_back(std::move(n));
                }
            }
            break;
        }
        case word_kind::none:
            break;
    }
    // While typing a room the `#` may be left out: "ru" finds "#rust".
    const bool room_without_hash =
        (kind == word_kind::room || kind == word_kind::known_room) && !prefix.starts_with('#');
    for (auto& candidate : pool) {
        const std::string_view compared =
            room_without_hash ? std::string_view(candidate).substr(1) : std::string_view(candidate);
        if (starts_with_folded(compared, prefix)) {
            out.candidates.push_back(std::move(candidate));
        }
    }
    std::sort(out.candidates.begin(), out.candidates.end(), less_ignoring_case);

    const std::string_view original = line.substr(out.start, end - out.start);
    if (out.candidates.size() == 1) {
        out.insert = out.candidates.front() + suffix;
    } else if (!out.candidates.empty()) {
        std::string shared = common_prefix(out.candidates);
        const std::size_t typed = prefix.size() + (room_without_hash ? 1 : 0);
        out.insert = shared.size() > typed ? std::move(shared) : std::string(original);
    } else {
        out.insert = std::string(original);
    }
    return out;
}

}  // namespace chat
