#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace chat {

// Until room_history moves to the types of stored_message.hpp, its own types of the same names
// live in an inline namespace: two classes both mangled `chat::stored_message` in one program
// would share one (wrong) destructor at link time.
inline namespace recent {

/// One room message as it was sent: what a replay needs to send the original line again.
struct stored_message {
    std::uint64_t id = 0;
    bool action = false;  ///< `ME` rather than `MSG`
    std::string time;     ///< RFC 3339 UTC, as sent
    std::string sender;
    std::string text;
};

/// How a page of history ends, as `HISTORY <room> <status> <count>` will say it.
enum class page_status {
    complete,  ///< nothing further in that direction
    more,      ///< more is kept: ask again from the page's end
    gap,       ///< some of what was asked for is no longer kept (retention passed)
};

/// A page of messages, oldest first, pointing into the history it came from (valid until the
/// next `append`).
struct history_page {
    std::vector<const stored_message*> messages;
    page_status status = page_status::complete;
};

/// The most recent messages of one room, in memory: what a join replays and what most
/// `/history` pages are served from without touching the database. Holds at most `capacity`
/// messages; older ones are forgotten, and a page that reaches past them says `gap`. Pure: no
/// clock, no I/O, ids given by the caller and increasing.
class room_history {
  public:
    explicit room_history(std::size_t capacity) : capacity_(capacity) {}

    /// Keeps `m`, whose id is larger than every id kept before; forgets the oldest past capacity.
    void append(stored_message m);

    /// Up to `limit` messages with an id below `before_id`, the newest of them, oldest first.
    history_page before(std::uint64_t before_id, std::size_t limit) const;

    /// Up to `limit` messages with an id above `after_id`, the oldest of them, oldest first.
    history_page after(std::uint64_t after_id, std::size_t limit) const;

    /// The last `limit` messages, oldest first: what a join replays.
    history_page latest(std::size_t limit) const { return before(UINT64_MAX, limit); }

    std::size_t size() const { return kept_.size(); }

  private:
    std::size_t capacity_;
    std::deque<stored_message> kept_;    // ids increasing
    std::uint64_t first_forgotten_ = 0;  // the oldest id ever forgotten; 0: none yet
    std::uint64_t last_forgotten_ = 0;   // the newest id forgotten so far
};

}  // namespace recent
}  // namespace chat
