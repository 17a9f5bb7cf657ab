#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "test/bench/bench_config.hpp"

namespace chat::bench {

/// What one line from the server means to the run.
enum class line_kind {
    other,       ///< nothing the run acts on: TOPIC, +OK, the parts of a Redis reply ...
    greeting,    ///< the server spoke first (chat HELLO, NATS INFO): answer with `after_greeting`
    registered,  ///< chat WELCOME, Redis +PONG, NATS PONG: the connection's handshake is done
    joined,      ///< chat JOINED, a Redis SUBSCRIBE confirmation: in a room; `text` is its name
                 ///< (chat only)
    notice,      ///< chat JOIN: somebody else entered a room; `text` is the room (chat/2 only)
    delivery,    ///< a message for this client; `text` is its payload
    ack,         ///< chat SENT, a Redis PUBLISH reply: one message of ours was taken; Redis:
                 ///< `text` is how many subscribers got it
    ping,        ///< the server wants a sign of life: send `pong(text)`
    left,        ///< chat: somebody left a room; `text` is the whole line
    fault,       ///< an error or a goodbye; `text` is the whole line
};

struct line_event {
    line_kind kind = line_kind::other;
    std::string_view text;
};

/// Per-connection parser state; only the Redis and NATS framings need any.
struct wire_state {
    std::int64_t elements = 0;  // Redis: elements left in the array being read
    std::int64_t index = 0;     // Redis: which element comes next
    bool bulk_next = false;     // Redis: the next line is a bulk string's data
    bool is_message = false;    // Redis: this array is a pub/sub "message"
    bool is_subscribe = false;  // Redis: this array confirms a SUBSCRIBE
    bool payload_next = false;  // NATS: the next line is a MSG's payload
};

/// The three protocols reduced to what a load run needs: how to join, how to publish one
/// payload, and what an incoming line is. Lines are cut at `\n` by the caller, a trailing `\r`
/// removed. Payloads never hold CR or LF, so a Redis bulk string or a NATS payload is always
/// exactly one line; that is what lets one line splitter serve all three.
///
/// A room is a chat room (`#r0001`), a Redis channel or a NATS subject (`r0001`). The one-room
/// scenarios use the chat server's default room (every client is put there on registering;
/// chat/1 had only that one) and the channel or subject `bench`.
class wire {
  public:
    /// `protocol` (1 or 2) matters for chat only. With `many_rooms`, every Redis client both
    /// subscribes and publishes, which RESP3 allows on one connection.
    wire(bench::target t, int protocol, std::size_t payload_size, bool many_rooms);

    bench::target target() const { return target_; }

    /// Whether a sender also receives (chat and NATS: senders are members that never hear
    /// themselves; Redis: a subscribed RESP2 connection cannot publish, so senders are extra
    /// publish-only connections, unless `many_rooms`).
    bool senders_receive() const { return target_ != target::redis || many_rooms_; }

    /// Whether a member gets its own messages back (Redis pub/sub has no way to opt out).
    bool hears_itself() const { return target_ == target::redis; }

    /// Whether each published message is answered (chat/2 SENT, Redis's subscriber count).
    bool acks_messages() const {
        return target_ == target::redis || (target_ == target::chat && protocol_ >= 2);
    }

    /// The name of room `index` on this wire.
    std::string room_name(std::uint32_t index) const;

    /// The index of a room named by `room_name`, or nothing (e.g. a server's default room).
    std::optional<std::uint32_t> room_index(std::string_view name) const;

    /// Bytes to send as soon as the TCP connection is up; empty when the server speaks first.
    /// `room`: the room to subscribe to, empty for the one-room default.
    std::string on_connect(bool subscriber, std::string_view room) const;

    /// Bytes to send after the server's greeting line: register as `name`, then enter `room`
    /// (empty: the one-room default, which a chat server puts everyone in by itself).
    std::string after_greeting(bool subscriber, std::string_view name, std::string_view room) const;

    /// Chat: the line that joins `room`.
    std::string join(std::string_view room) const;

    /// Why the greeting makes a measured run meaningless (another protocol, or the server
    /// throttles clients), or empty.
    std::string check_greeting(std::string_view line) const;

    /// Interprets one line; views in the result point into `line`.
    line_event classify(wire_state& st, std::string_view line) const;

    /// The answer to a `ping` event.
    std::string pong(std::string_view token) const;

    /// A published message is prefix + payload + suffix. `room` as for `on_connect`.
    std::string frame_prefix(std::string_view room) const;
    const std::string& frame_suffix() const { return suffix_; }

  private:
    line_event classify_chat(std::string_view line) const;
    line_event classify_chat1(std::string_view line) const;
    line_event classify_redis(wire_state& st, std::string_view line) const;
    line_event classify_nats(wire_state& st, std::string_view line) const;

    bench::target target_;
    int protocol_;
    std::size_t payload_size_;
    bool many_rooms_;
    std::string suffix_;
};

}  // namespace chat::bench
