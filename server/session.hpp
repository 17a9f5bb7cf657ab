#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/line_framer.hpp"
#include "common/outbound_queue.hpp"
#include "common/protocol.hpp"
#include "common/token_bucket.hpp"
#include "server/close_reason.hpp"
#include "server/flush_target.hpp"
#include "server/participant.hpp"
#include "server/server_context.hpp"
#include "server/tcp_socket.hpp"

namespace chat {

/// One TCP client: reads lines, turns them into room requests, and sends what is queued for it.
/// Kept alive by the registry and its pending operations; the room holds it while it is a member.
///
/// The connection's life, one thread, no locks:
///
///   handshake --name accepted--> registered --/quit, error, timeout, shutdown--> closing
///       |                                                                          |
///       +--handshake timeout, error---------------------------------------> closing |
///                                                                                  v
///   closing: leaves the room at once (the others see LEAVE), flushes BYE, half-closes, then
///   reads and drops input until the peer closes or the linger bound passes -> closed.
///   A slow consumer, a reset or an I/O error skip the goodbye and go straight to closed.
///
/// Reading waits for readability, then reads into the server's shared buffer and handles every
/// complete line before reading again; only an unfinished line is kept here. While the flood
/// bucket is empty no more is read, so TCP slows the sender down and nothing is dropped.
/// Writing is deferred to the write scheduler and done with `writev` straight from the shared
/// frame chunks; when the socket is full the session waits for writability and tries again.
class session final : public participant,
                      public flush_target,
                      public std::enable_shared_from_this<session> {
  public:
    using clock = std::chrono::steady_clock;

    session(tcp_socket socket, server_context& ctx);

    /// Sends HELLO and starts reading.
    void start();

    using participant::deliver;
    void deliver(const frame& f, urgency when) override;

    /// Begins closing for `reason`; `text` goes into LEAVE (after /quit) or BYE. Idempotent.
    void close(close_reason reason, std::string_view text = {});

    /// Writes as much of the queue as the socket takes. Called by the write scheduler.
    void flush() override;

    /// Checks the deadlines that concern this session at `now` and sends PING when it has been
    /// quiet; returns a reason when one has passed, for the caller to hand to `on_deadline` once
    /// it is done walking the sessions (closing changes the registry).
    std::optional<close_reason> check_deadlines(clock::time_point now);

    /// Acts on a passed deadline: begins closing, or, for a session already closing whose
    /// goodbye did not get out in time, ends it at once.
    void on_deadline(close_reason reason);

    const boost::asio::ip::tcp::endpoint& peer() const { return peer_; }

  private:
    friend class session_registry;
    enum class state : std::uint8_t { handshake, registered, closing, closed };
    /// Made on the first flood only, so a well-behaved connection never pays for it.
    struct throttle_state {
        explicit throttle_state(boost::asio::io_context& io) : timer(io) {}
        boost::asio::steady_timer timer;
        std::string backlog;  // read but not yet handled while the bucket refills
    };

    /// Binds `handler` to allocate its operation from the connection pool.
    template <class Handler>
    auto in_pool(Handler&& handler);
    void wait_readable();
    void on_readable(const boost::system::error_code& ec);
    void on_eof();
    bool is_open() const { return state_ == state::handshake || state_ == state::registered; }
    /// Feeds `bytes` to the framer and handles its lines; keeps what it cannot handle yet (flood
    /// control) in the backlog. Returns false when reading must pause.
    bool consume(std::string_view bytes);
    void handle_line(frame_event event, std::string_view line);
    void handle_name(std::string_view line);
    void handle_command(std::string_view line);
    throttle_state& throttled();
    void throttle(clock::duration wait);
    void on_throttle_end();

    void reply(std::initializer_list<std::string_view> fields);
    void send_error(protocol_error code, std::string_view text);
    enum class write_result { done, blocked, failed };
    /// Writes until the queue is empty or the socket is full; never closes (on failure it
    /// clears the queue and records why in write_failure_).
    write_result write_queued();
    /// Drops all output and closes from a fresh handler: safe inside a broadcast.
    void refuse_output(close_reason reason);
    void schedule_flush();
    void wait_writable();
    void on_flushed();
    void finish();

    tcp_socket socket_;
    server_context& ctx_;
    boost::asio::ip::tcp::endpoint peer_;
    outbound_queue out_;
    line_framer framer_;
    token_bucket bucket_;
    std::unique_ptr<throttle_state> throttle_;
    clock::time_point phase_started_;  // when the handshake, or the closing, began
    clock::time_point last_heard_;
    std::uint64_t ping_sent_ = 0;  // token of the unanswered PING, 0 when none
    std::size_t registry_slot_ = 0;
    state state_ = state::handshake;
    close_reason reason_ = close_reason::disconnected;
    bool flush_scheduled_ = false;
    bool soon_scheduled_ = false;
    bool waiting_writable_ = false;
    bool half_closed_ = false;
    bool peer_done_ = false;       // end of input seen: the peer sends nothing more
    bool output_refused_ = false;  // slow consumer or broken pipe: nothing more is queued
    close_reason write_failure_ = close_reason::io_error;
};

}  // namespace chat
