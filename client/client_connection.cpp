#include "client/client_connection.hpp"

#include <fmt/format.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

namespace chat {

namespace asio = boost::asio;
using asio::ip::tcp;

namespace {

// An attempt that has not connected by then is given up (and retried if reconnecting).
constexpr auto connect_timeout = std::chrono::seconds(10);
// Server lines are bounded by its max-line plus a header, but a USERS line grows with the room.
constexpr std::size_t max_server_line = 1U << 20;
constexpr std::size_t read_chunk = std::size_t{64} * 1024;
// Lines per gather write; more simply wait for the next one.
constexpr std::size_t max_gather = 64;

}  // namespace

/*
 * The connection's life, one state at a time (`generation_` changes whenever a socket is dropped,
 * so a completion that belongs to an older socket is ignored):
 *
 *   idle --start()--> resolving --> connecting --> connected --close()--> closing --EOF--> idle
 *                         |              |              |                    |
 *                    fail | time-out     | fail         | EOF / error        | bound passed
 *                         v              v              v                    v
 *                    on_connect_failed          on_disconnected        on_disconnected
 *                         \______________________/                     (never retried)
 *                                    |
 *                  reconnect on? --yes--> waiting --back-off timer--> resolving
 *                                --no---> idle
 *
 * stop() returns to idle from anywhere without a callback. Each attempt has `connect_timeout`,
 * and a connected peer `first_line_timeout` to send its first line (a chat server greets at
 * once; a silent peer is lost with `timed_out`). The back-off doubles from 1 s up to 30 s and
 * starts again once the owner calls reset_backoff(), i.e. when a connection proved good, not
 * merely connected: a server that accepts and at once refuses (full, too many from one address)
 * must not be hammered.
 */

client_connection::client_connection(asio::io_context& io, std::string host, std::string port,
                                     listener& owner)
    : host_(std::move(host)),
      port_(std::move(port)),
      owner_(owner),
      resolver_(io),
      socket_(io),
      deadline_(io),
      retry_(io),
      framer_(max_server_line),
      read_buffer_(read_chunk) {}

std::string client_connection::peer() const {
    if (host_.find(':') != std::string::npos) {
        return fmt::format("[{}]:{}", host_, port_);
    }
    return fmt::format("{}:{}", host_, port_);
}

void client_connection::start() {
    attempt();
}

void client_connection::attempt() {
    const unsigned gen = ++generation_;
    reset_socket();
    state_ = state::resolving;
    deadline_.expires_after(connect_timeout);
    deadline_.async_wait([this, gen](const error_code& ec) {
        if (!ec && gen == generation_ &&
            (state_ == state::resolving || state_ == state::connecting)) {
            fail_attempt(asio::error::timed_out);
        }
    });
    resolver_.async_resolve(
        host_, port_, [this, gen](const error_code& ec, const tcp::resolver::results_type& r) {
            if (gen == generation_) {
                on_resolved(ec, r);
            }
        });
}

void client_connection::on_resolved(const error_code& ec, const tcp::resolver::results_type& r) {
    if (ec) {
        fail_attempt(ec);
        return;
    }
    state_ = state::connecting;
    const unsigned gen = generation_;
    asio::async_connect(socket_, r, [this, gen](const error_code& cec, const tcp::endpoint&) {
        if (gen == generation_) {
            on_connect(cec);
        }
    });
}

void client_connection::on_connect(const error_code& ec) {
    if (ec) {
        fail_attempt(ec);
        return;
    }
    state_ = state::connected;
    error_code ignored;
    socket_.set_option(tcp::no_delay(true), ignored);  // chat lines are small and interactive
    framer_ = line_framer(max_server_line);
    heard_ = false;
    const unsigned gen = generation_;
    deadline_.expires_after(first_line_timeout);
    deadline_.async_wait([this, gen](const error_code& dec) {
        if (!dec && gen == generation_ && state_ == state::connected && !heard_) {
            lost(asio::error::timed_out);
        }
    });
    owner_.on_connected();
    if (gen == generation_ && state_ == state::connected) {
        do_read();
    }
}

void client_connection::do_read() {
    const unsigned gen = generation_;
    socket_.async_read_some(asio::buffer(read_buffer_),
                            [this, gen](const error_code& ec, std::size_t n) {
                                if (gen == generation_) {
                                    on_read(ec, n);
                                }
                            });
}

void client_connection::on_read(const error_code& ec, std::size_t n) {
    if (ec) {
        if (state_ == state::closing) {
            ++generation_;
            reset_socket();
            deadline_.cancel();
            state_ = state::idle;
            owner_.on_disconnected(ec, std::nullopt);
            return;
        }
        lost(ec);
        return;
    }
    const unsigned gen = generation_;
    const auto still_open = [this, gen] {
        return gen == generation_ && (state_ == state::connected || state_ == state::closing);
    };
    framer_.feed(std::string_view{read_buffer_.data(), n},
                 [&](frame_event event, std::string_view line) {
                     if (event == frame_event::line) {
                         if (!heard_) {
                             heard_ = true;
                             deadline_.cancel();
                         }
                         owner_.on_line(line);
                     }
                     return still_open();
                 });
    if (still_open()) {
        do_read();
    }
}

bool client_connection::send(std::string_view line) {
    if (state_ != state::connected) {
        return false;
    }
    std::string framed;
    framed.reserve(line.size() + 1);
    framed.append(line).push_back('\n');
    queue_.push_back(std::move(framed));
    if (!writing_) {
        do_write();
    }
    return true;
}

void client_connection::do_write() {
    gather_.clear();
    for (const auto& line : queue_) {
        if (gather_.size() == max_gather) {
            break;
        }
        gather_.push_back(asio::buffer(line));
    }
    writing_ = true;
    const unsigned gen = generation_;
    const std::size_t count = gather_.size();
    asio::async_write(socket_, gather_, [this, gen, count](const error_code& ec, std::size_t) {
        if (gen == generation_) {
            on_write(ec, count);
        }
    });
}

void client_connection::on_write(const error_code& ec, std::size_t count) {
    writing_ = false;
    if (ec) {
        if (state_ == state::closing) {
            // The server is gone already; reading will see it and finish the close.
            queue_.clear();
            return;
        }
        lost(ec);
        return;
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(count));
    if (!queue_.empty()) {
        do_write();
    }
}

void client_connection::close(duration bound) {
    reconnect_ = false;
    retry_.cancel();
    if (state_ != state::connected) {
        stop();
        return;
    }
    state_ = state::closing;
    const unsigned gen = generation_;
    deadline_.expires_after(bound);
    deadline_.async_wait([this, gen](const error_code& ec) {
        if (!ec && gen == generation_ && state_ == state::closing) {
            ++generation_;
            reset_socket();
            state_ = state::idle;
            owner_.on_disconnected(asio::error::timed_out, std::nullopt);
        }
    });
    // No half-close: a FIN right behind /quit can reach the server before it has flushed its
    // BYE, and it may then drop the BYE. The server closes after BYE; we read until then.
}

void client_connection::stop() {
    ++generation_;
    reconnect_ = false;
    state_ = state::idle;
    deadline_.cancel();
    retry_.cancel();
    resolver_.cancel();
    reset_socket();
}

void client_connection::reset_socket() {
    error_code ignored;
    socket_.close(ignored);
    queue_.clear();
    gather_.clear();
    writing_ = false;
}

void client_connection::fail_attempt(const error_code& ec) {
    ++generation_;
    reset_socket();
    resolver_.cancel();
    deadline_.cancel();
    const auto retry_in = schedule_retry();
    owner_.on_connect_failed(ec, retry_in);
}

void client_connection::lost(const error_code& ec) {
    ++generation_;
    reset_socket();
    deadline_.cancel();
    const auto retry_in = schedule_retry();
    owner_.on_disconnected(ec, retry_in);
}

std::optional<client_connection::duration> client_connection::schedule_retry() {
    if (!reconnect_) {
        state_ = state::idle;
        return std::nullopt;
    }
    state_ = state::waiting;
    const duration wait = backoff_.next();
    const unsigned gen = generation_;
    retry_.expires_after(wait);
    retry_.async_wait([this, gen](const error_code& ec) {
        if (!ec && gen == generation_ && state_ == state::waiting) {
            attempt();
        }
    });
    return wait;
}

}  // namespace chat
