#include "server/history.hpp"

#include <algorithm>

#include "common/names.hpp"

namespace chat {

history::history(std::unique_ptr<history_store> store, std::size_t ring_capacity,
                 std::size_t memory_budget)
    : store_(std::move(store)), ring_capacity_(ring_capacity), budget_(memory_budget) {}

void history::forget_ring(room_history& ring) {
    bytes_ -= ring.bytes();
    live_rings_.erase(&ring);
}

void history::enforce_budget() {
    while (bytes_ > budget_) {
        // The older of the two: the first message of any ring, or the first private one.
        const bool ring_first =
            !order_.empty() &&
            (privates_.empty() || order_.front().second < privates_.front().message.id);
        if (ring_first) {
            const auto [ring, id] = order_.front();
            order_.pop_front();
            if (live_rings_.contains(ring)) {
                bytes_ -= ring->forget_oldest(id);
            }
        } else if (!privates_.empty()) {
            bytes_ -= privates_.front().counted;
            privates_forgotten_up_to_ = privates_.front().message.id;
            privates_.pop_front();
        } else {
            return;
        }
    }
}

room_history& history::open_room(const std::string& room_key) {
    if (const auto it = rings_.find(room_key); it != rings_.end()) {
        if (it->second.idle) {
            it->second.idle = false;
            std::erase(idle_, room_key);  // at most idle_rings_kept keys
        }
        return it->second.ring;
    }
    room_history& ring =
        rings_.try_emplace(room_key, ring_entry{room_history(ring_capacity_)}).first->second.ring;
    live_rings_.insert(&ring);
    if (store_ == nullptr) {
        // A room let go earlier may have had messages up to forgotten_up_to_: say gap, not
        // complete, for anything that old.
        ring.forgot_up_to(forgotten_up_to_);
        return ring;
    }
    // The newest messages come back from the store; anything older is the store's to answer.
    auto page = store_->room_before(room_key, UINT64_MAX, ring_capacity_);
    if (page.status != page_status::complete) {
        ring.forgot_up_to(page.messages.empty() ? UINT64_MAX - 1 : page.messages.front().id - 1);
    }
    for (auto& m : page.messages) {
        const std::uint64_t id = m.id;
        bytes_ += room_history::footprint(m);
        bytes_ -= ring.append(std::move(m));
        order_.emplace_back(&ring, id);
    }
    enforce_budget();
    return ring;
}

void history::room_closed(const std::string& room_key) {
    const auto it = rings_.find(room_key);
    if (it == rings_.end()) {
        return;
    }
    if (store_ != nullptr) {
        forget_ring(it->second.ring);
        rings_.erase(it);  // the store has it all
        return;
    }
    it->second.idle = true;
    idle_.push_back(room_key);
    if (idle_.size() > idle_rings_kept) {
        const auto oldest = rings_.find(idle_.front());
        forgotten_up_to_ = std::max(forgotten_up_to_, oldest->second.ring.last_id());
        forget_ring(oldest->second.ring);
        rings_.erase(oldest);
        idle_.pop_front();
    }
}

bool history::note_store_failure(std::uint64_t first_lost) {
    if (!store_failed_ && store_->stats().failed) {
        store_failed_ = true;
        failed_at_ = first_lost;
    }
    return store_failed_;
}

void history::sweep_order() {
    // Entries of messages that rings dropped by their own capacity (a busy room) pile up behind
    // one of a quiet room that is still kept: sweep them all, at a size that doubles with what
    // is left, so the sweeps cost O(1) per message.
    std::erase_if(order_, [this](const auto& entry) {
        return !live_rings_.contains(entry.first) || !entry.first->holds(entry.second);
    });
    sweep_at_ = std::max<std::size_t>(4096, 2 * order_.size());
}

void history::record_room(room_history& ring, std::string_view room_key, stored_message m) {
    if (store_writable()) {
        // Buffered until the commit, which is where a disk failure shows (see commit).
        store_->append_room(room_key, m);
    }
    const std::uint64_t id = m.id;
    bytes_ += room_history::footprint(m);
    bytes_ -= ring.append(std::move(m));
    order_.emplace_back(&ring, id);
    if (bytes_ > budget_) {
        enforce_budget();
    }
    if (order_.size() > sweep_at_) {
        sweep_order();
    }
}

void history::record_private(std::string_view sender_session, std::string_view recipient_session,
                             stored_message m) {
    if (store_writable()) {
        store_->append_private(sender_session, recipient_session, m);
        if (!note_store_failure(m.id)) {
            return;
        }
    }
    const std::size_t counted = room_history::footprint(m) + recipient_session.size();
    bytes_ += counted;
    privates_.push_back({std::string(recipient_session), std::move(m), counted});
    if (privates_.size() > private_messages_kept) {
        bytes_ -= privates_.front().counted;
        privates_forgotten_up_to_ = privates_.front().message.id;
        privates_.pop_front();
    }
    enforce_budget();
}

history_page history::latest(room_history& ring, std::string_view room_key, std::size_t limit) {
    return before(ring, room_key, UINT64_MAX, limit);
}

history_page history::before(room_history& ring, std::string_view room_key, std::uint64_t id,
                             std::size_t limit) {
    auto page = ring.before(id, limit);
    // Once the store has failed it holds an old part only: the ring's answer, gap and all.
    if (page.status == page_status::gap && store_ != nullptr && !store_failed_) {
        return store_->room_before(room_key, id, limit);  // deeper than memory: ask the file
    }
    return page;
}

history_page history::after(room_history& ring, std::string_view room_key, std::uint64_t id,
                            std::size_t limit) {
    auto page = ring.after(id, limit);
    if (page.status == page_status::gap && store_ != nullptr && !store_failed_) {
        return store_->room_after(room_key, id, limit);
    }
    return page;
}

history_page history::missed(std::span<const std::string> room_keys, std::string_view self_key,
                             std::string_view self_session, std::uint64_t after_id,
                             std::size_t limit) {
    if (store_writable()) {
        return store_->missed(room_keys, self_key, self_session, after_id, limit);
    }
    // Memory only (or since the store failed): merge the rings' pages and the private
    // messages, oldest first. Each source gives at most `limit` after `after_id`, so a part
    // costs O(limit) whatever the backlog; a source cut short bounds what the merge may keep,
    // since its next messages (not looked at) could come before another source's.
    history_page merged;
    bool gap = store_failed_ && after_id < failed_at_;
    std::uint64_t cut = UINT64_MAX;  // keep only ids up to this: sources beyond it are unread
    for (const auto& key : room_keys) {
        const auto it = rings_.find(key);
        if (it == rings_.end()) {
            gap = gap || forgotten_up_to_ > after_id;
            continue;
        }
        auto page = it->second.ring.after(after_id, limit);
        gap = gap || page.status == page_status::gap;
        if (page.status == page_status::more && !page.messages.empty()) {
            cut = std::min(cut, page.messages.back().id);
        }
        for (auto& m : page.messages) {
            if (name_key(m.sender) != self_key) {
                merged.messages.push_back(std::move(m));
            }
        }
    }
    gap = gap || privates_forgotten_up_to_ > after_id;
    auto p = std::upper_bound(
        privates_.begin(), privates_.end(), after_id,
        [](std::uint64_t id, const private_entry& e) { return id < e.message.id; });
    for (; p != privates_.end() && p->message.id <= cut; ++p) {
        if (p->recipient_session == self_session) {
            merged.messages.push_back(p->message);
        }
    }
    std::sort(merged.messages.begin(), merged.messages.end(),
              [](const stored_message& a, const stored_message& b) { return a.id < b.id; });
    std::erase_if(merged.messages, [cut](const stored_message& m) { return m.id > cut; });
    const bool more = cut != UINT64_MAX || merged.messages.size() > limit;
    if (merged.messages.size() > limit) {
        merged.messages.resize(limit);
    }
    if (gap) {
        merged.status = page_status::gap;
    } else if (more) {
        merged.status = page_status::more;
    }
    return merged;
}

}  // namespace chat
