#pragma once

#include <cstdint>
#include <memory_resource>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/frame_arena.hpp"
#include "server/stored_message.hpp"
#include "server/transport.hpp"

namespace chat {

class connection;
class room_history;

/// One named room: its members, its topic, and the fan-out of every frame sent to it. Holds
/// members by plain pointer: a connection leaves every room before it goes (`connection`
/// guarantees it), as Beast's chat example lets a session leave in its destructor.
///
/// Membership is kept on both sides with an index into the other, so that joining and leaving
/// are O(1) in the room's size and O(rooms) in the connection's: the room's `members_` entry
/// knows where in the connection's list it is, and the connection's entry knows its slot here.
/// A membership costs 32 bytes (16 here, 16 in the connection) plus the vectors' slack; both
/// arrays live in the connection pool, in size classes, so that arrays outgrown and freed are
/// reused rather than left between live ones on the heap.
class room {
  public:
    /// Member arrays are allocated from `memory` (the connection pool).
    room(std::string name, std::string key, std::pmr::memory_resource* memory)
        : name_(std::move(name)), key_(std::move(key)), members_(memory) {}
    room(const room&) = delete;
    room& operator=(const room&) = delete;

    /// The name as its creator spelled it, `#` included.
    const std::string& name() const { return name_; }
    /// The name as rooms are compared (`room_key`): what the history is kept by.
    const std::string& key() const { return key_; }
    /// The room's recent messages (history::open_room); null until the first member joins.
    room_history* recent() const { return recent_; }
    void set_recent(room_history* h) { recent_ = h; }
    std::size_t size() const { return members_.size(); }
    bool empty() const { return members_.empty(); }

    /// Makes `c` a member. The caller has checked that it is not one yet.
    void add(connection& c);
    /// Ends the membership that is `c`'s `membership_index`-th. Keeps the order of `c`'s other
    /// rooms (the most recently joined stays last).
    static void remove(connection& c, std::size_t membership_index);

    /// Queues `f` on every member but `except`. `deliver` never closes anyone, so the members
    /// cannot change under the loop.
    void broadcast(const frame& f, const connection* except, urgency when);

    /// Calls `f(connection&)` for each member, in no particular order.
    template <class F>
    void for_each_member(F&& f) const {
        for (const auto& m : members_) {
            f(*m.who);
        }
    }

    /// The room's `USERS` lines, sorted without regard to case, in lines of at most `max_line`.
    /// Encoded once and kept until a member joins, leaves or is renamed: a thousand `/who` of a
    /// big room cost one encoding, and each reply is a share of the same frames.
    const std::vector<frame>& member_list(frame_arena& arena, std::size_t max_line);
    /// Forgets the encoded member list; the next `member_list` encodes it anew.
    void member_list_changed() { member_list_.clear(); }

    const std::optional<room_topic>& topic() const { return topic_; }
    void set_topic(room_topic t) { topic_ = std::move(t); }

  private:
    friend class connection;
    struct member {
        connection* who;
        std::uint32_t slot;  // where this room is in who->rooms_
    };

    std::string name_;
    std::string key_;
    std::pmr::vector<member> members_;
    room_history* recent_ = nullptr;
    std::optional<room_topic> topic_;
    std::vector<frame> member_list_;  // empty: not encoded since the last change
    std::size_t next_first_ = 0;      // where the next broadcast starts in members_
};

}  // namespace chat
