#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "test/bench/bench_config.hpp"
#include "test/bench/latency_histogram.hpp"
#include "test/bench/resume_check.hpp"
#include "test/bench/verifier.hpp"
#include "test/bench/wire.hpp"

namespace chat::bench {

/// All client connections of one run, driven by one epoll loop in one thread.
///
/// A client's life:
///
///   connecting --TCP up--> handshake --registered, in its rooms--> ready --close_all--> closed
///
/// "Registered" is chat's WELCOME, Redis's PONG, NATS's PONG; "in its rooms" is one JOINED
/// (chat) or SUBSCRIBE confirmation (Redis) per room the client enters while connecting. A
/// chat/2 client of a one-room run is in the server's default room once its first JOINED comes.
/// Any fault (the server closes a client, an ERR or -ERR, a line we cannot frame, a deadline)
/// ends the run: `failed()` turns true and every wait returns false at once.
///
/// Reading: one 256 KiB buffer serves every connection. A client's unfinished line is moved to
/// the buffer's front before the next read, so a read of many lines costs one syscall and lines
/// are found with memchr. Writing: each sender owns one output string of whole frames; payloads
/// are stamped into a pre-built frame (one per room where the room is in the frame: Redis,
/// NATS). Control lines (handshake, joins, pongs) go behind whole frames, so they never split
/// one.
///
/// A resume run (chat only) has two more clients, both named `away`, whose lines are parsed
/// whole (load_driver_resume.cpp): one that registers with the others and then leaves with a
/// reset, and one that `begin_resume` opens later to resume its session.
class load_driver {
  public:
    load_driver(const bench_config& config, const bench::wire& w);
    ~load_driver();
    load_driver(const load_driver&) = delete;
    load_driver& operator=(const load_driver&) = delete;

    /// One room: creates `receivers` receiving clients and `senders` sending ones (chat, NATS:
    /// the first receivers; Redis: extra publish-only connections). Connects nothing yet.
    void setup(std::size_t receivers, std::size_t senders);

    /// Many rooms: `rooms` x `members` clients, client i in room i / members; every client
    /// sends to its room and receives from it.
    void setup_rooms(std::size_t rooms, std::size_t members);

    /// A join storm: `clients` clients that only register; `join_all` then puts client i in the
    /// `per_client` rooms (i + j) mod `rooms`, j = 0 .. per_client - 1.
    void setup_joins(std::size_t clients, std::size_t rooms, std::size_t per_client);

    /// A resume run: `setup(receivers, senders)` plus the client `away`, which registers with
    /// them, keeps its token and sends nothing.
    void setup_resume(std::size_t receivers, std::size_t senders);

    /// Closes `away` with a reset (SO_LINGER 0), a lost connection the server keeps in grace,
    /// not a leave.
    void reset_away();

    /// Opens a connection whose first line resumes `away`'s session; the loops of `paced` (and
    /// any other wait) drive it. Until its `RESUMED` and every message sent so far (replayed
    /// or live) have come, no wait for deliveries is over.
    void begin_resume();

    /// Connects and registers every client, at most `connect_batch` handshakes at a time.
    bool connect_all(std::uint64_t deadline_ns);

    /// Every client sends all its /join lines at once; returns once every JOINED and every JOIN
    /// notice the joins cause among the joiners has arrived. Times the stretch like `blast`.
    bool join_all(std::uint64_t deadline_ns);

    /// Each sender sends `messages` frames as fast as its socket takes them (with --window, at
    /// most that many ahead of what one receiver has got); returns once every expected delivery
    /// (and, where the server acknowledges messages, every acknowledgement) has arrived.
    /// `started_ns()` is when the first frame was written.
    bool blast(std::uint64_t messages, std::uint64_t deadline_ns);

    /// `blast` of `total` messages in all, shared among the senders (the first `total` mod
    /// senders send one more).
    bool blast_total(std::uint64_t total, std::uint64_t deadline_ns);

    /// The senders together send `rate` messages/s, evenly paced and taking turns, for
    /// `seconds`; each payload carries its send time. Returns once all have arrived. Called
    /// again, it goes on with each sender's stream and starts `latency()` and
    /// `max_send_lag_ns()` over.
    bool paced(double rate, double seconds, std::uint64_t deadline_ns);

    /// Keeps reading (and answering pings) until `until_ns`.
    bool hold(std::uint64_t until_ns);

    /// Closes every connection.
    void close_all();

    bool failed() const { return !error_.empty(); }
    const std::string& error() const { return error_; }
    const verifier& check() const { return check_; }
    const latency_histogram& latency() const { return latency_; }
    /// Resume runs: the session that went away and how its resume went; the latency of paced
    /// messages sent while the replay ran (`resume_check::during_replay`).
    const resume_check& resume() const { return resume_; }
    const latency_histogram& replay_latency() const { return replay_latency_; }

    std::uint64_t started_ns() const { return started_ns_; }
    std::uint64_t finished_ns() const { return finished_ns_; }
    std::uint64_t max_send_lag_ns() const { return max_lag_ns_; }
    std::size_t clients() const { return clients_.size(); }
    std::size_t ready_clients() const { return ready_; }
    /// LEAVE lines seen, and how many said slow-consumer; the first one verbatim.
    std::uint64_t leaves() const { return leaves_; }
    std::uint64_t slow_consumer_leaves() const { return slow_leaves_; }
    const std::string& first_leave() const { return first_leave_; }
    /// Acknowledgements (chat/2 SENT, Redis PUBLISH replies); for Redis, the first one that did
    /// not count every subscriber.
    std::uint64_t acks() const { return acks_; }
    const std::string& short_ack() const { return short_ack_; }
    /// join_all: JOINED lines for the run's rooms, and JOIN notices among the joiners.
    std::uint64_t joins() const { return joins_; }
    std::uint64_t notices() const { return notices_; }
    /// Chat: JOINED lines for a room the run did not ask for (the server's default room), and
    /// the first such room's name.
    std::uint64_t other_rooms_joined() const { return other_joined_; }
    const std::string& other_room() const { return other_room_; }

  private:
    enum class phase : std::uint8_t { idle, connecting, handshake, ready, closed };
    /// member: a receiver, a sender or both; away: the client that leaves with a reset;
    /// resumer: the connection that resumes away's session.
    enum class role : std::uint8_t { member, away, resumer };
    static constexpr std::string_view away_name = "away";

    struct client {
        int fd = -1;
        std::uint32_t receiver = verifier::nobody;
        std::uint32_t sender = verifier::nobody;
        std::uint32_t room = verifier::nobody;  // its (first) room; nobody: the one-room default
        std::uint32_t frame = 0;                // which of frames_ it sends
        std::uint32_t joins_wanted = 0;         // rooms it must be in before it is ready
        std::uint32_t joined = 0;               // JOINED (or SUBSCRIBE confirmations) so far
        phase state = phase::idle;
        role kind = role::member;
        bool registered = false;
        bool needs_registration = true;  // false: Redis subscribers, which have no handshake
        bool want_write = false;         // EPOLLOUT is in the interest set
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
    /// Every expected delivery and acknowledgement, and a resume begun is settled.
    bool all_delivered() const;
    bool all_joined() const;
    void check_ready(client& c);
    /// Whether the JOINED room `name` is one client `c` was sent to (any room, in one room).
    bool is_room_of(const client& c, std::string_view name) const;
    /// Builds frames_ and points every client at its own.
    void make_frames(bool per_room);
    /// What a client must see before it is ready, in one room.
    void expect_handshake(client& c, bool subscriber) const;
    /// The room a client enters while connecting: its own in many rooms, else empty (the
    /// one-room default; a join storm's clients enter theirs in `join_all`).
    std::string first_room(const client& c) const;

    void open_more();
    void on_event(std::uint32_t id, std::uint32_t events);
    void on_connected(client& c);
    void on_readable(client& c);
    void on_line(client& c, std::string_view line, std::uint64_t now_ns);
    /// The lines of `away` and of the connection resuming it, parsed whole.
    void on_resume_line(client& c, std::string_view line, std::uint64_t now_ns);
    void on_resumed_message(std::string_view line, std::string_view id, std::string_view text);
    /// Sends `counts[s]` more messages from each sender s flat out and waits for the
    /// deliveries.
    bool flood(const std::vector<std::uint64_t>& counts, std::uint64_t deadline_ns);
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
    struct frame_template {
        std::string bytes;       // one pre-built frame, payload included
        std::size_t payload_at;  // where the payload starts in it
    };
    std::vector<frame_template> frames_;
    std::size_t rooms_ = 0;             // many rooms, joins: how many
    std::size_t rooms_per_client_ = 0;  // joins
    bool many_rooms_ = false;
    std::size_t next_open_ = 0;
    std::size_t in_flight_ = 0;
    std::size_t ready_ = 0;
    bool blasting_ = false;
    bool resuming_ = false;  // begin_resume was called
    bool timing_ = false;

    // Paced sending
    std::uint64_t pace_start_ns_ = 0;
    double pace_interval_ns_ = 0;
    std::uint64_t pace_total_ = 0;
    std::uint64_t pace_next_ = 0;
    std::uint64_t max_lag_ns_ = 0;

    verifier check_;
    latency_histogram latency_;
    resume_check resume_;
    latency_histogram replay_latency_;
    std::uint64_t expected_ = 0;
    std::uint64_t progress_ = 0;  // lines that show the run moving: deliveries, acks, joins
    std::uint64_t acks_expected_ = 0;
    std::uint64_t subscribers_per_publish_ = 0;  // Redis: what a full PUBLISH reply says
    std::uint64_t joins_ = 0;
    std::uint64_t joins_expected_ = 0;
    std::uint64_t notices_ = 0;
    std::uint64_t notices_expected_ = 0;
    std::uint64_t other_joined_ = 0;
    std::string other_room_;
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
