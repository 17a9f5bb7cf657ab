#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "server/history_store.hpp"
#include "server/room_history.hpp"
#include "server/stored_message.hpp"

namespace chat {

/// Every message the server keeps, and the pages of it that joins, `/history` and resumes ask
/// for. Recent messages of each live room are in memory (a room_history ring); the store, when
/// there is one, has them all and answers what the rings cannot. Without a store the rings (and
/// a ring of private messages) are the whole history, and rooms no one is in keep theirs until
/// more than `idle_rings_kept` such rooms pile up.
///
/// What the rings hold is bounded in bytes (`memory_budget`, --history-memory-mb), whatever the
/// number of rooms: past it the oldest messages in memory go first, from whichever ring holds
/// them, and a page that reaches there says `gap` (or, with a store, is read from the file).
///
/// A room holds a pointer to its ring, so that recording a message costs no lookup by name.
class history {
  public:
    /// Rooms without members whose rings are kept when there is no store.
    static constexpr std::size_t idle_rings_kept = 1000;
    /// Private messages kept in memory when there is no store.
    static constexpr std::size_t private_messages_kept = 10'000;

    /// `store` may be null: memory only, `ring_capacity` messages per room, `memory_budget` bytes
    /// of messages in all.
    history(std::unique_ptr<history_store> store, std::size_t ring_capacity,
            std::size_t memory_budget);

    /// The ring of the room whose key is `room_key`, made (and filled from the store) if need
    /// be. Valid until `room_closed` for that key.
    room_history& open_room(const std::string& room_key);
    /// The room has no members left: its ring may go.
    void room_closed(const std::string& room_key);

    /// Records a message sent to a room (`ring` from open_room).
    void record_room(room_history& ring, std::string_view room_key, stored_message m);
    /// Records a private message between two sessions (see history_store::append_private).
    void record_private(std::string_view sender_session, std::string_view recipient_session,
                        stored_message m);

    /// Commits what was recorded, if anything, and that ids up to `last_id` were handed out:
    /// called before any socket write.
    void commit(std::uint64_t last_id) {
        if (store_writable() && (store_->pending() || last_id > ids_noted_)) {
            store_->note_ids_up_to(last_id);  // writes only once per block of ids
            ids_noted_ = last_id;
            store_->commit();
            note_store_failure(UINT64_MAX);  // what the failed commit held is not known
        }
    }

    /// Pages of a room's history; see room_history for the statuses.
    history_page latest(room_history& ring, std::string_view room_key, std::size_t limit);
    history_page before(room_history& ring, std::string_view room_key, std::uint64_t id,
                        std::size_t limit);
    history_page after(room_history& ring, std::string_view room_key, std::uint64_t id,
                       std::size_t limit);

    /// What a resuming user missed; see history_store::missed.
    history_page missed(std::span<const std::string> room_keys, std::string_view self_key,
                        std::string_view self_session, std::uint64_t after_id, std::size_t limit);

    /// The store, or null.
    history_store* store() { return store_.get(); }
    /// Bytes of message text, names and rooms held in memory now.
    std::size_t memory_bytes() const { return bytes_; }

    /// The largest id stored before this run: ids continue above it.
    std::uint64_t max_stored_id() { return store_ != nullptr ? store_->max_id() : 0; }

  private:
    struct private_entry {
        std::string recipient_session;
        stored_message message;
        std::size_t counted;  // bytes added to bytes_ for it, taken off again as they were
    };
    struct ring_entry {
        room_history ring;
        bool idle = false;
    };

    /// Forgets the oldest messages in memory until the budget holds.
    void enforce_budget();
    /// Whether appends go to the store: there is one and it has not given up writing.
    bool store_writable() const { return store_ != nullptr && !store_failed_; }
    /// After a write to the store: if it has given up (disk full, I/O error), keeps everything
    /// in memory from now on, and resumes from before `first_lost` say gap. True when it failed.
    bool note_store_failure(std::uint64_t first_lost);
    /// Drops the entries of order_ whose message is gone, once it has grown past sweep_at_.
    void sweep_order();
    void forget_ring(room_history& ring);

    std::unique_ptr<history_store> store_;
    std::size_t ring_capacity_;
    std::size_t budget_;
    std::size_t bytes_ = 0;
    /// Every message in a ring, oldest first, by ring and id: the order the budget evicts in.
    /// An entry whose ring is gone, or whose message the ring already dropped, is skipped.
    std::deque<std::pair<room_history*, std::uint64_t>> order_;
    std::unordered_set<room_history*> live_rings_;
    std::size_t sweep_at_ = 4096;  // order_'s size that makes sweep_order run
    std::uint64_t ids_noted_ = 0;  // the last id given to the store's note_ids_up_to
    bool store_failed_ = false;    // the store gave up writing: keep in memory from then on
    std::uint64_t failed_at_ = 0;  // the first id the store did not keep
    std::unordered_map<std::string, ring_entry> rings_;
    std::deque<std::string> idle_;        // keys of rings kept for rooms with no members
    std::uint64_t forgotten_up_to_ = 0;   // newest id of any ring let go (memory only)
    std::deque<private_entry> privates_;  // memory only
    std::uint64_t privates_forgotten_up_to_ = 0;
};

}  // namespace chat
