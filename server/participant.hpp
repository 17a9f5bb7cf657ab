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

    /// Queues `f` for sending. Must not send synchronously, close the participant or call back
    /// into the room: the room may be in the middle of a broadcast.
    virtual void deliver(const frame& f) = 0;

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
