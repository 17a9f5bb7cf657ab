#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "common/connection_rate_limiter.hpp"
#include "common/frame_arena.hpp"
#include "common/log_limiter.hpp"
#include "server/config.hpp"
#include "server/file_lock.hpp"
#include "server/hub.hpp"
#include "server/memory_policy.hpp"
#include "server/server_context.hpp"
#include "server/session_registry.hpp"
#include "server/slab_pool.hpp"
#include "server/tcp_socket.hpp"
#include "server/write_scheduler.hpp"

namespace chat {

class history_maintenance;

/// The daemon: accepts connections, enforces connection limits, walks the sessions
/// for deadlines, and stops gracefully. Runs on the `io_context` it is given, on one thread.
///
/// A newcomer is checked, in this order, against --connect-rate (how often its client may
/// connect), --max-clients and --max-per-ip; a refused one gets `ERR` and `BYE` and is closed.
/// Its connection is logged (connected, registered, disconnected, or refused) unless its client
/// has had 20 arrivals with the same outcome logged in the last 10 s: then one summary says how
/// many more there were, so a connection storm cannot fill the disk.
class server {
  public:
    /// Binds and listens; throws `std::runtime_error` with a one-line reason when that fails.
    /// Sessions and their pending operations are allocated from `connection_memory`, which must
    /// outlive `io` (pending handlers hold sessions until the io_context is destroyed).
    server(boost::asio::io_context& io, const server_config& config, slab_pool& connection_memory);
    ~server();
    server(const server&) = delete;
    server& operator=(const server&) = delete;

    /// Starts accepting and the deadline sweep.
    void start();

    /// Stops accepting, says BYE to everyone and closes each connection once its output is out,
    /// waiting at most `shutdown_timeout`. `io.run()` returns when the last one is gone.
    void stop();

    boost::asio::ip::tcp::endpoint local_endpoint() const { return acceptor_.local_endpoint(); }

  private:
    /// What became of a newcomer. The connection log's budget is per client and outcome, so a
    /// refusal storm does not hide the connections let in, and a summary can say "like this".
    enum class arrival : std::uint8_t {
        accepted,
        connecting_too_often,  ///< --connect-rate
        server_full,           ///< --max-clients
        too_many_from_client,  ///< --max-per-ip
    };
    struct arrival_key {
        boost::asio::ip::address client;
        arrival outcome;
        bool operator==(const arrival_key&) const = default;
    };
    struct arrival_key_hash {
        std::size_t operator()(const arrival_key& k) const noexcept {
            return std::hash<boost::asio::ip::address>{}(k.client) * 4 +
                   static_cast<std::size_t>(k.outcome);
        }
    };

    void do_accept();
    void on_accept(const boost::system::error_code& ec, tcp_socket socket);
    /// Answers a refused newcomer with `ERR code text` and `BYE` and closes it; nothing else is
    /// kept of it.
    void refuse(tcp_socket& socket, protocol_error code, std::string_view text,
                close_reason reason);
    void schedule_sweep();
    void sweep();
    /// Logs how many arrivals `connection_log_` kept out of the log in windows that are over.
    void report_unlogged(std::chrono::steady_clock::time_point now);

    server_config config_;
    slab_pool& connection_memory_;
    /// Taken before the history file is opened and let go after it is closed: two daemons on
    /// one file would prune and number each other's messages.
    file_lock history_lock_;
    // The arenas are declared first so that they are destroyed last: sessions, the room and the
    // scheduler all hold frames from them.
    frame_arena room_arena_;
    frame_arena direct_arena_;
    hub hub_;
    session_registry sessions_;
    write_scheduler writes_;
    std::vector<char> read_buffer_;
    server_context context_;
    boost::asio::ip::tcp::acceptor acceptor_;
    boost::asio::steady_timer accept_retry_;
    boost::asio::steady_timer sweep_timer_;
    memory_trimmer trimmer_;
    /// Checkpoints and prunes the history file off the loop; null without one.
    std::unique_ptr<history_maintenance> maintenance_;
    int sweeps_since_trim_check_ = 0;
    connection_rate_limiter<boost::asio::ip::address> connect_limiter_;
    log_limiter<arrival_key, arrival_key_hash> connection_log_;
    bool stopping_ = false;
};

}  // namespace chat
