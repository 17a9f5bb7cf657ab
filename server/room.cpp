#include "server/room.hpp"

#include <algorithm>

#include "common/encode.hpp"
#include "common/text_util.hpp"
#include "server/connection.hpp"
#include "server/memory_policy.hpp"

namespace chat {

void room::add(connection& c) {
    member_list_changed();
    reserve_one_more(members_);
    reserve_one_more(c.rooms_);
    members_.push_back({&c, static_cast<std::uint32_t>(c.rooms_.size())});
    c.rooms_.push_back({this, static_cast<std::uint32_t>(members_.size() - 1)});
}

void room::remove(connection& c, std::size_t membership_index) {
    const auto m = c.rooms_[membership_index];
    room& r = *m.where;
    r.member_list_changed();
    // Here: swap the last member into the hole and tell it its new slot.
    const std::size_t last = r.members_.size() - 1;
    if (m.slot != last) {
        r.members_[m.slot] = r.members_[last];
        const member& moved = r.members_[m.slot];
        moved.who->rooms_[moved.slot].slot = m.slot;
    }
    r.members_.pop_back();
    give_back_spare_capacity(r.members_);
    // There: erase in place so the connection's rooms stay in the order joined, and renumber
    // the few that moved.
    c.rooms_.erase(c.rooms_.begin() + static_cast<std::ptrdiff_t>(membership_index));
    for (std::size_t i = membership_index; i < c.rooms_.size(); ++i) {
        const auto& later = c.rooms_[i];
        later.where->members_[later.slot].slot = static_cast<std::uint32_t>(i);
    }
}

const std::vector<frame>& room::member_list(frame_arena& arena, std::size_t max_line) {
    if (member_list_.empty()) {
        std::vector<std::string_view> names;
        names.reserve(members_.size());
        for (const auto& m : members_) {
            names.emplace_back(m.who->name());
        }
        std::sort(names.begin(), names.end(), less_ignoring_case);
        member_list_ = encode_users(arena, name_, names, max_line);
    }
    return member_list_;
}

void room::broadcast(const frame& f, const connection* except, urgency when) {
    // Members are written in the order they are queued, a big room's in slices (see
    // write_scheduler): each broadcast starts one member further on, so nobody is always last.
    const std::size_t count = members_.size();
    if (count == 0) {
        return;
    }
    const std::size_t start = next_first_++ % count;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t slot = start + i < count ? start + i : start + i - count;
        connection* who = members_[slot].who;
        if (who != except) {
            who->deliver(f, when);
        }
    }
}

}  // namespace chat
