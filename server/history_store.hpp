#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "server/stored_message.hpp"

namespace chat {

/// Counters an operator (and /stats, and later the metrics endpoint) reads.
struct history_store_stats {
    std::uint64_t messages_stored = 0;  ///< rows committed since start
    std::uint64_t commits = 0;
    std::uint64_t write_failures = 0;  ///< failed appends or commits (disk full, I/O error)
    bool failed = false;               ///< gave up writing after a failure: memory-only now
};

/// The durable side of the history: where messages, topics and resume tokens outlive the
/// process. One implementation today (SQLite); a shared log several daemons append to could be
/// another. Everything runs on the event loop's thread; no call waits on a disk flush.
///
/// Appends are visible to this store's own reads at once and become durable at `commit`, which
/// the server calls before any socket write (docs/architecture.md: nothing is shown before it
/// is stored). After a failed write the store logs it, counts it, and turns memory-only: later
/// appends are dropped, reads answer what they still can, and chat goes on.
class history_store {
  public:
    virtual ~history_store() = default;

    /// Keeps room message `m` (m.room set) of the room whose key is `room_key`. Ids rise from one
    /// append to the next, as the server hands them out.
    virtual void append_room(std::string_view room_key, const stored_message& m) = 0;
    /// Keeps private message `m` from the session `sender_session` to the session
    /// `recipient_session`. Sessions, not names: a name can pass to someone else, a session
    /// (kept through resumes and renames) cannot, so only those two can ever read it back.
    virtual void append_private(std::string_view sender_session, std::string_view recipient_session,
                                const stored_message& m) = 0;
    /// Whether appends wait for `commit`.
    virtual bool pending() const = 0;
    /// Makes every append so far durable (one transaction per turn of the event loop).
    virtual void commit() = 0;
    /// Notes, for the next commit, that ids up to `id` have been handed out (some go to no
    /// stored message, such as a private message to oneself): `max_id` stays at or above it, so
    /// no id shown is ever handed out again after a crash.
    virtual void note_ids_up_to(std::uint64_t id) = 0;

    /// Up to `limit` messages of the room with an id below `before_id`, the newest of them,
    /// oldest first; `more` when older ones are kept, `gap` when older ones were pruned.
    virtual history_page room_before(std::string_view room_key, std::uint64_t before_id,
                                     std::size_t limit) = 0;
    /// Up to `limit` messages of the room with an id above `after_id`, the oldest of them;
    /// `gap` when any message of the room above `after_id` was pruned, else `more` or `complete`.
    virtual history_page room_after(std::string_view room_key, std::uint64_t after_id,
                                    std::size_t limit) = 0;
    /// What a resuming user missed: messages with an id above `after_id` in the rooms
    /// `room_keys` not sent by the name whose key is `self_key`, and private messages to the
    /// session `self_session`, merged in id order, at most `limit`. `gap` when something in that
    /// range was pruned.
    virtual history_page missed(std::span<const std::string> room_keys, std::string_view self_key,
                                std::string_view self_session, std::uint64_t after_id,
                                std::size_t limit) = 0;

    /// Keeps a room's topic (an empty text: none), so that it survives a restart.
    virtual void save_topic(std::string_view room_key, const std::optional<room_topic>& t) = 0;
    virtual std::optional<room_topic> load_topic(std::string_view room_key) = 0;

    /// Keeps (or replaces) a resume token's record.
    virtual void save_token(const resume_record& r) = 0;
    virtual std::optional<resume_record> find_token(const token_hash& h) = 0;
    /// Gives every record still marked open-ended (sessions that were live when the process
    /// last ended, by a crash) the expiry `expires_ms`. Run once at start-up.
    virtual void close_open_tokens(std::int64_t expires_ms) = 0;
    virtual void erase_token(const token_hash& h) = 0;

    /// The largest message id ever stored (pruned ones included), 0 for none: new ids start
    /// above it.
    virtual std::uint64_t max_id() = 0;

    virtual history_store_stats stats() const = 0;
};

}  // namespace chat
