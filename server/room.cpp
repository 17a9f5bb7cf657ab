#include "server/room.hpp"

#include <algorithm>
#include <chrono>

#include "common/encode.hpp"
#include "common/spare_capacity.hpp"

namespace chat {

namespace {

char ascii_lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

room::room(frame_arena& broadcasts, frame_arena& directs, std::uint64_t name_seed,
           std::pmr::memory_resource* memory)
    : arena_(broadcasts), directs_(directs), by_key_(memory), names_(name_seed) {}

bool room::has_name(std::string_view name) const {
    return by_key_.contains(name_skeleton(name));
}

std::string_view room::taken_by(std::string_view name) const {
    const auto it = by_key_.find(name_skeleton(name));
    return it == by_key_.end() ? std::string_view{} : std::string_view{it->second->name_};
}

std::string room::generate_name() {
    // The generator has about 50,000 names; after a run of collisions (a huge or hostile room)
    // a counter guarantees progress.
    for (int attempt = 0; attempt < 32; ++attempt) {
        std::string name = names_.next();
        if (!has_name(name)) {
            return name;
        }
    }
    for (std::uint64_t n = members_.size();; ++n) {
        std::string name = "guest-" + std::to_string(n);
        if (!has_name(name)) {
            return name;
        }
    }
}

route_result room::join(const std::shared_ptr<participant>& p, std::string_view name) {
    std::string chosen = name.empty() ? generate_name() : std::string(name);
    if (check_name(chosen) != name_fault::ok) {
        return route_result::name_invalid;
    }
    auto [it, inserted] = by_key_.try_emplace(name_skeleton(chosen), p.get());
    if (!inserted) {
        return route_result::name_taken;
    }
    p->name_ = std::move(chosen);
    p->slot_ = members_.size();
    members_.push_back(p);
    broadcast(encode_line(arena_, {"JOIN", p->name_}), p.get(), participant::urgency::soon);
    return route_result::ok;
}

void room::leave(participant& p, leave_reason reason, std::string_view text, bool notify) {
    if (!p.in_room() || p.slot_ >= members_.size() || members_[p.slot_].get() != &p) {
        return;
    }
    // Keep the member alive until the end of this call: it may be the last owner.
    const std::shared_ptr<participant> keep = members_[p.slot_];
    const std::size_t slot = p.slot_;
    members_[slot] = std::move(members_.back());
    members_[slot]->slot_ = slot;
    members_.pop_back();
    give_back_spare_capacity(members_);
    p.slot_ = participant::no_slot;
    by_key_.erase(name_skeleton(p.name_));
    if (notify && !members_.empty()) {
        const frame f = text.empty()
                            ? encode_line(arena_, {"LEAVE", p.name_, to_string(reason)})
                            : encode_line(arena_, {"LEAVE", p.name_, to_string(reason), text});
        broadcast(f, nullptr, participant::urgency::soon);
    }
}

frame room::encode_message(frame_arena& arena, std::string_view tag, std::string_view from,
                           std::string_view text) {
    const decimal id{next_id_++};
    const auto now = clock_text_.format(std::chrono::system_clock::now());
    return encode_line(arena, {tag, id.view(), now, from, text});
}

void room::broadcast(const frame& f, const participant* except, participant::urgency when) {
    // deliver() never closes anyone synchronously, so members_ cannot change under this loop.
    // Members are written in the order they are queued, a big room's in slices (see
    // write_scheduler): each broadcast starts one member further on, so nobody is always last.
    const std::size_t count = members_.size();
    if (count == 0) {
        return;
    }
    const std::size_t start = next_first_++ % count;
    for (std::size_t i = 0; i < count; ++i) {
        const std::size_t slot = start + i < count ? start + i : start + i - count;
        participant* member = members_[slot].get();
        if (member != except) {
            member->deliver(f, when);
        }
    }
}

void room::say(participant& from, std::string_view text) {
    broadcast(encode_message(arena_, "MSG", from.name_, text), &from);
}

void room::act(participant& from, std::string_view text) {
    broadcast(encode_message(arena_, "ME", from.name_, text), &from);
}

route_result room::whisper(participant& from, std::string_view to, std::string_view text) {
    // Names are unique by skeleton, but a message goes only to the name typed (in any case).
    const auto it = by_key_.find(name_skeleton(to));
    if (it == by_key_.end() || name_key(it->second->name_) != name_key(to)) {
        return route_result::no_such_user;
    }
    it->second->deliver(encode_message(directs_, "PRIV", from.name_, text));
    return route_result::ok;
}

route_result room::rename(participant& p, std::string_view new_name) {
    if (check_name(new_name) != name_fault::ok) {
        return route_result::name_invalid;
    }
    std::string new_key = name_skeleton(new_name);
    std::string old_key = name_skeleton(p.name_);
    if (new_key != old_key) {
        auto [it, inserted] = by_key_.try_emplace(std::move(new_key), &p);
        if (!inserted) {
            return route_result::name_taken;
        }
        by_key_.erase(old_key);
    } else if (new_name == p.name_) {
        return route_result::ok;  // nothing changes, nobody needs telling
    }
    const frame f = encode_line(arena_, {"NICK", p.name_, new_name});
    p.name_ = std::string(new_name);
    broadcast(f, nullptr, participant::urgency::soon);
    return route_result::ok;
}

void room::who(participant& to) {
    std::vector<const std::string*> names;
    names.reserve(members_.size());
    for (const auto& member : members_) {
        names.push_back(&member->name_);
    }
    std::sort(names.begin(), names.end(), [](const std::string* a, const std::string* b) {
        return std::lexicographical_compare(
            a->begin(), a->end(), b->begin(), b->end(),
            [](char x, char y) { return ascii_lower(x) < ascii_lower(y); });
    });
    std::string line = "USERS";
    for (const auto* name : names) {
        line.append(" ").append(*name);
    }
    to.deliver(encode_line(directs_, {line}));
}

}  // namespace chat
