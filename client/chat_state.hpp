#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "client/completion.hpp"
#include "common/server_line.hpp"

namespace chat {

/// What the client knows about its session, learnt from the server's lines: whether our name was
/// accepted and what it is now, the rooms we are in (in the order joined) and which one is
/// current, who is in each, the rooms `/rooms` listed, whether the server said goodbye. Both the
/// interactive and the scripted client keep one. Pure: no I/O.
///
/// The current room follows the server's rule: a `JOINED` makes its room current (also for a
/// room we were in already), and a `PARTED` of the current room makes the most recently joined
/// room still held current, or none. Only answers to our own lines change it, and the server
/// answers in order, so at any line from the server this is the current room the server had when
/// it handled the line we sent last before that answer.
class chat_state {
  public:
    /// A room we are in.
    struct room {
        std::string name;     ///< as the server spells it
        name_roster members;  ///< from `USERS`, `JOIN`, `LEAVE`, `NICK`; ours included
    };

    /// Updates from one server line. Returns a line to send back at once, if any: `/pong TOKEN`
    /// for a `PING`, which both modes answer without being asked.
    std::optional<std::string> observe(const server_line& line);

    /// Forgets the connection (it was lost): not registered, in no room, nobody known, no goodbye
    /// seen. The name is kept, to be asked for again.
    void reset();

    /// True between `WELCOME` and the end of the connection.
    bool registered() const { return registered_; }
    /// Our name as the server knows it (after `WELCOME` and our own `NICK`); empty before.
    const std::string& self() const { return self_; }
    /// True once `BYE` arrived on this connection.
    bool bye_seen() const { return bye_seen_; }

    /// The rooms we are in, in the order joined.
    const std::vector<room>& rooms() const { return rooms_; }
    /// The room a plain line goes to, or null when we are in none.
    const room* current_room() const;
    /// The room called `name` (any letter case) if we are in it, else null.
    const room* find_room(std::string_view name) const;
    /// Rooms for `/join`: those `/rooms` listed last and those we are in, sorted, no duplicates.
    std::vector<std::string> known_rooms() const;
    /// Everyone in any of our rooms, ours included: for completing names.
    name_roster everyone() const;

  private:
    /// Where `name` is in rooms_, or rooms_.size().
    std::size_t index_of(std::string_view name) const;
    room* find(std::string_view name);

    bool registered_ = false;
    bool bye_seen_ = false;
    std::string self_;
    std::vector<room> rooms_;  // in the order joined
    std::size_t current_ = 0;  // index into rooms_; rooms_.size() when none
    std::vector<std::string> listed_rooms_;
    bool users_continue_ = false;  // the last USERS line ended in "+": more of it follows
    bool rooms_continue_ = false;  // likewise for ROOMS
};

}  // namespace chat
