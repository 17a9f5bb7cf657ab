#include "server/session.hpp"

#include <sys/uio.h>

#include <algorithm>
#include <array>
#include <cerrno>

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <boost/asio/bind_allocator.hpp>
#include <boost/asio/post.hpp>

#include "common/encode.hpp"
#include "common/names.hpp"
#include "common/text_check.hpp"
#include "server/peer_address.hpp"
#include "server/session_registry.hpp"
#include "server/slab_pool.hpp"
#include "server/write_scheduler.hpp"

namespace chat {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// How many reads one readiness event may do before other connections get their turn.
constexpr int reads_per_event = 4;
// How long a closing connection may take to read its BYE and hang up.
constexpr auto linger_bound = std::chrono::seconds(2);
// Ranges per writev; a range is often a whole 64 KiB chunk, so this is rarely the limit.
constexpr std::size_t iov_batch = 256;
// Queued bytes past which a delivery writes at once instead of waiting for the scheduler.
constexpr std::size_t eager_write_bytes = std::size_t{256} * 1024;

std::string_view trim_blanks(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

bool is_disconnect(const error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

}  // namespace

session::session(tcp_socket socket, server_context& ctx)
    : socket_(std::move(socket)),
      ctx_(ctx),
      framer_(ctx.config.max_line),
      bucket_(ctx.config.rate, ctx.config.burst, clock::now()),
      phase_started_(clock::now()),
      last_heard_(phase_started_) {
    error_code ec;
    const auto remote = socket_.remote_endpoint(ec);
    peer_ = {normalized(remote.address()), remote.port()};
}

void session::start() {
    const auto& c = ctx_.config;
    const std::string limits = fmt::format(
        "max-line={},max-name={},rate={},burst={},max-send-queue={},idle-timeout={},"
        "handshake-timeout={}",
        c.max_line, max_name_length, c.rate, c.burst, c.max_send_queue,
        std::chrono::duration<double>(c.idle_timeout).count(),
        std::chrono::duration<double>(c.handshake_timeout).count());
    reply({"HELLO", protocol_version, limits,
           "Welcome! Send your name, or an empty line for a generated one."});
    wait_readable();
}

// ---------------------------------------------------------------------------------------------
// Reading

template <class Handler>
auto session::in_pool(Handler&& handler) {
    // An idle connection's only allocation besides the session is its pending wait: keep it in
    // the same pool, where it leaves with the connection (see slab_pool.hpp).
    return asio::bind_allocator(std::pmr::polymorphic_allocator<std::byte>(&ctx_.memory),
                                std::forward<Handler>(handler));
}

void session::wait_readable() {
    socket_.async_wait(
        asio::socket_base::wait_read,
        in_pool([self = shared_from_this()](const error_code& ec) { self->on_readable(ec); }));
}

void session::on_readable(const error_code& ec) {
    if (ec || state_ == state::closed) {
        return;  // cancelled by close; nothing else can fail a wait
    }
    auto& buffer = ctx_.read_buffer;
    for (int round = 0; round < reads_per_event; ++round) {
        error_code read_ec;
        const std::size_t n = socket_.read_some(asio::buffer(buffer), read_ec);
        if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
            wait_readable();
            return;
        }
        if (read_ec == asio::error::eof) {
            on_eof();
            return;
        }
        if (read_ec) {
            close(is_disconnect(read_ec) ? close_reason::disconnected : close_reason::io_error);
            return;
        }
        if (state_ == state::closing) {
            continue;  // lingering: input is read only so that closing sends FIN, not RST
        }
        if (!consume(std::string_view{buffer.data(), n})) {
            return;  // throttled: the timer resumes reading
        }
    }
    // More may be waiting, but others get their turn first.
    asio::post(ctx_.io, [self = shared_from_this()] { self->on_readable({}); });
}

void session::on_eof() {
    peer_done_ = true;
    if (state_ == state::closing) {
        if (half_closed_) {
            finish();  // our goodbye is out and the peer has hung up
        }
        return;  // the flush under way ends the connection once our output is out
    }
    // An unfinished line in the framer dies here: it was never a message. What is queued for
    // the peer still goes out, since a script that ends its input still reads the replies.
    close(close_reason::disconnected);
}

bool session::consume(std::string_view bytes) {
    const auto now = clock::now();
    if (const auto wait = bucket_.wait_time(now); wait > clock::duration::zero()) {
        throttled().backlog.append(bytes);
        throttle(wait);
        return false;
    }
    const std::size_t used = framer_.feed(bytes, [&](frame_event event, std::string_view line) {
        last_heard_ = now;  // a whole line is a sign of life; a trickle of bytes is not
        handle_line(event, line);
        bucket_.try_take(now);
        return is_open() && bucket_.wait_time(now) == clock::duration::zero();
    });
    if (!is_open()) {
        return true;  // the line closed us; the caller reads on only to see the peer hang up
    }
    if (used < bytes.size()) {
        throttled().backlog.append(bytes.substr(used));
        throttle(bucket_.wait_time(clock::now()));
        return false;
    }
    return true;
}

session::throttle_state& session::throttled() {
    if (!throttle_) {
        throttle_ = std::make_unique<throttle_state>(ctx_.io);
    }
    return *throttle_;
}

void session::throttle(clock::duration wait) {
    throttle_state& t = throttled();
    t.timer.expires_after(wait);
    t.timer.async_wait(in_pool([self = shared_from_this()](const error_code& ec) {
        if (!ec) {
            self->on_throttle_end();
        }
    }));
}

void session::on_throttle_end() {
    if (state_ == state::closed) {
        return;
    }
    if (state_ == state::closing) {
        wait_readable();  // reading stopped for the flood; resume it to see the peer hang up
        return;
    }
    std::string pending;
    pending.swap(throttle_->backlog);
    if (consume(pending)) {
        wait_readable();
    }
}

void session::handle_line(frame_event event, std::string_view line) {
    if (event == frame_event::too_long) {
        send_error(protocol_error::line_too_long,
                   fmt::format("lines are limited to {} bytes; that one was dropped",
                               ctx_.config.max_line));
        return;
    }
    switch (check_text(line)) {
        case text_fault::ok:
            break;
        case text_fault::bad_utf8:
            send_error(protocol_error::bad_encoding,
                       "that line was not valid UTF-8; it was dropped");
            return;
        case text_fault::nul:
            send_error(protocol_error::bad_encoding, "that line held a NUL byte; it was dropped");
            return;
        case text_fault::control_char:
            send_error(protocol_error::bad_encoding,
                       "that line held a control character; it was dropped");
            return;
        case text_fault::layout_control:
            send_error(protocol_error::bad_encoding,
                       "that line held a line separator or bidi override (U+2028, U+2029, "
                       "U+202A to U+202E); it was dropped");
            return;
    }
    if (state_ == state::handshake) {
        handle_name(line);
    } else {
        handle_command(line);
    }
}

void session::handle_name(std::string_view line) {
    const std::string_view wanted = trim_blanks(line);
    switch (ctx_.lobby.join(shared_from_this(), wanted)) {
        case route_result::ok:
            state_ = state::registered;
            reply({"WELCOME", name(), fmt::format("Hello {}! /help lists the commands.", name())});
            spdlog::info("{} registered as {}", describe(peer_), name());
            return;
        case route_result::name_taken:
            send_error(protocol_error::name_taken,
                       fmt::format("{}; send another",
                                   name_taken_text(wanted, ctx_.lobby.taken_by(wanted))));
            return;
        default:
            send_error(protocol_error::name_invalid,
                       fmt::format("{}; send another", explain(check_name(wanted))));
            return;
    }
}

void session::handle_command(std::string_view line) {
    const command cmd = parse_command(line);
    room& lobby = ctx_.lobby;
    switch (cmd.kind) {
        case command_kind::empty:
            return;
        case command_kind::say:
            SPDLOG_DEBUG("MSG {}: {}", name(), cmd.text);
            lobby.say(*this, cmd.text);
            return;
        case command_kind::me:
            SPDLOG_DEBUG("ME {}: {}", name(), cmd.text);
            lobby.act(*this, cmd.text);
            return;
        case command_kind::private_message:
            if (lobby.whisper(*this, cmd.target, cmd.text) == route_result::ok) {
                SPDLOG_DEBUG("PRIV {} -> {}: {}", name(), cmd.target, cmd.text);
            } else {
                send_error(protocol_error::no_such_user,
                           fmt::format("nobody here is called {}", cmd.target));
            }
            return;
        case command_kind::nick: {
            const std::string old_name = name();
            switch (lobby.rename(*this, cmd.target)) {
                case route_result::ok:
                    if (old_name != name()) {
                        spdlog::info("{} renamed {} -> {}", describe(peer_), old_name, name());
                    }
                    return;
                case route_result::name_taken:
                    send_error(protocol_error::name_taken,
                               name_taken_text(cmd.target, lobby.taken_by(cmd.target)));
                    return;
                default:
                    send_error(protocol_error::name_invalid, explain(check_name(cmd.target)));
                    return;
            }
        }
        case command_kind::who:
            lobby.who(*this);
            return;
        case command_kind::ping:
            if (cmd.text.empty()) {
                reply({"PONG"});
            } else {
                reply({"PONG", cmd.text});
            }
            return;
        case command_kind::pong:
            if (cmd.text == decimal(ping_sent_).view()) {
                ping_sent_ = 0;
            }
            return;
        case command_kind::help:
            reply({"INFO", "Type a line to talk to the room. Commands:"});
            reply({"INFO", "@NAME TEXT or /msg NAME TEXT - a private message"});
            reply({"INFO", "/me ACTION - an action, shown as '* you ACTION'"});
            reply({"INFO", "/nick NAME - change your name; /who - who is here"});
            reply({"INFO", "/ping [TOKEN] - PONG back; /stats - server figures"});
            reply({"INFO", "/quit [REASON] - leave; //TEXT sends /TEXT"});
            return;
        case command_kind::stats:
            reply({"INFO", fmt::format("connections={} users={} messages={}", ctx_.sessions.size(),
                                       lobby.size(), lobby.messages_routed())});
            return;
        case command_kind::quit:
            close(close_reason::quit, cmd.text);
            return;
        case command_kind::unknown:
            send_error(protocol_error::unknown_command,
                       fmt::format("there is no command /{}; /help lists them", cmd.target));
            return;
        case command_kind::usage:
            send_error(protocol_error::usage, fmt::format("usage: {}", usage_of(cmd.target)));
            return;
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

void session::reply(std::initializer_list<std::string_view> fields) {
    deliver(encode_line(ctx_.arena, fields));
}

void session::send_error(protocol_error code, std::string_view text) {
    reply({"ERR", to_string(code), text});
}

void session::deliver(const frame& f, urgency when) {
    if (state_ == state::closed || output_refused_ || half_closed_) {
        return;
    }
    out_.push(f);
    const std::size_t limit = ctx_.config.max_send_queue;
    // One turn of the loop can fan out more than a receiver may queue: past half the limit
    // (or 256 KiB) write at once rather than wait for the scheduler, so that only bytes the
    // socket really refused count against the limit.
    const std::size_t eager =
        limit == 0 ? eager_write_bytes : std::min(eager_write_bytes, limit / 2);
    if (out_.bytes() >= eager && !waiting_writable_) {
        switch (write_queued()) {
            case write_result::done:
                return;
            case write_result::blocked:
                wait_writable();
                break;
            case write_result::failed:
                refuse_output(write_failure_);
                return;
        }
    }
    if (limit != 0 && out_.bytes() > limit) {
        // Never close inside a broadcast: drop the backlog now so memory stays bounded, refuse
        // everything else, and end the session from a fresh handler.
        refuse_output(close_reason::slow_consumer);
        return;
    }
    if (when == urgency::soon) {
        if (!flush_scheduled_ && !soon_scheduled_ && !waiting_writable_) {
            soon_scheduled_ = true;
            ctx_.writes.schedule_soon(shared_from_this());
        }
        return;
    }
    schedule_flush();
}

void session::refuse_output(close_reason reason) {
    output_refused_ = true;
    out_.clear();
    asio::post(ctx_.io, [self = shared_from_this(), reason] { self->close(reason); });
}

void session::schedule_flush() {
    if (!flush_scheduled_ && !waiting_writable_) {
        flush_scheduled_ = true;
        ctx_.writes.schedule(shared_from_this());
    }
}

session::write_result session::write_queued() {
    std::array<std::string_view, iov_batch> ranges;
    std::array<iovec, iov_batch> iov{};
    while (!out_.empty()) {
        const std::size_t count = out_.gather(ranges, SIZE_MAX);
        std::size_t total = 0;
        for (std::size_t i = 0; i < count; ++i) {
            iov[i].iov_base = const_cast<char*>(ranges[i].data());
            iov[i].iov_len = ranges[i].size();
            total += ranges[i].size();
        }
        const ssize_t written =
            ::writev(socket_.native_handle(), iov.data(), static_cast<int>(count));
        if (written < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return write_result::blocked;
            }
            const error_code ec(errno, boost::system::system_category());
            write_failure_ =
                is_disconnect(ec) ? close_reason::disconnected : close_reason::io_error;
            out_.clear();
            return write_result::failed;
        }
        out_.consume(static_cast<std::size_t>(written));
        if (static_cast<std::size_t>(written) < total) {
            return write_result::blocked;
        }
    }
    return write_result::done;
}

void session::flush() {
    flush_scheduled_ = false;
    soon_scheduled_ = false;
    if (state_ == state::closed || waiting_writable_) {
        return;
    }
    switch (write_queued()) {
        case write_result::done:
            if (state_ == state::closing) {
                on_flushed();
            }
            return;
        case write_result::blocked:
            wait_writable();
            return;
        case write_result::failed:
            if (state_ == state::closing) {
                finish();
            } else {
                close(write_failure_);
            }
            return;
    }
}

void session::wait_writable() {
    waiting_writable_ = true;
    socket_.async_wait(asio::socket_base::wait_write,
                       in_pool([self = shared_from_this()](const error_code& ec) {
                           self->waiting_writable_ = false;
                           if (!ec) {
                               self->flush();
                           }
                       }));
}

// ---------------------------------------------------------------------------------------------
// Closing

void session::close(close_reason reason, std::string_view text) {
    if (state_ == state::closing || state_ == state::closed) {
        return;
    }
    const bool was_member = state_ == state::registered;
    state_ = state::closing;
    reason_ = reason;
    phase_started_ = clock::now();
    if (was_member) {
        spdlog::info("{} ({}) disconnected: {}", describe(peer_), name(), to_string(reason));
        ctx_.lobby.leave(*this, to_leave_reason(reason), text, reason != close_reason::shutdown);
    } else {
        spdlog::info("{} disconnected before registering: {}", describe(peer_), to_string(reason));
    }
    if (throttle_) {
        throttle_->timer.cancel();
        throttle_->backlog.clear();
    }
    if (!says_goodbye(reason) && !peer_done_) {
        finish();  // reset, I/O error or slow consumer: nothing more can or should be sent
        return;
    }
    if (!says_goodbye(reason)) {
        schedule_flush();  // the peer only stopped sending: flush its replies, then close
        return;
    }
    std::string_view bye = "closing";
    switch (reason) {
        case close_reason::quit:
            bye = "goodbye";
            break;
        case close_reason::idle_timeout:
            bye = "idle for too long";
            break;
        case close_reason::handshake_timeout:
            bye = "no name given in time";
            break;
        case close_reason::shutdown:
            bye = "server shutting down";
            break;
        default:
            break;
    }
    out_.push(encode_line(ctx_.arena, {"BYE", bye}));
    schedule_flush();
}

void session::on_flushed() {
    if (half_closed_) {
        return;
    }
    // Everything including BYE is out: send FIN, and keep reading until the peer closes, so
    // that unread input does not turn our close into a reset that could destroy the BYE.
    half_closed_ = true;
    error_code ec;
    socket_.shutdown(asio::socket_base::shutdown_send, ec);
    if (reason_ == close_reason::shutdown || peer_done_) {
        finish();  // the daemon is stopping, or the peer has already hung up its side
    }
}

void session::finish() {
    if (state_ == state::closed) {
        return;
    }
    state_ = state::closed;
    error_code ec;
    if (reason_ == close_reason::shutdown || half_closed_) {
        // Drain what is readable now so that close() sends FIN rather than RST.
        std::array<char, 4096> sink{};
        for (int i = 0; i < 16; ++i) {
            const auto n = socket_.read_some(asio::buffer(sink), ec);
            if (ec || n == 0) {
                break;
            }
        }
    }
    socket_.close(ec);
    out_.clear();
    if (throttle_) {
        throttle_->timer.cancel();
    }
    ctx_.sessions.remove(*this);
}

std::optional<close_reason> session::check_deadlines(clock::time_point now) {
    const auto& c = ctx_.config;
    switch (state_) {
        case state::handshake:
            if (c.handshake_timeout.count() > 0 && now - phase_started_ >= c.handshake_timeout) {
                return close_reason::handshake_timeout;
            }
            return std::nullopt;
        case state::registered: {
            if (c.idle_timeout.count() == 0) {
                return std::nullopt;
            }
            const auto quiet = now - last_heard_;
            if (quiet >= c.idle_timeout) {
                return close_reason::idle_timeout;
            }
            if (quiet < c.idle_timeout / 2) {
                ping_sent_ = 0;  // heard from since the last PING, which needs no answer now
            } else if (ping_sent_ == 0) {
                ping_sent_ = ++ctx_.ping_tokens;
                reply({"PING", decimal(ping_sent_).view()});
            }
            return std::nullopt;
        }
        case state::closing: {
            const auto bound = reason_ == close_reason::shutdown
                                   ? std::chrono::duration_cast<clock::duration>(c.shutdown_timeout)
                                   : std::chrono::duration_cast<clock::duration>(linger_bound);
            if (now - phase_started_ >= bound) {
                return reason_;
            }
            return std::nullopt;
        }
        case state::closed:
            return std::nullopt;
    }
    return std::nullopt;
}

void session::on_deadline(close_reason reason) {
    if (state_ == state::closing) {
        finish();  // the goodbye could not be delivered in time
    } else {
        close(reason);
    }
}

}  // namespace chat
