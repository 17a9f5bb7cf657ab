#include "client/resume_state.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace chat {

void resume_state::observe(const server_line& line) {
    switch (line.tag) {
        case server_tag::welcome:
            // A new token for every registration and every resume; none from a chat/2.0 server.
            token_ = std::string(line.token);
            if (!resuming_) {
                last_id_ = 0;  // a new session: see the class comment
            }
            break;
        case server_tag::msg:
        case server_tag::me:
        case server_tag::priv:
            if (resuming_ && !first_replayed_) {
                first_replayed_ = parse_count(line.id);
            }
            saw_id(line.id);
            break;
        case server_tag::sent:
            saw_id(line.id);
            break;
        case server_tag::bye:
            // A session that ended in order (the server shut down, or dropped it when idle)
            // stays resumable for the token's time to live: the server rejoins its rooms and
            // replays what was missed meanwhile. Not one another connection took over.
            if (line.text == "resumed elsewhere") {
                token_.clear();
            }
            resuming_ = false;
            break;
        default:
            break;
    }
}

void resume_state::saw_id(std::string_view id) {
    if (const auto n = parse_count(id)) {
        last_id_ = std::max(last_id_, *n);
    }
}

std::optional<std::string> resume_state::resume_line(std::string_view name) {
    if (token_.empty() || name.empty()) {
        return std::nullopt;
    }
    resuming_ = true;
    resumed_from_ = last_id_;
    first_replayed_.reset();
    return fmt::format("/resume {} {} {}", name, token_, last_id_);
}

void resume_state::refused() {
    token_.clear();
    resuming_ = false;
}

std::optional<resume_state::outcome> resume_state::resumed(const server_line& line) {
    const auto count = parse_count(line.count);
    const auto status = parse_page_status(line.code);
    if (line.tag != server_tag::resumed || !count || !status) {
        return std::nullopt;
    }
    resuming_ = false;
    outcome out;
    out.missed = *count;
    out.gap = *status == page_status::gap;
    out.gap_before = first_replayed_.value_or(resumed_from_ + 1);
    return out;
}

void resume_state::connection_lost() {
    resuming_ = false;
}

}  // namespace chat
