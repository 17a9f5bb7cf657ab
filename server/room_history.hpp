#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>

#include "server/stored_message.hpp"

namespace chat {

/// The most recent messages of one room, in memory: what a join replays and what most
/// `/history` pages are served from without touching the database. Holds at most `capacity`
/// messages; older ones are forgotten, and a page that reaches past them says `gap`. Pure: no
/// clock, no I/O, ids given by the caller and increasing.
class room_history {
  public:
    explicit room_history(std::size_t capacity) : capacity_(capacity) {}

    std::size_t capacity() const { return capacity_; }
    /// The newest id kept, 0 when none.
    std::uint64_t last_id() const { return kept_.empty() ? 0 : kept_.back().id; }

    /// Keeps `m`, whose id is larger than every id kept before; forgets the oldest past capacity.
    /// Returns the bytes (`footprint`) of what it forgot.
    std::size_t append(stored_message m);

    /// Forgets the oldest message if its id is `id`; returns its bytes, or 0.
    std::size_t forget_oldest(std::uint64_t id);

    /// What a message costs in memory, roughly: its strings and the deque's slot.
    static std::size_t footprint(const stored_message& m) {
        return sizeof(stored_message) + heap_bytes(m.room) + heap_bytes(m.sender) +
               heap_bytes(m.text);
    }
    /// Whether the message `id` is kept.
    bool holds(std::uint64_t id) const;
    /// Bytes of everything kept.
    std::size_t bytes() const { return bytes_; }

    /// Records that messages up to `id` may have existed and are not kept here (history that
    /// was never loaded, or a room forgotten to make room for others): pages reaching there
    /// say `gap`.
    void forgot_up_to(std::uint64_t id);

    /// Up to `limit` messages with an id below `before_id`, the newest of them, oldest first.
    history_page before(std::uint64_t before_id, std::size_t limit) const;

    /// Up to `limit` messages with an id above `after_id`, the oldest of them, oldest first.
    history_page after(std::uint64_t after_id, std::size_t limit) const;

    /// The last `limit` messages, oldest first: what a join replays.
    history_page latest(std::size_t limit) const { return before(UINT64_MAX, limit); }

    std::size_t size() const { return kept_.size(); }

  private:
    static std::size_t heap_bytes(const std::string& s) {
        return s.capacity() > 15 ? s.capacity() + 1 : 0;  // beyond the small-string buffer
    }

    std::size_t capacity_;
    std::size_t bytes_ = 0;
    std::deque<stored_message> kept_;    // ids increasing
    std::uint64_t first_forgotten_ = 0;  // the oldest id ever forgotten; 0: none yet
    std::uint64_t last_forgotten_ = 0;   // the newest id forgotten so far
};

}  // namespace chat
