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
#include "server/peer_address.hpp"
#include "server/session_registry.hpp"
#include "server/slab_pool.hpp"
#include "server/write_scheduler.hpp"

namespace chat {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

// How long a sender's reading pauses when a line of its pushed a receiver past the soft mark.
constexpr auto pressure_pause = std::chrono::milliseconds(10);
// A receiver whose socket took nothing for this long is not reading: no back-pressure for it.
constexpr auto not_reading = std::chrono::milliseconds(200);
// A read under flood control is at most max-line plus this.
constexpr std::size_t throttled_read_slack = 4096;
// How many reads one readiness event may do before other connections get their turn.
constexpr int reads_per_event = 4;
// How long a closing connection may take to read its BYE and hang up.
constexpr auto linger_bound = std::chrono::seconds(2);
// Ranges per writev; a range is often a whole 64 KiB chunk, so this is rarely the limit.
constexpr std::size_t iov_batch = 256;
// Queued bytes past which a delivery writes at once instead of waiting for the scheduler.
constexpr std::size_t eager_write_bytes = std::size_t{256} * 1024;

bool is_disconnect(const error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::broken_pipe || ec == asio::error::connection_aborted;
}

}  // namespace

session::session(tcp_socket socket, asio::ip::tcp::endpoint peer, server_context& ctx, bool logged)
    : socket_(std::move(socket)),
      ctx_(ctx),
      peer_(std::move(peer)),
      framer_(ctx.config.max_line),
      bucket_(ctx.config.rate, ctx.config.burst, clock::now()),
      core_(*this, ctx.chat, clock::now()),
      logged_(logged) {}

void session::start() {
    core_.start();
    wait_readable();
}

std::string session::describe_peer() const {
    return describe(peer_);
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
    // Under flood control a read is at most a line and a little more: what the bucket cannot
    // take yet is kept in the backlog, and this keeps that backlog small (a full read would be
    // 64 KiB per throttled connection); the kernel holds the rest, and TCP slows the sender.
    const std::size_t read_size =
        ctx_.config.rate > 0 ? std::min(buffer.size(), ctx_.config.max_line + throttled_read_slack)
                             : buffer.size();
    for (int round = 0; round < reads_per_event; ++round) {
        error_code read_ec;
        const std::size_t n = socket_.read_some(asio::buffer(buffer.data(), read_size), read_ec);
        if (read_ec == asio::error::would_block || read_ec == asio::error::try_again) {
            wait_readable();
            return;
        }
        if (read_ec == asio::error::eof) {
            on_eof();
            return;
        }
        if (read_ec) {
            // The end of input came as EOF above: an error here is the network failing.
            close(is_disconnect(read_ec) ? close_reason::connection_lost : close_reason::io_error);
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
    bool pressed = false;
    const std::size_t used = framer_.feed(bytes, [&](frame_event event, std::string_view line) {
        // Receivers this line pushes past their soft mark raise the flag (see deliver); only
        // what happens while this line is handled counts against this sender.
        ctx_.pressure = false;
        ctx_.handling_line = true;
        if (event == frame_event::too_long) {
            core_.on_line_too_long();
        } else {
            core_.on_line(line, now);
        }
        ctx_.handling_line = false;
        pressed = ctx_.pressure;
        ctx_.pressure = false;
        bucket_.try_take(now);
        bucket_.charge(core_.take_extra_cost(), now);
        return is_open() && !pressed && bucket_.wait_time(now) == clock::duration::zero();
    });
    if (!is_open()) {
        return true;  // the line closed us; the caller reads on only to see the peer hang up
    }
    if (used < bytes.size() || pressed) {
        // Flood control or a receiver that is behind: stop reading for a while, keeping what
        // was read but not handled. TCP pushes back on the sender meanwhile; nothing is dropped.
        throttled().backlog.append(bytes.substr(used));
        const auto wait = bucket_.wait_time(clock::now());
        throttle(pressed ? std::max<clock::duration>(wait, pressure_pause) : wait);
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

// ---------------------------------------------------------------------------------------------
// Writing

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
        const auto result = write_queued();
        after_write();
        switch (result) {
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
    if (limit != 0 && out_.bytes() > limit / 2) {
        on_past_soft_mark();
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

void session::on_past_soft_mark() {
    // Past half the limit a receiver is behind, not yet lost. Ask the sender of the line being
    // handled to pause (consume() reads the flag), so a burst slows down to what the receiver
    // takes instead of dropping a reader that keeps up on average. Each time it falls behind a
    // receiver may cause at most a quarter of --send-stall-timeout of such pauses: one that never
    // catches up cannot hold a room back for long. It is dropped when it reaches the hard limit,
    // or has stayed past the soft mark for --send-stall-timeout (check_deadlines).
    // A receiver whose socket has taken nothing for a while is not reading at all: slowing its
    // senders would not help it, so it only runs into the hard limit.
    const auto now = clock::now();
    if (stalled_since_ == clock::time_point{}) {
        stalled_since_ = now;
    }
    // Only a line being handled has a sender to pause; notices from the sweep or a close do not.
    if (ctx_.handling_line && pressure_caused_ < ctx_.config.send_stall_timeout / 4 &&
        now - last_progress_ < not_reading) {
        ctx_.pressure = true;
        pressure_caused_ += pressure_pause;
    }
}

void session::abandon() {
    core_.on_close(close_reason::shutdown, {});
    out_.clear();
    output_refused_ = true;
}

void session::after_write() {
    if (out_.bytes() <= ctx_.config.max_send_queue / 2) {
        stalled_since_ = clock::time_point{};  // caught up: a later fall behind starts afresh
        pressure_caused_ = clock::duration::zero();
    }
    if (replay_waits_for_room_ && out_.bytes() < replay_byte_budget(ctx_.config)) {
        replay_waits_for_room_ = false;
        continue_later();
    }
}

void session::refuse_output(close_reason reason) {
    output_refused_ = true;
    refused_for_ = reason;
    out_.clear();
    asio::post(ctx_.io, [self = shared_from_this(), reason] { self->close(reason); });
}

void session::continue_later() {
    // The next part of a resume's replay once this peer has taken most of the last: a replay
    // must neither hold the loop nor fill the queue up to the slow-consumer limit. With more
    // queued than that, after_write asks again once the socket has taken enough: no timer, no
    // polling, and a peer that never reads is left to the stall and idle limits.
    if (out_.bytes() >= replay_byte_budget(ctx_.config)) {
        replay_waits_for_room_ = true;
        return;
    }
    asio::post(ctx_.io, [self = shared_from_this()] {
        if (self->is_open() && self->core_.replaying()) {
            self->core_.continue_replay();
        }
    });
}

void session::schedule_flush() {
    if (!flush_scheduled_ && !waiting_writable_) {
        flush_scheduled_ = true;
        ctx_.writes.schedule(shared_from_this());
    }
}

session::write_result session::write_queued() {
    // Nothing is shown before it is stored: whatever this turn recorded is committed before any
    // byte of it can reach a socket. Once per turn in practice; a flag test otherwise.
    ctx_.chat.messages.commit(ctx_.chat.ids.last());
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
                is_disconnect(ec) ? close_reason::connection_lost : close_reason::io_error;
            out_.clear();
            return write_result::failed;
        }
        out_.consume(static_cast<std::size_t>(written));
        if (written > 0) {
            last_progress_ = clock::now();  // a few ns beside a write of microseconds
        }
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
    const auto result = write_queued();
    after_write();
    switch (result) {
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
    if (state_ != state::open) {
        return;
    }
    if (output_refused_) {
        // Dropped already (slow consumer, broken pipe): whatever closes it first, that is why
        // it ends, and nothing more goes out.
        reason = refused_for_;
        text = {};
    }
    state_ = state::closing;
    reason_ = reason;
    closing_started_ = clock::now();
    // A connection whose arrival was kept out of the log (a storm) leaves without a line too.
    if (logged_ && reason == close_reason::resumed_elsewhere) {
        // Its core already handed the session over: it has no name of its own any more.
        spdlog::info("{} disconnected: its session was resumed by another connection",
                     describe(peer_));
    } else if (logged_ && core_.registered()) {
        spdlog::info("{} ({}) disconnected: {}", describe(peer_), core_.name(), to_string(reason));
    } else if (logged_) {
        spdlog::info("{} disconnected before registering: {}", describe(peer_), to_string(reason));
    }
    core_.on_close(reason, text);
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
    out_.push(encode_bye(ctx_.chat.directs, bye_text(reason)));
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
    switch (state_) {
        case state::open: {
            const auto stall = ctx_.config.send_stall_timeout;
            if (stalled_since_ != clock::time_point{} && stall.count() > 0 &&
                now - stalled_since_ >= stall) {
                return close_reason::slow_consumer;
            }
            return core_.check_deadlines(now);
        }
        case state::closing: {
            const auto bound =
                reason_ == close_reason::shutdown
                    ? std::chrono::duration_cast<clock::duration>(ctx_.config.shutdown_timeout)
                    : std::chrono::duration_cast<clock::duration>(linger_bound);
            if (now - closing_started_ >= bound) {
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
