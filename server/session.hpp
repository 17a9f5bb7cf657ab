#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
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
#include "server/connection.hpp"
#include "server/flush_target.hpp"
#include "server/server_context.hpp"
#include "server/tcp_socket.hpp"
#include "server/transport.hpp"

namespace chat {

/// One TCP client: the transport under a `connection` core. It reads and frames lines, applies
/// flood control, writes what the core and the rooms queue, and runs the close. What the lines
/// mean is the core's business. Kept alive by the registry and its pending operations.
///
/// The socket's life, one thread, no locks:
///
///   open --/quit, EOF, error, timeout, shutdown, slow consumer--> closing --> closed
///
///   closing: the core leaves its rooms at once (the others see LEAVE), BYE is flushed, the
///   socket half-closes, then input is read and dropped until the peer closes or the linger
///   bound passes. A slow consumer, a reset or an I/O error skip the goodbye: straight to closed.
///
/// Reading waits for readability, then reads into the server's shared buffer and handles every
/// complete line before reading again; only an unfinished line is kept here. While the flood
/// bucket is empty no more is read, so TCP slows the sender down and nothing is dropped.
/// Writing is deferred to the write scheduler and done with `writev` straight from the shared
/// frame chunks; when the socket is full the session waits for writability and tries again.
class session final : public transport,
                      public flush_target,
                      public std::enable_shared_from_this<session> {
  public:
    using clock = std::chrono::steady_clock;

    /// `peer` is the address read once at accept: the registry's per-address count is keyed
    /// by it, so it must never be read again (a reset in between would make it 0.0.0.0).
    /// `logged`: whether this connection's life (registered, disconnected) goes into the log;
    /// false past the connection log's limit in a storm.
    session(tcp_socket socket, boost::asio::ip::tcp::endpoint peer, server_context& ctx,
            bool logged);

    /// Sends HELLO and starts reading.
    void start();

    void deliver(const frame& f, urgency when) override;

    /// Begins closing for `reason`; `text` goes into LEAVE (after /quit). Idempotent.
    void close(close_reason reason, std::string_view text) override;
    void close(close_reason reason) { close(reason, {}); }

    std::string describe_peer() const override;

    /// Lets go of everything shared (rooms, names, frames) without any I/O: for a server torn
    /// down while handlers still hold sessions (an exceptional exit), so that a session destroyed
    /// after the server touches nothing of it.
    void abandon();
    std::size_t queued_bytes() const override { return out_.bytes(); }
    bool logged() const override { return logged_; }
    void continue_later() override;

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
    enum class state : std::uint8_t { open, closing, closed };
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
    bool is_open() const { return state_ == state::open; }
    /// Feeds `bytes` to the framer and handles its lines; keeps what it cannot handle yet (flood
    /// control) in the backlog. Returns false when reading must pause.
    bool consume(std::string_view bytes);
    throttle_state& throttled();
    void throttle(clock::duration wait);
    void on_throttle_end();

    enum class write_result { done, blocked, failed };
    /// Writes until the queue is empty or the socket is full; never closes (on failure it
    /// clears the queue and records why in write_failure_).
    write_result write_queued();
    /// A delivery left more than half of --max-send-queue unsent: back-pressure and stall clock.
    void on_past_soft_mark();
    /// Resets the stall clock once the queue is back under the soft mark, and goes on with a
    /// resume's replay once the queue has room for its next part.
    void after_write();
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
    connection core_;
    clock::time_point closing_started_;
    clock::time_point stalled_since_{};  // when the queue passed the soft mark; zero: under it
    clock::duration pressure_caused_{};  // pauses asked of senders since it fell behind
    clock::time_point last_progress_{};  // the last write the socket took bytes of
    std::size_t registry_slot_ = 0;
    state state_ = state::open;
    close_reason reason_ = close_reason::disconnected;
    bool flush_scheduled_ = false;
    bool soon_scheduled_ = false;
    bool waiting_writable_ = false;
    bool half_closed_ = false;
    bool replay_waits_for_room_ = false;  // a replay part waits for the queue to drain
    bool peer_done_ = false;              // end of input seen: the peer sends nothing more
    bool output_refused_ = false;         // slow consumer or broken pipe: nothing more is queued
    bool logged_;
    close_reason write_failure_ = close_reason::io_error;
    close_reason refused_for_ = close_reason::slow_consumer;  // why output was refused
};

}  // namespace chat
