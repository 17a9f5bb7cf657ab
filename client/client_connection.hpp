#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "client/backoff.hpp"
#include "common/line_framer.hpp"

namespace chat {

/// The client's TCP connection to the daemon: resolve, connect, read lines, write lines, and
/// reconnect with exponential back-off when asked to. It knows nothing of the protocol beyond
/// "lines" and "a server speaks first", nothing of terminals; the owner hears about everything
/// through `listener`.
/// Single-threaded: all calls and callbacks happen on the `io_context` thread. Handlers capture
/// `this`: the owner keeps the connection alive until `io_context::run` has returned.
class client_connection {
  public:
    using duration = std::chrono::milliseconds;
    using error_code = boost::system::error_code;

    /// How long a peer may stay silent after accepting: a chat server greets at once, and a
    /// server of another protocol that waits for us to speak first (HTTP) must not hang us.
    static constexpr std::chrono::seconds first_line_timeout{10};

    /// What the owner is told. Callbacks may call back into the connection (send, close, stop).
    class listener {
      public:
        virtual ~listener() = default;
        /// TCP is up; `send` works from now on.
        virtual void on_connected() = 0;
        /// One complete line from the server, without `\n`; valid only during the call.
        virtual void on_line(std::string_view line) = 0;
        /// An attempt to connect failed with `ec`. `retry_in` is set when another attempt is
        /// already scheduled (reconnecting is on), empty when the connection is now idle.
        virtual void on_connect_failed(const error_code& ec, std::optional<duration> retry_in) = 0;
        /// An open connection ended: `ec` is `eof` when the server closed it in order, and
        /// `timed_out` when it sent no line at all within `first_line_timeout`. `retry_in` as for
        /// `on_connect_failed`.
        virtual void on_disconnected(const error_code& ec, std::optional<duration> retry_in) = 0;
    };

    client_connection(boost::asio::io_context& io, std::string host, std::string port,
                      listener& owner);
    client_connection(const client_connection&) = delete;
    client_connection& operator=(const client_connection&) = delete;

    /// Makes the first attempt to connect.
    void start();

    /// Whether a lost connection or a failed attempt schedules another one (off at first).
    void set_reconnect(bool on) { reconnect_ = on; }

    /// Starts the back-off from its first step again: called once a connection proved good.
    void reset_backoff() { backoff_.reset(); }

    /// Queues `line` plus `\n` for the server. Returns false (and drops it) when not connected.
    bool send(std::string_view line);

    /// Ends the connection in order: stops reconnecting, sends what is queued (the owner has
    /// queued `/quit`), and waits for the server to close, at most `bound`. `on_disconnected`
    /// follows, with no retry. When not connected, it just stops.
    void close(duration bound);

    /// Drops everything at once: no more callbacks after this returns.
    void stop();

    bool connected() const { return state_ == state::connected; }
    /// True once everything queued has been handed to the kernel.
    bool flushed() const { return queue_.empty() && !writing_; }
    /// `host:port` as given.
    std::string peer() const;

  private:
    enum class state { idle, resolving, connecting, connected, closing, waiting };

    void attempt();
    void on_resolved(const error_code& ec, const boost::asio::ip::tcp::resolver::results_type& r);
    void on_connect(const error_code& ec);
    void do_read();
    void on_read(const error_code& ec, std::size_t n);
    void do_write();
    void on_write(const error_code& ec, std::size_t count);
    void fail_attempt(const error_code& ec);
    void lost(const error_code& ec);
    std::optional<duration> schedule_retry();
    void reset_socket();

    std::string host_;
    std::string port_;
    listener& owner_;
    boost::asio::ip::tcp::resolver resolver_;
    boost::asio::ip::tcp::socket socket_;
    boost::asio::steady_timer deadline_;  // connect time-out, close bound
    boost::asio::steady_timer retry_;
    state state_ = state::idle;
    unsigned generation_ = 0;  // bumped whenever a socket is dropped, so stale handlers stand down
    bool reconnect_ = false;
    backoff backoff_;
    line_framer framer_;
    std::vector<char> read_buffer_;
    std::deque<std::string> queue_;
    std::vector<boost::asio::const_buffer> gather_;
    bool writing_ = false;
    bool heard_ = false;  // a line has come on this connection
};

}  // namespace chat
