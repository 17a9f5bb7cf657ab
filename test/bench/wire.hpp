#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "test/bench/bench_config.hpp"

namespace chat::bench {

/// What one line from the server means to the run.
enum class line_kind {
    other,     ///< nothing the run acts on: JOIN, +OK, the parts of a Redis reply ...
    greeting,  ///< the server spoke first (chat HELLO, NATS INFO): answer with `after_greeting`
    ready,     ///< the handshake is done: the client is a member, subscribed, or connected
    delivery,  ///< a message for this client; `text` is its payload
    ack,       ///< the reply to one Redis PUBLISH; `text` is how many subscribers got it
    ping,      ///< the server wants a sign of life: send `pong(text)`
    left,      ///< chat: somebody left the room; `text` is the whole line
    fault,     ///< an error or a goodbye; `text` is the whole line
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
class wire {
  public:
    wire(bench::target t, std::size_t payload_size);

    bench::target target() const { return target_; }

    /// Whether a sender also receives (chat and NATS: senders are members that never hear
    /// themselves; Redis: a subscribed connection cannot publish, so senders are extra
    /// publish-only connections).
    bool senders_receive() const { return target_ != target::redis; }

    /// Bytes to send as soon as the TCP connection is up; empty when the server speaks first.
    std::string on_connect(bool subscriber) const;

    /// Bytes to send after the server's greeting line.
    std::string after_greeting(bool subscriber, std::string_view name) const;

    /// Why the greeting makes a measured run meaningless (e.g. the server throttles clients),
    /// or empty.
    std::string check_greeting(std::string_view line) const;

    /// Interprets one line; views in the result point into `line`.
    line_event classify(wire_state& st, std::string_view line) const;

    /// The answer to a `ping` event.
    std::string pong(std::string_view token) const;

    /// A published message is prefix + payload + suffix.
    const std::string& frame_prefix() const { return prefix_; }
    const std::string& frame_suffix() const { return suffix_; }
    std::size_t frame_size() const { return prefix_.size() + payload_size_ + suffix_.size(); }

  private:
    line_event classify_chat(std::string_view line) const;
    line_event classify_redis(wire_state& st, std::string_view line) const;
    line_event classify_nats(wire_state& st, std::string_view line) const;

    bench::target target_;
    std::size_t payload_size_;
    std::string prefix_;
    std::string suffix_;
};

}  // namespace chat::bench
