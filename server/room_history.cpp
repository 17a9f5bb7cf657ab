#include "server/room_history.hpp"

#include <algorithm>

namespace chat {

std::size_t room_history::append(stored_message m) {
    bytes_ += footprint(m);
    kept_.push_back(std::move(m));
    std::size_t forgotten = 0;
    while (kept_.size() > capacity_) {
        forgotten += forget_oldest(kept_.front().id);
    }
    return forgotten;
}

bool room_history::holds(std::uint64_t id) const {
    const auto it = std::lower_bound(
        kept_.begin(), kept_.end(), id,
        [](const stored_message& m, std::uint64_t wanted) { return m.id < wanted; });
    return it != kept_.end() && it->id == id;
}

std::size_t room_history::forget_oldest(std::uint64_t id) {
    if (kept_.empty() || kept_.front().id != id) {
        return 0;
    }
    if (first_forgotten_ == 0) {
        first_forgotten_ = id;
    }
    last_forgotten_ = std::max(last_forgotten_, id);
    const std::size_t freed = footprint(kept_.front());
    bytes_ -= freed;
    kept_.pop_front();
    return freed;
}

void room_history::forgot_up_to(std::uint64_t id) {
    if (id == 0) {
        return;
    }
    if (first_forgotten_ == 0) {
        first_forgotten_ = 1;  // anything from the start may be missing
    }
    last_forgotten_ = std::max(last_forgotten_, id);
}

history_page room_history::before(std::uint64_t before_id, std::size_t limit) const {
    // kept_ is sorted by id: the first message at or past before_id bounds the candidates.
    const auto end =
        std::lower_bound(kept_.begin(), kept_.end(), before_id,
                         [](const stored_message& m, std::uint64_t id) { return m.id < id; });
    const auto available = static_cast<std::size_t>(end - kept_.begin());
    const std::size_t count = std::min(available, limit);
    history_page page;
    page.messages.reserve(count);
    for (auto it = end - static_cast<std::ptrdiff_t>(count); it != end; ++it) {
        page.messages.push_back(*it);
    }
    // Older ones kept: ask again. None kept, but some forgotten below before_id: a gap.
    if (available > count) {
        page.status = page_status::more;
    } else if (first_forgotten_ != 0 && first_forgotten_ < before_id) {
        page.status = page_status::gap;
    }
    return page;
}

history_page room_history::after(std::uint64_t after_id, std::size_t limit) const {
    const auto begin =
        std::upper_bound(kept_.begin(), kept_.end(), after_id,
                         [](std::uint64_t id, const stored_message& m) { return id < m.id; });
    const auto available = static_cast<std::size_t>(kept_.end() - begin);
    const std::size_t count = std::min(available, limit);
    history_page page;
    page.messages.reserve(count);
    for (auto it = begin; it != begin + static_cast<std::ptrdiff_t>(count); ++it) {
        page.messages.push_back(*it);
    }
    // Something after after_id was forgotten: whatever this page holds, the asker missed it, and
    // a resume must say so before anything else.
    if (last_forgotten_ > after_id) {
        page.status = page_status::gap;
    } else if (available > count) {
        page.status = page_status::more;
    }
    return page;
}

}  // namespace chat
