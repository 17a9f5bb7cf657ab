#include "client/completion.hpp"

#include <algorithm>

#include "common/names.hpp"
#include "common/server_line.hpp"

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
           name_key(text.substr(0, prefix.size())) == name_key(prefix);
}

/// The longest prefix every candidate shares, compared without case, spelled as the first one.
std::string common_prefix(const std::vector<std::string>& candidates) {
    std::string_view first = candidates.front();
    std::size_t len = first.size();
    for (const auto& c : candidates) {
        std::size_t k = 0;
        while (k < len && k < c.size() &&
               name_key(first.substr(k, 1)) == name_key(c.substr(k, 1))) {
            ++k;
        }
        len = k;
    }
    return std::string(first.substr(0, len));
}

}  // namespace

std::optional<completion> complete_name(const name_roster& roster, std::string_view line,
                                        std::size_t cursor, std::string_view self) {
    cursor = std::min(cursor, line.size());
    const std::string_view before = line.substr(0, cursor);
    const auto last_space = before.rfind(' ');
    const std::size_t word_start = last_space == std::string_view::npos ? 0 : last_space + 1;

    std::size_t start = 0;
    if (word_start < cursor && line[word_start] == '@') {
        start = word_start + 1;
    } else {
        // Only the first argument of /msg is a name: "/msg " then spaces, then the word.
        const std::string_view head = line.substr(0, word_start);
        const auto last_non_space = head.find_last_not_of(' ');
        if (last_non_space == std::string_view::npos ||
            head.substr(0, last_non_space + 1) != "/msg") {
            return std::nullopt;
        }
        start = word_start;
    }
    std::size_t end = line.find(' ', cursor);
    if (end == std::string_view::npos) {
        end = line.size();
    }

    completion out;
    out.start = start;
    out.end = end;
    const std::string_view prefix = line.substr(start, cursor - start);
    const std::string self_key = name_key(self);
    for (auto& n : roster.names()) {
        if (starts_with_folded(n, prefix) && (self.empty() || name_key(n) != self_key)) {
            out.candidates.push_back(std::move(n));
        }
    }
    const std::string_view original = line.substr(start, end - start);
    if (out.candidates.size() == 1) {
        out.insert = out.candidates.front();
        if (end == line.size()) {
            out.insert += ' ';
        }
    } else if (!out.candidates.empty()) {
        std::string shared = common_prefix(out.candidates);
        out.insert = shared.size() > prefix.size() ? std::move(shared) : std::string(original);
    } else {
        out.insert = std::string(original);
    }
    return out;
}

}  // namespace chat
