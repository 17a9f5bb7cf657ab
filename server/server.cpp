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
#include "server/sqlite_history_store.hpp"

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

// --connect-rate. A client that finds its bucket empty is refused for at least this long, which
// the ERR text tells it; later attempts do not extend it.
constexpr auto connect_refusal = std::chrono::seconds(1);
// Clients the connect-rate limiter remembers at most (about 144 bytes each, 2.3 MB when full,
// measured). Only more distinct clients than this connecting within --connect-burst /
// --connect-rate seconds make it forget one early, which hands that one a fresh burst.
constexpr std::size_t connect_clients_tracked = 16384;

// The connection log's limit: per client and outcome (accepted, or refused by which limit), the
// first `log_per_window` arrivals in a window are logged; the rest are counted and summed up in
// one line when the window ends. Past `log_clients_tracked` keys in a window, the others share
// one budget, so even a storm from many addresses logs at most (256 + 1) x 20 arrivals (about
// three lines each) per 10 s; from one address, at most 4 x 20.
constexpr std::size_t log_per_window = 20;
constexpr auto log_window = std::chrono::seconds(10);
constexpr std::size_t log_clients_tracked = 256;

/// The history file the options name, opened and migrated; null for memory only. Throws with a
/// one-line reason (the daemon then exits 1) for a file it cannot use: not a database, a newer
/// schema, no permission.
std::unique_ptr<history_store> open_history(const server_config& c) {
    if (c.history_file.empty()) {
        return nullptr;
    }
    auto store = sqlite_history_store::open(c.history_file);
    if (!store) {
        throw std::runtime_error(
            fmt::format("history file '{}': {}", c.history_file, store.error().message));
    }
    return std::move(store.value());
}

std::int64_t epoch_ms_now() {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::size_t chunk_size_for(std::size_t max_line) {
    // A frame is the line plus a header of at most ~100 bytes; keep several frames per chunk.
    return std::max(std::size_t{64} * 1024, (max_line + 256) * 4);
}

}  // namespace

server::server(asio::io_context& io, const server_config& config, slab_pool& connection_memory)
    : config_(config),
      connection_memory_(connection_memory),
      history_lock_(config.history_file.empty() ? file_lock() : file_lock(config.history_file)),
      room_arena_(chunk_size_for(config.max_line), memory_policy::idle_chunks_per_arena),
      direct_arena_(chunk_size_for(config.max_line), memory_policy::idle_chunks_per_arena),
      hub_(config_, room_arena_, direct_arena_, std::random_device{}(), &connection_memory_,
           open_history(config_)),
      sessions_(config_.ipv6_prefix, &connection_memory_),
      writes_(io),
      read_buffer_(read_buffer_size),
      context_{io, config_, connection_memory_, hub_, writes_, sessions_, read_buffer_},
      acceptor_(io),
      accept_retry_(io),
      sweep_timer_(io),
      connect_limiter_(config_.connect_rate, config_.connect_burst, connect_refusal,
                       connect_clients_tracked),
      connection_log_(log_per_window, log_window, log_clients_tracked) {
    hub_.hello_limits = format_limits({
        .max_line = config_.max_line,
        .max_name = max_name_length,
        .max_rooms = config_.max_rooms,
        .max_room_name = max_room_name_length,
        .max_topic = max_topic_length,
        .rate = config_.rate,
        .burst = config_.burst,
        .max_send_queue = config_.max_send_queue,
        .idle_timeout = std::chrono::duration<double>(config_.idle_timeout).count(),
        .handshake_timeout = std::chrono::duration<double>(config_.handshake_timeout).count(),
    });
    if (!config_.history_file.empty()) {
        maintenance_ = std::make_unique<history_maintenance>(
            config_.history_file, history_retention{.max_age = config_.history_max_age,
                                                    .max_rows = config_.history_max_rows});
    }
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

server::~server() {
    // Normally every session is gone by now (stop() waits for them). After an exception, pending
    // handlers still hold sessions and are destroyed with the io_context, after this server and
    // its arenas and hub: cut every session loose first.
    for (const auto& s : sessions_.all()) {
        s->abandon();
    }
}

void server::start() {
    if (config_.history_file.empty()) {
        spdlog::info("history: in memory only ({} messages per room), lost at exit",
                     config_.history_memory);
    } else {
        spdlog::info("history: {} (ids continue after {})", config_.history_file, hub_.ids.last());
    }
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
    const auto now = std::chrono::steady_clock::now();
    const auto client = client_key(peer.address(), config_.ipv6_prefix);
    const auto verdict = connect_limiter_.admit(client, now);
    arrival outcome = arrival::accepted;
    if (!verdict.admitted) {
        outcome = arrival::connecting_too_often;
    } else if (config_.max_clients != 0 && sessions_.size() >= config_.max_clients) {
        outcome = arrival::server_full;
    } else if (config_.max_per_ip != 0 && sessions_.count_from(client) >= config_.max_per_ip) {
        outcome = arrival::too_many_from_client;
    }
    const bool logged = connection_log_.admit({client, outcome}, now);
    switch (outcome) {
        case arrival::connecting_too_often: {
            const double retry = std::chrono::duration<double>(verdict.retry_after).count();
            if (logged) {
                spdlog::warn(
                    "{} refused: too many new connections from {} (--connect-rate {} "
                    "--connect-burst {}); refused for {:.1f} s",
                    describe(peer), describe_client(client, config_.ipv6_prefix),
                    config_.connect_rate, config_.connect_burst, retry);
            }
            refuse(socket, protocol_error::too_many_connections,
                   reply_text::too_many_connections(config_.connect_rate, retry),
                   close_reason::too_many_connections);
            break;
        }
        case arrival::server_full:
            if (logged) {
                spdlog::warn("{} refused: server full (--max-clients {})", describe(peer),
                             config_.max_clients);
            }
            refuse(socket, protocol_error::server_full, reply_text::server_full(),
                   close_reason::server_full);
            break;
        case arrival::too_many_from_client:
            if (logged) {
                spdlog::warn("{} refused: too many connections from {} (--max-per-ip {})",
                             describe(peer), describe_client(client, config_.ipv6_prefix),
                             config_.max_per_ip);
            }
            refuse(socket, protocol_error::too_many_from_address,
                   reply_text::too_many_from_address(config_.max_per_ip),
                   close_reason::too_many_from_address);
            break;
        case arrival::accepted: {
            socket.non_blocking(true, opt_ec);
            socket.set_option(tcp::no_delay(true), opt_ec);
            if (logged) {
                spdlog::info("{} connected", describe(peer));
            }
            auto s = std::allocate_shared<session>(
                std::pmr::polymorphic_allocator<session>(&connection_memory_), std::move(socket),
                peer, context_, logged);
            sessions_.add(s);
            s->start();
            break;
        }
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
    connection::expire_detached(hub_, now);
    report_unlogged(now);
    connect_limiter_.expire(now);
    if (++sweeps_since_trim_check_ >= sweeps_per_trim_check) {
        sweeps_since_trim_check_ = 0;
        trimmer_.check(hub_.ids.last(), room_arena_, direct_arena_);
        hub_.tokens.expire(epoch_ms_now());
    }
    if (stopping_ && sessions_.size() == 0) {
        report_unlogged(std::chrono::steady_clock::time_point::max());  // windows not yet over
        hub_.messages.commit(hub_.ids.last());  // the last lines and the sessions' resume records
        spdlog::info("all connections closed; exiting");
        return;  // nothing left: let io.run() return
    }
    schedule_sweep();
}

void server::report_unlogged(std::chrono::steady_clock::time_point now) {
    connection_log_.expire(now, [this](const arrival_key* key, std::size_t count) {
        const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(log_window).count();
        if (key == nullptr) {
            spdlog::warn(
                "{} more like this from other addresses in the last {} s: arrivals not "
                "logged (more than {} addresses at once)",
                count, seconds, log_clients_tracked);
            return;
        }
        std::string_view what = "connections not logged";
        switch (key->outcome) {
            case arrival::accepted:
                break;
            case arrival::connecting_too_often:
                what = "refused (--connect-rate), not logged";
                break;
            case arrival::server_full:
                what = "refused (--max-clients), not logged";
                break;
            case arrival::too_many_from_client:
                what = "refused (--max-per-ip), not logged";
                break;
        }
        spdlog::warn("{} more like this from {} in the last {} s: {}", count,
                     describe_client(key->client, config_.ipv6_prefix), seconds, what);
    });
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
