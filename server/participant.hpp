#pragma once

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>

#include "common/frame_arena.hpp"

namespace chat {

class room;

/// Anything a room can route frames to: a TCP session today, a WebSocket session or a link to
/// another daemon later. The room keeps its name and place; the participant only queues frames.
class participant {
  public:
    participant() = default;
    participant(const participant&) = delete;
    participant& operator=(const participant&) = delete;
    virtual ~participant() = default;

    /// How soon a frame must leave. Messages go out at the end of the current turn of the event
    /// loop; notices (JOIN, LEAVE, NICK) may wait a few milliseconds to share a write with
    /// others, which turns a join storm in a big room from N^2 writes into a few per member.
    enum class urgency { now, soon };

    /// Queues `f` for sending. Must not close the participant or call back into the room: the
    /// room may be in the middle of a broadcast.
    virtual void deliver(const frame& f, urgency when) = 0;
    void deliver(const frame& f) { deliver(f, urgency::now); }

    /// The name the room knows this participant by; empty before it joins.
    const std::string& name() const { return name_; }
    bool in_room() const { return slot_ != no_slot; }

  private:
    friend class room;
    static constexpr std::size_t no_slot = std::numeric_limits<std::size_t>::max();
    std::string name_;
    std::size_t slot_ = no_slot;
};

}  // namespace chat
