#include "client/chat_state.hpp"

#include <algorithm>

#include "common/names.hpp"
#include "common/room_names.hpp"
#include "common/text_util.hpp"

namespace chat {

std::size_t chat_state::index_of(std::string_view name) const {
    // Room names compare without regard to case, as on the server (`room_key`).
    const auto it = std::find_if(rooms_.begin(), rooms_.end(),
                                 [&](const room& r) { return equal_ignoring_case(r.name, name); });
    return static_cast<std::size_t>(it - rooms_.begin());
}

const chat_state::room* chat_state::find_room(std::string_view name) const {
    const std::size_t i = index_of(name);
    return i < rooms_.size() ? &rooms_[i] : nullptr;
}

chat_state::room* chat_state::find(std::string_view name) {
    const std::size_t i = index_of(name);
    return i < rooms_.size() ? &rooms_[i] : nullptr;
}

const chat_state::room* chat_state::current_room() const {
    return current_ < rooms_.size() ? &rooms_[current_] : nullptr;
}

std::optional<std::string> chat_state::observe(const server_line& line) {
    switch (line.tag) {
        case server_tag::welcome:
            registered_ = true;
            self_ = std::string(line.name);
            break;
        case server_tag::joined:
            // Already in it: the answer to /join of a room we hold, which only makes it current
            // and keeps its place in the join order.
            current_ = index_of(line.room);
            if (current_ == rooms_.size()) {
                rooms_.push_back({std::string(line.room), {}});
                if (!self_.empty()) {
                    rooms_.back().members.add(self_);
                }
            }
            break;
        case server_tag::parted: {
            const std::size_t i = index_of(line.room);
            if (i == rooms_.size()) {
                break;
            }
            rooms_.erase(rooms_.begin() + static_cast<std::ptrdiff_t>(i));
            if (i == current_) {
                current_ = rooms_.empty() ? 0 : rooms_.size() - 1;  // the one joined last
            } else if (i < current_) {
                --current_;
            }
            break;
        }
        case server_tag::join:
            if (room* r = find(line.room)) {
                r->members.add(line.name);
            }
            break;
        case server_tag::leave:
            if (room* r = find(line.room)) {
                r->members.remove(line.name);
            }
            break;
        case server_tag::nick:
            for (auto& r : rooms_) {
                if (r.members.contains(line.name)) {
                    r.members.rename(line.name, line.new_name);
                }
            }
            if (registered_ && name_key(line.name) == name_key(self_)) {
                self_ = std::string(line.new_name);
            }
            break;
        case server_tag::users: {
            // A long list comes in several lines; only the first replaces what we knew.
            const auto part = split_list_part(line.text);
            const bool first = !users_continue_;
            users_continue_ = part.more;
            if (room* r = find(line.room)) {
                if (first) {
                    r->members.replace_all(part.items);
                } else {
                    for_each_name(part.items, [&](std::string_view n) { r->members.add(n); });
                }
                if (!self_.empty()) {
                    r->members.add(self_);  // a USERS from before our own NICK arrived
                }
            }
            break;
        }
        case server_tag::rooms:
            if (!rooms_continue_) {
                listed_rooms_.clear();
            }
            rooms_continue_ = split_list_part(line.text).more;
            for_each_room_entry(line.text, [&](std::string_view name, std::string_view) {
                if (check_room_name(name) == room_name_fault::ok) {
                    listed_rooms_.emplace_back(name);
                }
            });
            break;
        case server_tag::ping:
            return "/pong " + std::string(line.text);
        case server_tag::bye:
            bye_seen_ = true;
            break;
        default:
            break;
    }
    return std::nullopt;
}

std::vector<std::string> chat_state::known_rooms() const {
    std::vector<std::string> out = listed_rooms_;
    for (const auto& r : rooms_) {
        out.push_back(r.name);
    }
    std::stable_sort(out.begin(), out.end(), less_ignoring_case);
    out.erase(std::unique(out.begin(), out.end(),
                          [](const std::string& a, const std::string& b) {
                              return equal_ignoring_case(a, b);
                          }),
              out.end());
    return out;
}

name_roster chat_state::everyone() const {
    name_roster all;
    for (const auto& r : rooms_) {
        for (const auto& n : r.members.names()) {
            all.add(n);
        }
    }
    return all;
}

void chat_state::reset() {
    registered_ = false;
    bye_seen_ = false;
    rooms_.clear();
    current_ = 0;
    listed_rooms_.clear();
}

}  // namespace chat
