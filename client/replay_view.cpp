#include "client/replay_view.hpp"

#include <algorithm>
#include <tuple>

#include "common/text_util.hpp"

namespace chat {

std::optional<replay_view::request> replay_request(std::string_view line) {
    auto [word, rest] = split_word(line);
    if (word == "/join") {
        return replay_view::request::join;
    }
    if (word != "/history") {
        return std::nullopt;
    }
    while (!rest.empty()) {
        std::tie(word, rest) = split_word(rest);
        if (word == "after") {
            return replay_view::request::history_after;
        }
    }
    return replay_view::request::history;
}

std::optional<std::string> replay_view::expect(request r) {
    if (!enabled_) {
        return std::nullopt;
    }
    if (r == request::resume) {
        windows_.push_back({r, {}, false});
        return std::nullopt;
    }
    std::string token = std::string(replay_marker_prefix) + std::to_string(next_token_++);
    std::string marker = "/ping " + token;
    windows_.push_back({r, std::move(token), false});
    return marker;
}

std::vector<std::string> replay_view::show(item line) {
    if (line.text.empty() && line.as_history.empty()) {
        return {};
    }
    if (windows_.empty()) {
        if (line.text.empty()) {
            return {};
        }
        return {std::move(line.text)};
    }
    held_.push_back({std::move(line), false});
    if (held_.size() >= max_held) {
        return let_out();
    }
    return {};
}

std::optional<replay_view::release> replay_view::history(const server_line& line) {
    const auto status = parse_page_status(line.code);
    const auto count = parse_count(line.count);
    if (line.tag != server_tag::history || !status || !count) {
        return std::nullopt;
    }
    summary s;
    s.room = std::string(line.room);
    s.status = *status;
    s.count = *count;
    // The HISTORY answers the oldest window still waiting for one; a resume's takes any number.
    const auto w = std::find_if(windows_.begin(), windows_.end(), [](const window& x) {
        return !x.ended || x.what == request::resume;
    });
    if (w != windows_.end()) {
        w->ended = w->what != request::resume;
        s.asked = w->what == request::history || w->what == request::history_after;
        s.forward = w->what == request::history_after;
    }
    // The replay is the run of the room's MSG/ME lines right before the HISTORY: walk back over
    // it, at most `count` lines; anything else (TOPIC, JOINED, another room) ends the run.
    std::uint64_t marked = 0;
    for (auto it = held_.rbegin(); it != held_.rend() && marked < s.count; ++it) {
        if (it->line.as_history.empty() || !equal_ignoring_case(it->line.room, s.room)) {
            break;
        }
        it->history = true;
        ++marked;
        s.first_id = it->line.id;
        if (s.last_id == 0) {
            s.last_id = it->line.id;
        }
    }
    release out;
    out.lines = let_out();
    out.end = std::move(s);
    return out;
}

std::optional<std::vector<std::string>> replay_view::marker_answered(std::string_view token) {
    if (!token.starts_with(replay_marker_prefix)) {
        return std::nullopt;
    }
    const auto w = std::find_if(windows_.begin(), windows_.end(),
                                [&](const window& x) { return x.token == token; });
    if (w == windows_.end()) {
        return std::nullopt;  // not one of ours (typed by hand, or from before a reset)
    }
    // Answers come in order: a window before this one that is still open never will be closed
    // by the server; close it too.
    windows_.erase(windows_.begin(), std::next(w));
    return let_out();
}

std::vector<std::string> replay_view::resumed() {
    const auto w = std::find_if(windows_.begin(), windows_.end(),
                                [](const window& x) { return x.what == request::resume; });
    if (w != windows_.end()) {
        windows_.erase(w);
    }
    return let_out();
}

std::vector<std::string> replay_view::reset() {
    windows_.clear();
    return let_out();
}

std::vector<std::string> replay_view::let_out() {
    std::vector<std::string> out;
    out.reserve(held_.size());
    for (auto& h : held_) {
        std::string& text = h.history ? h.line.as_history : h.line.text;
        if (!text.empty()) {
            out.push_back(std::move(text));
        }
    }
    held_.clear();
    return out;
}

}  // namespace chat
