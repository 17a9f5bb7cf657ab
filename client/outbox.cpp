#include "client/outbox.hpp"

#include <algorithm>

namespace chat {

std::optional<std::string> outbox::message_sent(own_message m) {
    std::optional<std::string> marker;
    if (unsynced_) {
        unsynced_ = false;
        std::string token = std::string(outbox_marker_prefix) + std::to_string(next_token_++);
        marker = "/ping " + token;
        queue_.push_back({std::nullopt, std::move(token)});
    }
    queue_.push_back({std::move(m), {}});
    return marker;
}

void outbox::pop_markers() {
    // Only a server that skipped a PONG leaves a marker in front of a message's answer; answers
    // come in order, so such a marker can never be answered any more.
    while (!queue_.empty() && !queue_.front().message) {
        queue_.pop_front();
    }
}

std::optional<own_message> outbox::accepted() {
    pop_markers();
    if (queue_.empty()) {
        return std::nullopt;
    }
    own_message m = std::move(*queue_.front().message);
    queue_.pop_front();
    return m;
}

std::optional<own_message> outbox::refused() {
    // A marker in front means a command sent before it is still being answered: its ERR.
    if (queue_.empty() || !queue_.front().message) {
        return std::nullopt;
    }
    own_message m = std::move(*queue_.front().message);
    queue_.pop_front();
    return m;
}

bool outbox::marker_answered(std::string_view token) {
    if (queue_.empty() || queue_.front().message || queue_.front().token != token) {
        return false;
    }
    queue_.pop_front();
    return true;
}

std::vector<own_message> outbox::drop_all() {
    std::vector<own_message> out;
    for (auto& e : queue_) {
        if (e.message) {
            out.push_back(std::move(*e.message));
        }
    }
    queue_.clear();
    unsynced_ = false;
    return out;
}

std::size_t outbox::pending() const {
    return static_cast<std::size_t>(
        std::count_if(queue_.begin(), queue_.end(), [](const entry& e) { return e.message; }));
}

}  // namespace chat
