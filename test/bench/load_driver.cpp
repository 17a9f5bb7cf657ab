#include "test/bench/load_driver.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "test/bench/payload.hpp"
#include "test/bench/proc_stats.hpp"

namespace chat::bench {

namespace {

constexpr std::uint32_t timer_id = UINT32_MAX;
constexpr std::size_t read_buffer_size = 256 * 1024;
// Reads per readiness event: a receiver that still has data waits for the next epoll round, so
// one busy connection cannot starve the others.
constexpr int reads_per_event = 4;
// Bytes of frames a sender builds at a time, and writes per writability event.
constexpr std::size_t fill_bytes = 32 * 1024;
constexpr int writes_per_event = 4;
constexpr int max_events = 512;
// This long without a delivery means some will never come. Redis, fanning out to 10,000
// subscribers, queues every reply before it writes any and can be silent for over 5 s.
constexpr std::uint64_t stall_ns = 20'000'000'000;
// Paced messages sent per timer expiry when the loop has fallen behind.
constexpr std::uint64_t catch_up_limit = 10'000;

std::string errno_text() {
    return std::strerror(errno);
}

}  // namespace

load_driver::load_driver(const bench_config& config, const bench::wire& w)
    : config_(config), wire_(w), buffer_(read_buffer_size) {
    epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
    timer_ = ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (epoll_ < 0 || timer_ < 0) {
        fail("cannot create epoll or timerfd: " + errno_text());
        return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = timer_id;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, timer_, &ev);
}

load_driver::~load_driver() {
    close_all();
    if (timer_ >= 0) {
        ::close(timer_);
    }
    if (epoll_ >= 0) {
        ::close(epoll_);
    }
}

void load_driver::expect_handshake(client& c, bool subscriber) const {
    switch (wire_.target()) {
        case target::chat:
            // chat/2 puts every new user in the default room and says so with JOINED; chat/1's
            // WELCOME meant "in the room".
            c.joins_wanted = config_.protocol >= 2 ? 1 : 0;
            break;
        case target::redis:
            c.needs_registration = !subscriber;  // a publisher's PING is its handshake
            c.joins_wanted = subscriber ? 1 : 0;
            break;
        case target::nats:
            break;  // PONG comes after the SUB has been processed
    }
}

std::string load_driver::first_room(const client& c) const {
    return many_rooms_ ? wire_.room_name(c.room) : std::string();
}

void load_driver::make_frames(bool per_room) {
    frames_.clear();
    for (std::size_t k = 0; k < (per_room ? rooms_ : 1); ++k) {
        const std::string prefix =
            wire_.frame_prefix(per_room ? wire_.room_name(static_cast<std::uint32_t>(k)) : "");
        frame_template f{prefix, prefix.size()};
        f.bytes.append(config_.size, '.');
        f.bytes += wire_.frame_suffix();
        format_payload(f.bytes.data() + f.payload_at, config_.size, {});
        frames_.push_back(std::move(f));
    }
    for (client& c : clients_) {
        c.frame = per_room ? c.room : 0;
    }
}

void load_driver::setup(std::size_t receivers, std::size_t senders) {
    const bool separate = !wire_.senders_receive();
    clients_.assign(receivers + (separate ? senders : 0), client{});
    sender_ids_.assign(senders, 0);
    check_.reset(receivers, senders);
    subscribers_per_publish_ = receivers;
    for (std::size_t i = 0; i < receivers; ++i) {
        clients_[i].receiver = static_cast<std::uint32_t>(i);
    }
    for (std::size_t s = 0; s < senders; ++s) {
        const std::size_t id = separate ? receivers + s : s;
        clients_[id].sender = static_cast<std::uint32_t>(s);
        sender_ids_[s] = static_cast<std::uint32_t>(id);
        if (!separate) {
            check_.set_self(id, static_cast<std::uint32_t>(s));
        }
    }
    for (client& c : clients_) {
        expect_handshake(c, c.receiver != verifier::nobody);
    }
    make_frames(false);
    // Each sender's window is measured at the last receiver, or the first if that is itself.
    watched_.assign(senders, 0);
    watcher_.assign(senders, 0);
    for (std::size_t s = 0; s < senders && receivers != 0; ++s) {
        const auto last = static_cast<std::uint32_t>(receivers - 1);
        watcher_[s] = (!separate && s == last) ? 0 : last;
    }
}

void load_driver::setup_rooms(std::size_t rooms, std::size_t members) {
    const std::size_t n = rooms * members;
    many_rooms_ = true;
    rooms_ = rooms;
    rooms_per_client_ = 1;
    clients_.assign(n, client{});
    sender_ids_.resize(n);
    check_.reset_rooms(n, members);
    subscribers_per_publish_ = members;  // Redis members hear themselves
    watched_.assign(n, 0);
    watcher_.assign(n, 0);
    for (std::size_t i = 0; i < n; ++i) {
        client& c = clients_[i];
        const auto id = static_cast<std::uint32_t>(i);
        c.receiver = c.sender = sender_ids_[i] = id;
        c.room = static_cast<std::uint32_t>(i / members);
        expect_handshake(c, true);
        if (!wire_.hears_itself()) {
            check_.set_self(i, id);
        }
        // The window is measured at the next member of the same room.
        const std::size_t first = i - i % members;
        watcher_[i] = static_cast<std::uint32_t>(first + (i - first + 1) % members);
    }
    make_frames(wire_.target() != target::chat);
}

void load_driver::setup_joins(std::size_t clients, std::size_t rooms, std::size_t per_client) {
    rooms_ = rooms;
    rooms_per_client_ = per_client;
    clients_.assign(clients, client{});
    check_.reset(0, 0);
    for (std::size_t i = 0; i < clients; ++i) {
        clients_[i].receiver = static_cast<std::uint32_t>(i);
        clients_[i].room = static_cast<std::uint32_t>(i % rooms);
    }
    make_frames(false);
}

bool load_driver::is_room_of(const client& c, std::string_view name) const {
    if (rooms_ == 0) {
        return true;  // one room: the server's default room, whatever it is called
    }
    const auto k = wire_.room_index(name);
    if (!k || *k >= rooms_ || c.room == verifier::nobody) {
        return false;
    }
    return (*k + rooms_ - c.room) % rooms_ < rooms_per_client_;
}

std::string load_driver::name_of(const client& c) const {
    if (c.kind != role::member) {
        return std::string(away_name);
    }
    if (c.receiver == verifier::nobody) {
        return fmt::format("p{:05}", c.sender);
    }
    return fmt::format("b{:05}", c.receiver);
}

void load_driver::fail(std::string why) {
    if (error_.empty()) {
        error_ = std::move(why);
    }
}

// ---------------------------------------------------------------------------------------------
// The loop

bool load_driver::run_until(std::uint64_t deadline_ns, const char* what,
                            bool (load_driver::*done)() const) {
    std::array<epoll_event, max_events> events{};
    std::uint64_t seen = progress_;
    std::uint64_t seen_at = monotonic_ns();
    while (!failed()) {
        if (done != nullptr && (this->*done)()) {
            return true;
        }
        const std::uint64_t now = monotonic_ns();
        if (now >= deadline_ns) {
            if (done == nullptr) {
                return true;  // a hold: the deadline is its end
            }
            fail(fmt::format("timed out while {} (--timeout {} s)", what, config_.timeout));
            return false;
        }
        if (progress_ != seen) {
            seen = progress_;
            seen_at = now;
        } else if ((expected_ != 0 || joins_expected_ != 0) && now - seen_at > stall_ns) {
            // Senders on loopback never pause this long: whatever is missing is lost.
            fail(
                fmt::format("nothing arrived for {} s while {}: got {} of {} deliveries, {} of {} "
                            "acknowledgements, {} of {} JOINED, {} of {} JOIN notices",
                            stall_ns / 1'000'000'000, what, check_.received(), expected_, acks_,
                            acks_expected_, joins_, joins_expected_, notices_, notices_expected_));
            return false;
        }
        const auto wait_ms = static_cast<int>(
            std::min<std::uint64_t>(100, (deadline_ns - now + 999'999) / 1'000'000));
        const int n = ::epoll_wait(epoll_, events.data(), max_events, wait_ms);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail("epoll_wait: " + errno_text());
            return false;
        }
        for (int i = 0; i < n && !failed(); ++i) {
            const auto& ev = events[static_cast<std::size_t>(i)];
            on_event(ev.data.u32, ev.events);
        }
    }
    return false;
}

bool load_driver::all_ready() const {
    return ready_ == clients_.size();
}

bool load_driver::all_delivered() const {
    return check_.received() >= expected_ && acks_ >= acks_expected_ &&
           (!resuming_ || resume_.settled());
}

bool load_driver::all_joined() const {
    return joins_ >= joins_expected_ && notices_ >= notices_expected_;
}

void load_driver::check_ready(client& c) {
    if (c.state == phase::handshake && (c.registered || !c.needs_registration) &&
        c.joined >= c.joins_wanted) {
        c.state = phase::ready;
        ++ready_;
        --in_flight_;
        open_more();
    }
}

void load_driver::on_event(std::uint32_t id, std::uint32_t events) {
    if (id == timer_id) {
        on_timer();
        return;
    }
    client& c = clients_[id];
    if (c.state == phase::connecting) {
        if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0) {
            return;
        }
        on_connected(c);
    }
    if (c.state != phase::closed && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) != 0) {
        on_readable(c);
    }
    if (c.state != phase::closed && !failed() && (events & EPOLLOUT) != 0) {
        pump(c);
    }
}

// ---------------------------------------------------------------------------------------------
// Connecting

bool load_driver::connect_all(std::uint64_t deadline_ns) {
    open_more();
    return run_until(deadline_ns, "connecting and registering clients", &load_driver::all_ready);
}

void load_driver::open_more() {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(config_.port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // never anywhere but this machine
    while (in_flight_ < config_.connect_batch && next_open_ < clients_.size() && !failed()) {
        const auto id = static_cast<std::uint32_t>(next_open_++);
        client& c = clients_[id];
        c.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (c.fd < 0) {
            fail(fmt::format("socket() for client {} of {}: {}{}", id + 1, clients_.size(),
                             errno_text(),
                             errno == EMFILE ? " (raise the open-file limit: ulimit -n)" : ""));
            return;
        }
        const int one = 1;
        ::setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(c.fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0 &&
            errno != EINPROGRESS) {
            fail(fmt::format("connect to 127.0.0.1:{} (client {}): {}", config_.port, id + 1,
                             errno_text()));
            return;
        }
        epoll_event ev{};
        ev.events = EPOLLIN | EPOLLOUT;
        ev.data.u32 = id;
        ::epoll_ctl(epoll_, EPOLL_CTL_ADD, c.fd, &ev);
        c.state = phase::connecting;
        c.want_write = true;
        ++in_flight_;
    }
}

void load_driver::on_connected(client& c) {
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
        fail(fmt::format("connect to 127.0.0.1:{} ({}): {}", config_.port, name_of(c),
                         std::strerror(err)));
        return;
    }
    c.state = phase::handshake;
    send_control(c, wire_.on_connect(c.receiver != verifier::nobody, first_room(c)));
}

// ---------------------------------------------------------------------------------------------
// Reading

void load_driver::on_readable(client& c) {
    for (int round = 0; round < reads_per_event; ++round) {
        const std::size_t kept = c.carry.size();
        if (kept > buffer_.size() / 2) {
            fail(fmt::format("{} got a line longer than {} bytes", name_of(c), kept));
            return;
        }
        std::memcpy(buffer_.data(), c.carry.data(), kept);
        const ssize_t n = ::read(c.fd, buffer_.data() + kept, buffer_.size() - kept);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                return;
            }
            if (errno == EINTR) {
                continue;
            }
            fail(fmt::format("{}: read: {}", name_of(c), errno_text()));
            return;
        }
        if (n == 0) {
            fail(fmt::format(
                "the server closed {}{}", name_of(c),
                first_leave_.empty() ? "" : " (first LEAVE seen: " + first_leave_ + ")"));
            ::close(c.fd);
            c.fd = -1;
            c.state = phase::closed;
            return;
        }
        const std::uint64_t now = timing_ ? monotonic_ns() : 0;
        const char* p = buffer_.data();
        const char* const end = p + kept + static_cast<std::size_t>(n);
        while (p < end) {
            const auto* nl =
                static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
            if (nl == nullptr) {
                break;
            }
            std::size_t len = static_cast<std::size_t>(nl - p);
            if (len != 0 && p[len - 1] == '\r') {
                --len;
            }
            on_line(c, {p, len}, now);
            if (failed()) {
                return;
            }
            p = nl + 1;
        }
        c.carry.assign(p, end);
        if (static_cast<std::size_t>(n) < buffer_.size() - kept) {
            return;  // drained for now
        }
    }
}

void load_driver::on_line(client& c, std::string_view line, std::uint64_t now_ns) {
    if (c.kind != role::member) {
        on_resume_line(c, line, now_ns);
        return;
    }
    const line_event ev = wire_.classify(c.ws, line);
    switch (ev.kind) {
        case line_kind::delivery: {
            const auto f = parse_payload(ev.text, timing_);
            if (c.receiver == verifier::nobody || !f || ev.text.size() != config_.size) {
                fail(fmt::format("{} got a message that is not one of ours: '{}'", name_of(c),
                                 line.substr(0, 200)));
                return;
            }
            check_.record(c.receiver, f->sender, f->seq);
            ++progress_;
            if (config_.window != 0 && f->sender < watcher_.size() &&
                watcher_[f->sender] == c.receiver) {
                on_watched(f->sender, f->seq);
            }
            if (timing_ && f->sent_ns != 0) {
                const std::uint64_t ns = now_ns > f->sent_ns ? now_ns - f->sent_ns : 0;
                latency_.record(ns);
                if (resume_.during_replay(f->sent_ns)) {
                    replay_latency_.record(ns);
                }
            }
            return;
        }
        case line_kind::greeting:
            if (c.state == phase::handshake) {
                if (const std::string why = wire_.check_greeting(line);
                    !why.empty() && config_.mode != mode::connections) {
                    fail(why);
                    return;
                }
                send_control(c, wire_.after_greeting(c.receiver != verifier::nobody, name_of(c),
                                                     first_room(c)));
            }
            return;
        case line_kind::registered:
            c.registered = true;
            check_ready(c);
            return;
        case line_kind::joined:
            // Redis does not name the channel in the line we stop at; chat's JOINED may be for
            // the server's default room, which is not one the run asked for.
            if (wire_.target() == target::chat && !is_room_of(c, ev.text)) {
                if (other_joined_++ == 0) {
                    other_room_ = std::string(ev.text);
                }
                return;
            }
            ++c.joined;
            ++joins_;
            ++progress_;
            check_ready(c);
            return;
        case line_kind::notice:
            if (rooms_ != 0 && wire_.room_index(ev.text)) {
                ++notices_;
                ++progress_;
            }
            return;
        case line_kind::ack: {
            ++acks_;
            ++progress_;
            if (wire_.target() == target::redis && short_ack_.empty() &&
                ev.text != std::to_string(subscribers_per_publish_)) {
                short_ack_ = std::string(line);
            }
            return;
        }
        case line_kind::ping:
            send_control(c, wire_.pong(ev.text));
            return;
        case line_kind::left:
            ++leaves_;
            if (line.find("slow-consumer") != std::string_view::npos) {
                ++slow_leaves_;
            }
            if (first_leave_.empty()) {
                first_leave_ = std::string(line);
            }
            return;
        case line_kind::fault:
            fail(fmt::format("{} got '{}' from the server", name_of(c), line.substr(0, 200)));
            return;
        case line_kind::other:
            return;
    }
}

void load_driver::on_watched(std::uint32_t s, std::uint64_t seq) {
    watched_[s] = seq + 1;
    client& sender = clients_[sender_ids_[s]];
    // Resume a sender held by its window once half the window is free, not on every delivery.
    const std::uint64_t worth =
        std::min<std::uint64_t>(config_.window / 2 + 1, sender.end_seq - sender.next_seq);
    if (sender.window_blocked && sendable(sender) >= worth) {
        pump(sender);
    }
}

// ---------------------------------------------------------------------------------------------
// Writing

void load_driver::send_control(client& c, std::string_view bytes) {
    // `out` holds whole frames and lines only, so appending here never splits one.
    c.out.append(bytes);
    pump(c);
}

void load_driver::fill(client& c) {
    const frame_template& f = frames_[c.frame];
    const std::uint64_t batch = std::max<std::uint64_t>(1, fill_bytes / f.bytes.size());
    const std::uint64_t n = std::min(batch, sendable(c));
    c.out.reserve(c.out.size() + n * f.bytes.size());
    for (std::uint64_t i = 0; i < n; ++i) {
        const std::size_t at = c.out.size();
        c.out.append(f.bytes);
        stamp_payload(c.out.data() + at + f.payload_at, {c.sender, c.next_seq++, 0});
    }
}

std::uint64_t load_driver::sendable(const client& c) const {
    const std::uint64_t left = c.end_seq - c.next_seq;
    if (config_.window == 0 || c.sender == verifier::nobody) {
        return left;
    }
    const std::uint64_t limit = watched_[c.sender] + config_.window;
    return std::min(left, limit > c.next_seq ? limit - c.next_seq : 0);
}

void load_driver::pump(client& c) {
    if (c.state == phase::connecting || c.state == phase::closed) {
        return;
    }
    for (int round = 0; round < writes_per_event; ++round) {
        if (c.out_sent == c.out.size()) {
            c.out.clear();
            c.out_sent = 0;
            if (!blasting_ || sendable(c) == 0) {
                break;
            }
            fill(c);
        }
        const ssize_t n =
            ::send(c.fd, c.out.data() + c.out_sent, c.out.size() - c.out_sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                break;
            }
            if (errno == EINTR) {
                continue;
            }
            fail(fmt::format("{}: send: {}", name_of(c), errno_text()));
            return;
        }
        c.out_sent += static_cast<std::size_t>(n);
        if (c.out_sent < c.out.size()) {
            break;  // the socket is full
        }
    }
    c.window_blocked = blasting_ && c.next_seq < c.end_seq && sendable(c) == 0;
    set_want_write(c, c.out_sent < c.out.size() || (blasting_ && sendable(c) != 0));
}

void load_driver::set_want_write(client& c, bool on) {
    if (c.want_write == on || c.fd < 0) {
        return;
    }
    c.want_write = on;
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0U);
    ev.data.u32 = static_cast<std::uint32_t>(&c - clients_.data());
    ::epoll_ctl(epoll_, EPOLL_CTL_MOD, c.fd, &ev);
}

// ---------------------------------------------------------------------------------------------
// Scenarios

bool load_driver::blast(std::uint64_t messages, std::uint64_t deadline_ns) {
    return flood(std::vector<std::uint64_t>(sender_ids_.size(), messages), deadline_ns);
}

bool load_driver::blast_total(std::uint64_t total, std::uint64_t deadline_ns) {
    const std::size_t senders = sender_ids_.size();
    std::vector<std::uint64_t> counts(senders);
    for (std::size_t s = 0; s < senders; ++s) {
        counts[s] = total / senders + (s < total % senders ? 1 : 0);
    }
    return flood(counts, deadline_ns);
}

bool load_driver::flood(const std::vector<std::uint64_t>& counts, std::uint64_t deadline_ns) {
    std::uint64_t total = 0;
    for (std::size_t s = 0; s < sender_ids_.size(); ++s) {
        client& c = clients_[sender_ids_[s]];
        c.end_seq = c.next_seq + counts[s];
        check_.expect(s, c.end_seq);
        resume_.expect(s, c.end_seq);
        total += counts[s];
    }
    expected_ = check_.expected_total();
    acks_ = 0;
    acks_expected_ = wire_.acks_messages() ? total : 0;
    blasting_ = true;
    started_ns_ = monotonic_ns();
    for (const std::uint32_t id : sender_ids_) {
        pump(clients_[id]);
    }
    const bool ok = run_until(deadline_ns, "waiting for deliveries", &load_driver::all_delivered);
    finished_ns_ = monotonic_ns();
    blasting_ = false;
    return ok;
}

bool load_driver::paced(double rate, double seconds, std::uint64_t deadline_ns) {
    const std::size_t senders = sender_ids_.size();
    pace_total_ = static_cast<std::uint64_t>(std::llround(rate * seconds));
    pace_interval_ns_ = 1e9 / rate;
    pace_next_ = 0;
    for (std::size_t s = 0; s < senders; ++s) {
        const std::uint64_t end = clients_[sender_ids_[s]].next_seq + pace_total_ / senders +
                                  (s < pace_total_ % senders ? 1 : 0);
        check_.expect(s, end);
        resume_.expect(s, end);
    }
    expected_ = check_.expected_total();
    acks_ = 0;
    acks_expected_ = wire_.acks_messages() ? pace_total_ : 0;
    latency_ = latency_histogram{};
    max_lag_ns_ = 0;
    timing_ = true;
    pace_start_ns_ = monotonic_ns() + 1'000'000;
    started_ns_ = pace_start_ns_;
    itimerspec at{};
    at.it_value.tv_sec = static_cast<time_t>(pace_start_ns_ / 1'000'000'000);
    at.it_value.tv_nsec = static_cast<long>(pace_start_ns_ % 1'000'000'000);
    ::timerfd_settime(timer_, TFD_TIMER_ABSTIME, &at, nullptr);
    const bool ok = run_until(deadline_ns, "sending paced messages and waiting for deliveries",
                              &load_driver::all_delivered);
    finished_ns_ = monotonic_ns();
    timing_ = false;
    return ok;
}

void load_driver::on_timer() {
    std::uint64_t expiries = 0;
    if (::read(timer_, &expiries, sizeof expiries) < 0) {
        return;  // a stale readiness: nothing expired
    }
    const auto due = [this](std::uint64_t k) {
        return pace_start_ns_ +
               static_cast<std::uint64_t>(static_cast<double>(k) * pace_interval_ns_);
    };
    const std::size_t senders = sender_ids_.size();
    for (std::uint64_t sent = 0; sent < catch_up_limit && pace_next_ < pace_total_; ++sent) {
        const std::uint64_t when = due(pace_next_);
        const std::uint64_t now = monotonic_ns();
        if (when > now) {
            break;
        }
        max_lag_ns_ = std::max(max_lag_ns_, now - when);
        client& c = clients_[sender_ids_[pace_next_ % senders]];
        const frame_template& f = frames_[c.frame];
        const std::size_t at = c.out.size();
        c.out.append(f.bytes);
        stamp_payload(c.out.data() + at + f.payload_at, {c.sender, c.next_seq++, now});
        c.end_seq = c.next_seq;
        pump(c);
        ++pace_next_;
    }
    if (pace_next_ < pace_total_) {
        const std::uint64_t when = std::max(due(pace_next_), monotonic_ns() + 1);
        itimerspec at{};
        at.it_value.tv_sec = static_cast<time_t>(when / 1'000'000'000);
        at.it_value.tv_nsec = static_cast<long>(when % 1'000'000'000);
        ::timerfd_settime(timer_, TFD_TIMER_ABSTIME, &at, nullptr);
    }
}

bool load_driver::join_all(std::uint64_t deadline_ns) {
    // The rooms are empty before: a room that n clients join sees 0 + 1 + ... + n-1 JOIN
    // notices, each to a member that joined before. The lines are built before the clock starts.
    std::vector<std::uint64_t> per_room(rooms_, 0);
    std::vector<std::string> lines(clients_.size());
    for (std::size_t i = 0; i < clients_.size(); ++i) {
        client& c = clients_[i];
        c.joins_wanted = static_cast<std::uint32_t>(rooms_per_client_);
        c.joined = 0;
        for (std::size_t j = 0; j < rooms_per_client_; ++j) {
            const std::size_t k = (c.room + j) % rooms_;
            ++per_room[k];
            lines[i] += wire_.join(wire_.room_name(static_cast<std::uint32_t>(k)));
        }
    }
    joins_ = notices_ = 0;
    joins_expected_ = clients_.size() * rooms_per_client_;
    notices_expected_ = 0;
    for (const std::uint64_t n : per_room) {
        if (n > 1) {
            notices_expected_ += n * (n - 1) / 2;
        }
    }
    started_ns_ = monotonic_ns();
    for (std::size_t i = 0; i < clients_.size() && !failed(); ++i) {
        send_control(clients_[i], lines[i]);
    }
    const bool ok = run_until(deadline_ns, "joining rooms", &load_driver::all_joined);
    finished_ns_ = monotonic_ns();
    return ok;
}

bool load_driver::hold(std::uint64_t until_ns) {
    return run_until(until_ns, "holding connections", nullptr);
}

void load_driver::close_all() {
    for (client& c : clients_) {
        if (c.fd >= 0) {
            ::close(c.fd);
            c.fd = -1;
        }
        c.state = phase::closed;
    }
}

}  // namespace chat::bench
