#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "test/bench/bench_config.hpp"
#include "test/bench/latency_histogram.hpp"
#include "test/bench/verifier.hpp"
#include "test/bench/wire.hpp"

namespace chat::bench {

/// All client connections of one run, driven by one epoll loop in one thread.
///
/// A client's life:
///
///   connecting --TCP up--> handshake --WELCOME / subscribed / PONG--> ready --close_all--> closed
///
/// Any fault (the server closes a client, an ERR or -ERR, a line we cannot frame, a deadline)
/// ends the run: `failed()` turns true and every wait returns false at once.
///
/// Reading: one 256 KiB buffer serves every connection. A client's unfinished line is moved to
/// the buffer's front before the next read, so a read of many lines costs one syscall and lines
/// are found with memchr. Writing: each sender owns one output string of whole frames; payloads
/// are stamped into a pre-built frame. Control lines (handshake, pongs) go behind whole frames,
/// so they never split one.
class load_driver {
  public:
    load_driver(const bench_config& config, const bench::wire& w);
    ~load_driver();
    load_driver(const load_driver&) = delete;
    load_driver& operator=(const load_driver&) = delete;

    /// Creates `receivers` receiving clients and `senders` sending ones (chat, NATS: the first
    /// receivers; Redis: extra publish-only connections). Connects nothing yet.
    void setup(std::size_t receivers, std::size_t senders);

    /// Connects and registers every client, at most `connect_batch` handshakes at a time.
    bool connect_all(std::uint64_t deadline_ns);

    /// Each sender sends `messages` frames as fast as its socket takes them (with --window, at
    /// most that many ahead of what one receiver has got); returns once every expected delivery
    /// has arrived. `started_ns()` is when the first frame was written.
    bool blast(std::uint64_t messages, std::uint64_t deadline_ns);

    /// The senders together send `rate` messages/s, evenly paced and taking turns, for
    /// `seconds`; each payload carries its send time. Returns once all have arrived.
    bool paced(double rate, double seconds, std::uint64_t deadline_ns);

    /// Keeps reading (and answering pings) until `until_ns`.
    bool hold(std::uint64_t until_ns);

    /// Closes every connection.
    void close_all();

    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }
    const verifier& check() const { return check_; }
    const latency_histogram& latency() const { return latency_; }

    std::uint64_t started_ns() const { return started_ns_; }
    std::uint64_t finished_ns() const { return finished_ns_; }
    std::uint64_t max_send_lag_ns() const { return max_lag_ns_; }
    std::size_t ready_clients() const { return ready_; }
    /// LEAVE lines seen, and how many said slow-consumer; the first one verbatim.
    std::uint64_t leaves() const { return leaves_; }
    std::uint64_t slow_consumer_leaves() const { return slow_leaves_; }
    const std::string& first_leave() const { return first_leave_; }
    /// Redis only: PUBLISH replies, and the first one that did not count every subscriber.
    std::uint64_t acks() const { return acks_; }
    const std::string& short_ack() const { return short_ack_; }

  private:
    enum class phase : std::uint8_t { idle, connecting, handshake, ready, closed };

    struct client {
        int fd = -1;
        std::uint32_t receiver = verifier::nobody;
        std::uint32_t sender = verifier::nobody;
        phase state = phase::idle;
        bool want_write = false;  // EPOLLOUT is in the interest set
        wire_state ws;
        std::string carry;  // an unfinished line
        std::string out;    // bytes to send, whole frames and lines only
        std::size_t out_sent = 0;
        std::uint64_t next_seq = 0;   // sender: the next message to frame
        std::uint64_t end_seq = 0;    // sender: how many it sends in this run
        bool window_blocked = false;  // sender: stopped by --window, not by its socket
    };

    /// Runs the loop until `done` holds (true), a fault or `deadline_ns` (false). With no
    /// `done` the deadline is the goal and reaching it returns true.
    bool run_until(std::uint64_t deadline_ns, const char* what, bool (load_driver::*done)() const);
    bool all_ready() const;
    bool all_delivered() const;

    void open_more();
    void on_event(std::uint32_t id, std::uint32_t events);
    void on_connected(client& c);
    void on_readable(client& c);
    void on_line(client& c, std::string_view line, std::uint64_t now_ns);
    void pump(client& c);
    /// Messages sender `c` may frame now: what is left, held to --window ahead of its watcher.
    std::uint64_t sendable(const client& c) const;
    void on_watched(std::uint32_t sender, std::uint64_t seq);
    void fill(client& c);
    void send_control(client& c, std::string_view bytes);
    void set_want_write(client& c, bool on);
    void on_timer();
    void fail(std::string why);
    std::string name_of(const client& c) const;

    const bench_config& config_;
    const bench::wire& wire_;
    int epoll_ = -1;
    int timer_ = -1;
    std::vector<client> clients_;
    std::vector<std::uint32_t> sender_ids_;  // sender slot -> client index
    std::vector<std::uint32_t> watcher_;     // sender slot -> receiver slot its window watches
    std::vector<std::uint64_t> watched_;     // sender slot -> messages its watcher has got
    std::vector<char> buffer_;
    std::string frame_;  // one pre-built frame, payload included
    std::size_t next_open_ = 0;
    std::size_t in_flight_ = 0;
    std::size_t ready_ = 0;
    bool blasting_ = false;
    bool timing_ = false;

    // Paced sending
    std::uint64_t pace_start_ns_ = 0;
    double pace_interval_ns_ = 0;
    std::uint64_t pace_total_ = 0;
    std::uint64_t pace_next_ = 0;
    std::uint64_t max_lag_ns_ = 0;

    verifier check_;
    latency_histogram latency_;
    std::uint64_t expected_ = 0;
    std::uint64_t started_ns_ = 0;
    std::uint64_t finished_ns_ = 0;
    std::uint64_t last_progress_ns_ = 0;
    std::uint64_t leaves_ = 0;
    std::uint64_t slow_leaves_ = 0;
    std::string first_leave_;
    std::uint64_t acks_ = 0;
    std::string short_ack_;
    std::string error_;
};

}  // namespace chat::bench
