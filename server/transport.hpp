#pragma once

#include <string>
#include <string_view>

#include "common/frame_arena.hpp"
#include "server/close_reason.hpp"

namespace chat {

/// How soon a frame must leave. Messages go out at the end of the current turn of the event
/// loop; notices (JOIN, LEAVE, NICK) may wait a few milliseconds to share a write with others,
/// which turns a join storm in a big room from N^2 writes into a few per member.
enum class urgency { now, soon };

/// What a connection core needs from the transport under it: a TCP session today, a TLS or
/// WebSocket session later. The transport moves bytes; the core decides what they say.
class transport {
  public:
    /// Queues `f` for sending. Must not close the connection or call back into the core: a room
    /// may be in the middle of a broadcast.
    virtual void deliver(const frame& f, urgency when) = 0;

    /// Begins closing because the core decided so (`/quit`). The transport calls the core's
    /// `on_close` itself, as on every other way out. Never called inside a broadcast.
    virtual void close(close_reason reason, std::string_view text) = 0;

    /// Bytes queued for the peer and not yet taken by its socket.
    virtual std::size_t queued_bytes() const = 0;

    /// The peer, for log lines.
    virtual std::string describe_peer() const = 0;

    /// Asks for the core's `continue_replay` from a later handler, soon when little is queued for
    /// the peer and once it has read more otherwise.
    virtual void continue_later() = 0;

    /// Whether this connection's comings and goings are logged: false for one past the
    /// connection log's limit in a connection storm (see server).
    virtual bool logged() const = 0;

  protected:
    transport() = default;
    transport(const transport&) = default;
    transport& operator=(const transport&) = default;
    ~transport() = default;
};

}  // namespace chat
