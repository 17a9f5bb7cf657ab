#include "server/server.hpp"

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

#include "common/encode.hpp"
#include "common/names.hpp"
#include "common/reply_text.hpp"
#include "common/room_names.hpp"
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
constexpr int sweeps_per_trim_check =
    static_cast<int>(memory_policy::trim_check_interval / sweep_interval);
constexpr auto accept_backoff = std::chrono::milliseconds(100);

std::size_t chunk_size_for(std::size_t max_line) {
    // A frame is the line plus a header of at most ~100 bytes; keep several frames per chunk.
    return std::max(std::size_t{64} * 1024, (max_line + 256) * 4);
}

}  // namespace

server::server(asio::io_context& io, const server_config& config, slab_pool& connection_memory)
    : config_(config),
      connection_memory_(connection_memory),
      room_arena_(chunk_size_for(config.max_line), memory_policy::idle_chunks_per_arena),
      direct_arena_(chunk_size_for(config.max_line), memory_policy::idle_chunks_per_arena),
      hub_(config_, room_arena_, direct_arena_, std::random_device{}(), &connection_memory_),
      sessions_(&connection_memory_),
      writes_(io),
      read_buffer_(read_buffer_size),
      context_{io,   config_, connection_memory_, direct_arena_,
               hub_, writes_, sessions_,          read_buffer_},
      acceptor_(io),
      accept_retry_(io),
      sweep_timer_(io) {
    hub_.hello_limits = format_limits({
        .max_line = config_.max_line,
        .max_name = max_name_length,
        .max_rooms = config_.max_rooms,
        .max_room_name = max_room_name_length,
        .rate = config_.rate,
        .burst = config_.burst,
        .max_send_queue = config_.max_send_queue,
        .idle_timeout = std::chrono::duration<double>(config_.idle_timeout).count(),
        .handshake_timeout = std::chrono::duration<double>(config_.handshake_timeout).count(),
    });
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
        refuse(socket, protocol_error::server_full, reply_text::server_full(),
               close_reason::server_full);
    } else if (config_.max_per_ip != 0 &&
               sessions_.count_from(peer.address()) >= config_.max_per_ip) {
        spdlog::warn("{} refused: too many connections from that address (--max-per-ip {})",
                     describe(peer), config_.max_per_ip);
        refuse(socket, protocol_error::too_many_from_address,
               reply_text::too_many_from_address(config_.max_per_ip),
               close_reason::too_many_from_address);
    } else {
        socket.non_blocking(true, opt_ec);
        socket.set_option(tcp::no_delay(true), opt_ec);
        spdlog::info("{} connected", describe(peer));
        auto s = std::allocate_shared<session>(
            std::pmr::polymorphic_allocator<session>(&connection_memory_), std::move(socket), peer,
            context_);
        sessions_.add(s, peer.address());
        s->start();
    }
    do_accept();
}

void server::refuse(tcp_socket& socket, protocol_error code, std::string_view text,
                    close_reason reason) {
    const frame err = encode_error(direct_arena_, code, text);
    const frame bye = encode_bye(direct_arena_, bye_text(reason));
    const std::array<asio::const_buffer, 2> lines = {
        asio::buffer(err.bytes().data(), err.bytes().size()),
        asio::buffer(bye.bytes().data(), bye.bytes().size())};
    // A fresh socket's send buffer is empty, so this short write cannot block or be partial.
    error_code ec;
    socket.non_blocking(true, ec);
    asio::write(socket, lines, ec);
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
    if (++sweeps_since_trim_check_ >= sweeps_per_trim_check) {
        sweeps_since_trim_check_ = 0;
        trimmer_.check(hub_.ids.last(), room_arena_, direct_arena_);
    }
    if (stopping_ && sessions_.size() == 0) {
        spdlog::info("all connections closed; exiting");
        return;  // nothing left: let io.run() return
    }
    schedule_sweep();
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
