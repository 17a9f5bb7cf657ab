#include "server/server.hpp"

#include <malloc.h>

#include <algorithm>
#include <cerrno>
#include <optional>
#include <random>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/write.hpp>

#include "server/exact_allocator.hpp"
#include "server/peer_address.hpp"
#include "server/session.hpp"

namespace chat {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t read_buffer_size = std::size_t{64} * 1024;
constexpr auto sweep_interval = std::chrono::milliseconds(100);
// Free heap memory is looked at every 10th sweep and given back past 1 MiB.
constexpr int sweeps_per_trim_check = 10;
constexpr std::size_t trim_floor_bytes = std::size_t{1} << 20;
constexpr auto accept_backoff = std::chrono::milliseconds(100);

std::size_t chunk_size_for(std::size_t max_line) {
    // A frame is the line plus a header of at most ~100 bytes; keep several frames per chunk.
    return std::max(std::size_t{64} * 1024, (max_line + 256) * 4);
}

}  // namespace

server::server(asio::io_context& io, const server_config& config, slab_pool& connection_memory)
    : config_(config),
      connection_memory_(connection_memory),
      room_arena_(chunk_size_for(config.max_line)),
      direct_arena_(chunk_size_for(config.max_line)),
      lobby_(room_arena_, direct_arena_, std::random_device{}(), &connection_memory_),
      sessions_(&connection_memory_),
      writes_(io),
      read_buffer_(read_buffer_size),
      context_{io,     config_, connection_memory_, direct_arena_,
               lobby_, writes_, sessions_,          read_buffer_},
      acceptor_(io),
      accept_retry_(io),
      sweep_timer_(io) {
    const tcp::endpoint endpoint{asio::ip::make_address(config_.bind), config_.port};
    const auto fail = [&](const error_code& ec) {
        throw std::runtime_error(
            fmt::format("cannot listen on {}: {}", describe(endpoint), ec.message()));
    };
    error_code ec;
    acceptor_.open(endpoint.protocol(), ec);
    if (ec) {
        fail(ec);
    }
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
    if (endpoint.address().is_v6() && endpoint.address().is_unspecified()) {
        // "::" serves IPv4 too where the system allows it.
        acceptor_.set_option(asio::ip::v6_only(false), ec);
    }
    acceptor_.bind(endpoint, ec);
    if (!ec) {
        acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    }
    if (ec) {
        fail(ec);
    }
}

server::~server() = default;

void server::start() {
    spdlog::info("listening on {}", describe(acceptor_.local_endpoint()));
    do_accept();
    schedule_sweep();
}

void server::do_accept() {
    acceptor_.async_accept(context_.io,
                           asio::bind_allocator(exact_allocator<void>{},
                                                [this](const error_code& ec, tcp_socket socket) {
                                                    on_accept(ec, std::move(socket));
                                                }));
}

void server::on_accept(const error_code& ec, tcp_socket socket) {
    if (stopping_ || ec == asio::error::operation_aborted) {
        return;
    }
    if (ec) {
        if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space ||
            ec == asio::error::no_memory || ec.value() == ENFILE) {
            // Out of descriptors or memory: accepting again at once would spin. Existing
            // sessions keep running; new ones wait in the backlog until something frees up.
            spdlog::warn("accept failed: {}; retrying in {} ms", ec.message(),
                         accept_backoff.count());
            accept_retry_.expires_after(accept_backoff);
            accept_retry_.async_wait([this](const error_code& wait_ec) {
                if (!wait_ec && !stopping_) {
                    do_accept();
                }
            });
            return;
        }
        spdlog::debug("accept failed: {}", ec.message());
        do_accept();
        return;
    }
    error_code opt_ec;
    const tcp::endpoint raw_peer = socket.remote_endpoint(opt_ec);
    const tcp::endpoint peer{normalized(raw_peer.address()), raw_peer.port()};
    if (opt_ec) {
        do_accept();  // the peer is already gone
        return;
    }
    if (config_.max_clients != 0 && sessions_.size() >= config_.max_clients) {
        spdlog::warn("{} refused: server full (--max-clients {})", describe(peer),
                     config_.max_clients);
        refuse(socket, "ERR server-full the server is full; try again later\nBYE server full\n");
    } else if (config_.max_per_ip != 0 &&
               sessions_.count_from(peer.address()) >= config_.max_per_ip) {
        spdlog::warn("{} refused: too many connections from that address (--max-per-ip {})",
                     describe(peer), config_.max_per_ip);
        refuse(socket, fmt::format("ERR too-many-from-address too many connections from your "
                                   "address (at most {}); close one first\nBYE too many "
                                   "connections\n",
                                   config_.max_per_ip));
    } else {
        socket.non_blocking(true, opt_ec);
        socket.set_option(tcp::no_delay(true), opt_ec);
        spdlog::info("{} connected", describe(peer));
        auto s = std::allocate_shared<session>(
            std::pmr::polymorphic_allocator<session>(&connection_memory_), std::move(socket),
            context_);
        sessions_.add(s, peer.address());
        s->start();
    }
    do_accept();
}

void server::refuse(tcp_socket& socket, std::string_view line) {
    // A fresh socket's send buffer is empty, so this short write cannot block or be partial.
    error_code ec;
    socket.non_blocking(true, ec);
    asio::write(socket, asio::buffer(line.data(), line.size()), ec);
    socket.shutdown(tcp_socket::shutdown_send, ec);
    socket.close(ec);
}

void server::schedule_sweep() {
    sweep_timer_.expires_after(sweep_interval);
    sweep_timer_.async_wait([this](const error_code& ec) {
        if (!ec) {
            sweep();
        }
    });
}

void server::sweep() {
    const auto now = session::clock::now();
    std::vector<std::pair<std::shared_ptr<session>, close_reason>> due;
    for (const auto& s : sessions_.all()) {
        if (const auto reason = s->check_deadlines(now)) {
            due.emplace_back(s, *reason);
        }
    }
    for (auto& [s, reason] : due) {
        s->on_deadline(reason);
    }
    return_free_memory();
    if (stopping_ && sessions_.size() == 0) {
        spdlog::info("all connections closed; exiting");
        return;  // nothing left: let io.run() return
    }
    schedule_sweep();
}

void server::return_free_memory() {
    // glibc hands freed heap memory back only from the top of the heap, so after a burst (deep
    // send queues, a crowd that left) most of it would stay resident for good. After a second
    // in which no message was routed, if at least 1 MiB more is free than after the last trim,
    // give the free pages back, as jemalloc's decay does for Redis. Trimming walks the heap, so
    // it waits for a quiet second rather than stall a busy loop. Free memory that trimming
    // cannot return (parts of pages still in use) stays counted as free, hence "more than
    // after the last trim".
    if (++sweeps_since_trim_check_ < sweeps_per_trim_check) {
        return;
    }
    sweeps_since_trim_check_ = 0;
    const std::uint64_t routed = lobby_.messages_routed();
    const bool quiet = routed == routed_at_trim_check_;
    routed_at_trim_check_ = routed;
    if (!quiet) {
        return;
    }
    // Up to 4 idle 64 KiB chunks per arena are kept for the next burst; a quiet second ends it.
    room_arena_.release_free_chunks();
    direct_arena_.release_free_chunks();
    const std::size_t free_now = ::mallinfo2().fordblks;
    free_after_trim_ = std::min(free_after_trim_, free_now);
    if (free_now >= free_after_trim_ + trim_floor_bytes) {
        const auto started = std::chrono::steady_clock::now();
        ::malloc_trim(0);
        free_after_trim_ = ::mallinfo2().fordblks;
        spdlog::debug("gave free memory back in {} us",
                      std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count());
    }
}

void server::stop() {
    if (stopping_) {
        return;
    }
    stopping_ = true;
    spdlog::info("shutting down: saying BYE to {} connection(s)", sessions_.size());
    error_code ec;
    acceptor_.close(ec);
    accept_retry_.cancel();
    for (const auto& s : sessions_.snapshot()) {
        s->close(close_reason::shutdown);
    }
    // The sweep ends whatever is still open after shutdown_timeout, then stops itself.
    sweep_timer_.cancel();
    sweep();
}

}  // namespace chat
