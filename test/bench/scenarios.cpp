#include "test/bench/scenarios.hpp"

#include <time.h>

#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "test/bench/load_driver.hpp"
#include "test/bench/proc_stats.hpp"
#include "test/bench/wire.hpp"

namespace chat::bench {

namespace {

/// The keys of the final line, in order; a figure that could not be measured is `na`.
class result_line {
  public:
    void add(const char* key, std::string value) { items_.emplace_back(key, std::move(value)); }
    void add(const char* key, std::uint64_t value) { add(key, std::to_string(value)); }
    void add(const char* key, std::optional<double> value, int decimals) {
        add(key, value ? fmt::format("{:.{}f}", *value, decimals) : std::string("na"));
    }
    std::string str() const {
        std::string out = "RESULT";
        for (const auto& [k, v] : items_) {
            out += fmt::format(" {}={}", k, v);
        }
        return out;
    }

  private:
    std::vector<std::pair<const char*, std::string>> items_;
};

std::optional<process_sample> sample(const bench_config& c) {
    if (c.server_pid == 0) {
        return std::nullopt;
    }
    return sample_process(c.server_pid);
}

void sleep_seconds(double s) {
    timespec ts{};
    ts.tv_sec = static_cast<time_t>(s);
    ts.tv_nsec = static_cast<long>((s - static_cast<double>(ts.tv_sec)) * 1e9);
    ::nanosleep(&ts, nullptr);
}

/// After the clients have gone the server still has their departures to process (in a chat
/// room each one is a LEAVE to everyone left), and a server may give memory back only after a
/// quiet while (chat-server checks once a second). Waits until the server has used under 2% of a
/// core for 2 s in a row, or `settle` seconds; returns the seconds waited.
double wait_until_idle(const bench_config& c) {
    if (c.server_pid == 0 || c.settle <= 0) {
        return 0;
    }
    constexpr double step = 0.2;
    constexpr int quiet_steps_needed = 10;
    auto last = sample(c);
    int quiet = 0;
    double waited = 0;
    while (last && waited < c.settle && quiet < quiet_steps_needed) {
        sleep_seconds(step);
        waited += step;
        const auto now = sample(c);
        if (!now) {
            break;
        }
        quiet = (now->cpu_seconds - last->cpu_seconds) < 0.02 * step ? quiet + 1 : 0;
        last = now;
    }
    return waited;
}

std::optional<double> kib(const std::optional<process_sample>& s) {
    if (!s) {
        return std::nullopt;
    }
    return static_cast<double>(s->rss_kib);
}

std::string mib_text(const std::optional<process_sample>& s) {
    return s ? fmt::format("{:.1f} MiB", static_cast<double>(s->rss_kib) / 1024.0) : "?";
}

/// Server and bench CPU over one measured stretch.
struct cpu_window {
    double wall = 0;
    double bench_cpu = 0;
    double machine_busy = 0;  // every process on every core, us included
    std::optional<process_sample> before;
    std::optional<process_sample> after;

    /// Starts the window: call with the server sample taken just before.
    void open(std::optional<process_sample> s) {
        before = std::move(s);
        bench_cpu = -self_cpu_seconds();
        machine_busy = -machine_busy_seconds();
    }
    /// Ends it after `seconds` of measured time.
    void close(std::optional<process_sample> s, double seconds) {
        after = std::move(s);
        bench_cpu += self_cpu_seconds();
        machine_busy += machine_busy_seconds();
        wall = seconds;
    }
    /// Cores' worth of CPU that went to neither the server nor the bench: other load on a
    /// shared machine, which makes deliveries/s (not CPU per delivery) unreliable.
    std::optional<double> others_share() const {
        const auto s = server_cpu_seconds();
        if (!s || wall <= 0) {
            return std::nullopt;
        }
        return std::max(0.0, (machine_busy - bench_cpu - *s) / wall);
    }

    std::optional<double> server_cpu_seconds() const {
        if (!before || !after) {
            return std::nullopt;
        }
        return after->cpu_seconds - before->cpu_seconds;
    }
    std::optional<double> server_share() const {
        const auto s = server_cpu_seconds();
        return s && wall > 0 ? std::optional<double>(*s / wall) : std::nullopt;
    }
    double bench_share() const { return wall > 0 ? bench_cpu / wall : 0; }
    std::optional<double> per(std::uint64_t n, bool writes) const {
        if (!before || !after || n == 0) {
            return std::nullopt;
        }
        if (writes) {
            return static_cast<double>(after->write_calls - before->write_calls) /
                   static_cast<double>(n);
        }
        return (after->cpu_seconds - before->cpu_seconds) * 1e9 / static_cast<double>(n);
    }
    /// The bench used (nearly) a whole core and the server did not: the figures then measure
    /// the bench, not the server.
    bool bench_bound() const {
        const auto s = server_share();
        return bench_share() >= 0.9 && (!s || *s < 0.9);
    }
};

void print_cpu(const cpu_window& w, std::uint64_t deliveries) {
    if (const auto ns = w.per(deliveries, false)) {
        fmt::print("server: {:.1f} ns CPU and {:.5f} write calls per delivery; {:.2f} of a core\n",
                   *ns, *w.per(deliveries, true), *w.server_share());
    }
    fmt::print("bench: {:.2f} of a core{}\n", w.bench_share(),
               w.bench_bound() ? " -- BENCH-BOUND: the bench, not the server, set this pace" : "");
    if (const auto others = w.others_share(); others && *others > 0.1) {
        fmt::print(
            "other processes: {:.2f} of a core -- a busy machine; deliveries/s and "
            "latency are not trustworthy, CPU per delivery still is\n",
            *others);
    }
}

/// What the server looked like at the points every scenario passes.
struct run_samples {
    std::optional<process_sample> base;   // before any client connected
    std::optional<process_sample> held;   // at the end of the measured stretch (or the hold)
    std::optional<process_sample> after;  // after the clients left and the server went idle
    double settled = 0;                   // seconds waited for that
};

void report_connections(const bench_config& c, const cpu_window& reg, const run_samples& s,
                        result_line& r) {
    std::optional<double> per_conn;
    if (s.base && s.held) {
        per_conn = (static_cast<double>(s.held->rss_kib) - static_cast<double>(s.base->rss_kib)) *
                   1024.0 / static_cast<double>(c.clients);
        fmt::print(
            "server RSS: {} before, {} holding, {} {:.1f} s after they left: {:.0f} "
            "bytes per connection\n",
            mib_text(s.base), mib_text(s.held), mib_text(s.after), s.settled, *per_conn);
    }
    const auto cpu = reg.server_cpu_seconds();
    if (cpu) {
        fmt::print(
            "server CPU to accept and register them: {:.1f} us and {:.1f} write calls "
            "per connection\n",
            *cpu * 1e6 / static_cast<double>(c.clients), *reg.per(c.clients, true));
    }
    r.add("seconds", reg.wall, 3);
    r.add("server_rss_base_kib", kib(s.base), 0);
    r.add("server_rss_held_kib", kib(s.held), 0);
    r.add("server_rss_after_kib", kib(s.after), 0);
    r.add("server_rss_per_conn_bytes", per_conn, 0);
    r.add("server_us_per_conn",
          cpu ? std::optional<double>(*cpu * 1e6 / static_cast<double>(c.clients)) : std::nullopt,
          1);
    r.add("server_writes_per_conn", reg.per(c.clients, true), 1);
    r.add("bench_cpu", reg.bench_share(), 2);
    r.add("server_cpu", reg.server_share(), 2);
    r.add("other_cpu", reg.others_share(), 2);
}

/// `registered`: the server settled after every client registered, before any joined.
void report_joins(const bench_config& c, const load_driver& d, const cpu_window& run,
                  const std::optional<process_sample>& registered, const run_samples& s,
                  result_line& r) {
    const std::uint64_t joins = d.joins();
    const std::uint64_t memberships = c.clients * c.rooms_per_client;
    const auto cpu = run.server_cpu_seconds();
    const auto us_per_join = cpu && joins != 0
                                 ? std::optional<double>(*cpu * 1e6 / static_cast<double>(joins))
                                 : std::nullopt;
    fmt::print("{} JOINED and {} JOIN notices in {:.3f} s: {:.0f} joins/s\n", joins, d.notices(),
               run.wall, run.wall > 0 ? static_cast<double>(joins) / run.wall : 0.0);
    if (us_per_join) {
        fmt::print("server: {:.2f} us CPU and {:.3f} write calls per join; {:.2f} of a core\n",
                   *us_per_join, *run.per(joins, true), *run.server_share());
    }
    std::optional<double> per_membership;
    if (registered && s.held) {
        per_membership =
            (static_cast<double>(s.held->rss_kib) - static_cast<double>(registered->rss_kib)) *
            1024.0 / static_cast<double>(memberships);
        fmt::print(
            "server RSS: {} before, {} registered, {} with {} memberships (each settled), {} "
            "{:.1f} s after they left: {:.1f} bytes per membership\n",
            mib_text(s.base), mib_text(registered), mib_text(s.held), memberships,
            mib_text(s.after), s.settled, *per_membership);
    }
    r.add("rooms", c.rooms);
    r.add("rooms_per_client", c.rooms_per_client);
    r.add("joins", joins);
    r.add("notices", d.notices());
    r.add("seconds", run.wall, 3);
    r.add("joins_per_s", run.wall > 0 ? static_cast<double>(joins) / run.wall : 0.0, 0);
    r.add("server_us_per_join", us_per_join, 2);
    r.add("server_writes_per_join", run.per(joins, true), 3);
    r.add("server_cpu", run.server_share(), 2);
    r.add("bench_cpu", run.bench_share(), 2);
    r.add("other_cpu", run.others_share(), 2);
    r.add("server_rss_base_kib", kib(s.base), 0);
    r.add("server_rss_registered_kib", kib(registered), 0);
    r.add("server_rss_joined_kib", kib(s.held), 0);
    r.add("server_rss_after_kib", kib(s.after), 0);
    r.add("server_rss_per_membership_bytes", per_membership, 1);
}

void report_traffic(const bench_config& c, const load_driver& d, const cpu_window& run,
                    const run_samples& s, result_line& r) {
    const verifier& v = d.check();
    const std::uint64_t deliveries = v.received();
    const bool paced = c.mode == mode::latency || (c.mode == mode::rooms && c.paced);
    const double rate = run.wall > 0 ? static_cast<double>(deliveries) / run.wall : 0;
    fmt::print("delivered {} of {} in {:.3f} s: {:.3f} M deliveries/s\n", deliveries,
               v.expected_total(), run.wall, rate / 1e6);
    print_cpu(run, deliveries);
    if (s.base) {
        fmt::print("server RSS: {} before, {} at the end, {} {:.1f} s after the clients left\n",
                   mib_text(s.base), mib_text(s.held), mib_text(s.after), s.settled);
    }
    if (c.mode == mode::rooms) {
        r.add("rooms", c.rooms);
        r.add("members", c.members);
    }
    if (!paced) {
        r.add("messages", c.messages);
        r.add("window", c.window);
    } else {
        r.add("rate", c.rate, 0);
        r.add("duration", c.duration, 1);
    }
    r.add("deliveries", deliveries);
    r.add("seconds", run.wall, 3);
    r.add("deliveries_per_s", rate, 0);
    r.add("server_ns_per_delivery", run.per(deliveries, false), 1);
    r.add("server_writes_per_delivery", run.per(deliveries, true), 5);
    r.add("server_cpu", run.server_share(), 2);
    r.add("bench_cpu", run.bench_share(), 2);
    r.add("other_cpu", run.others_share(), 2);
    r.add("bench_bound", run.bench_bound() ? "1" : "0");
    if (paced) {
        const auto& h = d.latency();
        const auto us = [&](double q) { return static_cast<double>(h.quantile_ns(q)) / 1e3; };
        const double max_us = static_cast<double>(h.max_ns()) / 1e3;
        const double lag_us = static_cast<double>(d.max_send_lag_ns()) / 1e3;
        fmt::print(
            "one-way latency over {} deliveries: p50 {:.1f} us, p99 {:.1f} us, "
            "p99.9 {:.1f} us, max {:.1f} us (bench fell behind its schedule by at "
            "most {:.1f} us)\n",
            h.count(), us(0.5), us(0.99), us(0.999), max_us, lag_us);
        r.add("p50_us", us(0.5), 1);
        r.add("p99_us", us(0.99), 1);
        r.add("p999_us", us(0.999), 1);
        r.add("max_us", max_us, 1);
        r.add("max_send_lag_us", lag_us, 1);
    }
    r.add("server_rss_base_kib", kib(s.base), 0);
    r.add("server_rss_end_kib", kib(s.held), 0);
    r.add("server_rss_after_kib", kib(s.after), 0);
    r.add("lost", v.lost());
    r.add("reordered", v.reordered() + v.foreign());
}

/// The stretches of a resume run, each with the server's CPU over it.
struct resume_phases {
    cpu_window flood;   // the missed messages, sent flat out and delivered to those present
    cpu_window base;    // paced traffic, nobody resuming
    cpu_window during;  // the same traffic with a resume begun at its start
    latency_histogram base_latency;
    std::uint64_t base_lag_ns = 0;
};

double stretch_seconds(const load_driver& d) {
    return static_cast<double>(d.finished_ns() - d.started_ns()) * 1e-9;
}

/// The away client goes with a reset; the senders send --missed messages; then the paced
/// traffic twice, the second time with the resume. The two paced phases are alike but for the
/// resume, so their latencies compare.
bool run_resume(const bench_config& c, load_driver& d, std::uint64_t deadline, resume_phases& p) {
    d.reset_away();
    p.flood.open(sample(c));
    bool ok = d.blast_total(c.missed, deadline);
    p.flood.close(sample(c), stretch_seconds(d));
    if (!ok) {
        return false;
    }
    p.base.open(sample(c));
    ok = d.paced(c.rate, c.duration, deadline);
    p.base.close(sample(c), stretch_seconds(d));
    p.base_latency = d.latency();
    p.base_lag_ns = d.max_send_lag_ns();
    if (!ok) {
        return false;
    }
    p.during.open(sample(c));
    d.begin_resume();
    ok = d.paced(c.rate, c.duration, deadline);
    p.during.close(sample(c), stretch_seconds(d));
    return ok;
}

double us(const latency_histogram& h, double q) {
    return static_cast<double>(h.quantile_ns(q)) / 1e3;
}
double max_us(const latency_histogram& h) {
    return static_cast<double>(h.max_ns()) / 1e3;
}

void print_phase(const char* what, const latency_histogram& h, std::uint64_t lag_ns) {
    fmt::print(
        "{}: one-way latency over {} deliveries: p50 {:.1f} us, p99 {:.1f} us, max {:.1f} us "
        "(bench fell behind its schedule by at most {:.1f} us)\n",
        what, h.count(), us(h, 0.5), us(h, 0.99), max_us(h), static_cast<double>(lag_ns) / 1e3);
}

/// The resume met its promises and replayed at least what was missed while away was gone, and
/// nobody saw away leave: the server kept its session through the reset, as a lost connection.
bool resume_ok(const bench_config& c, const load_driver& d) {
    return d.resume().ok() && d.resume().replayed() >= c.missed && d.leaves() == 0;
}

void report_resume(const bench_config& c, const load_driver& d, const resume_phases& p,
                   result_line& r) {
    const resume_check& rc = d.resume();
    const latency_histogram& during = d.latency();
    const latency_histogram& replaying = d.replay_latency();
    const double resume_ms = static_cast<double>(rc.elapsed_ns()) / 1e6;
    fmt::print(
        "away left with a reset after id {}; the {} messages sent while it was gone reached "
        "the others in {:.3f} s\n",
        rc.last_seen(), c.missed, p.flood.wall);
    print_phase("before", p.base_latency, p.base_lag_ns);
    fmt::print(
        "resume: RESUMED {} {} {:.1f} ms after /resume: {} message lines replayed (ids {} to "
        "{}), {} live after it\n",
        rc.reported(), rc.status().empty() ? "(none)" : rc.status(), resume_ms, rc.replayed(),
        rc.first_id(), rc.last_replayed_id(), rc.live());
    print_phase("during", during, d.max_send_lag_ns());
    fmt::print(
        "while the replay ran: {} deliveries sent then: p50 {:.1f} us, p99 {:.1f} us, max "
        "{:.1f} us\n",
        replaying.count(), us(replaying, 0.5), us(replaying, 0.99), max_us(replaying));
    // No "CPU the resume cost" (during minus before): the same paced traffic costs the server
    // less CPU when it falls behind, since more messages then share a write, and on a shared
    // machine that difference swamped the resume's own cost (by hundreds of ms either way).
    if (const auto base = p.base.server_share(), during_share = p.during.server_share();
        base && during_share) {
        fmt::print("server: {:.2f} of a core before, {:.2f} during\n", *base, *during_share);
    }
    if (const auto others = p.during.others_share(); others && *others > 0.1) {
        fmt::print(
            "other processes: {:.2f} of a core -- a busy machine; latency is not "
            "trustworthy\n",
            *others);
    }
    const verifier& v = d.check();
    r.add("missed", c.missed);
    r.add("rate", c.rate, 0);
    r.add("duration", c.duration, 1);
    r.add("resume_ms", rc.resumed() ? std::optional<double>(resume_ms) : std::nullopt, 2);
    r.add("replayed", rc.replayed());
    r.add("resumed_count", rc.reported());
    r.add("resume_status", rc.status().empty() ? std::string("na") : rc.status());
    r.add("live", rc.live());
    r.add("base_p50_us", us(p.base_latency, 0.5), 1);
    r.add("base_p99_us", us(p.base_latency, 0.99), 1);
    r.add("base_max_us", max_us(p.base_latency), 1);
    r.add("during_p50_us", us(during, 0.5), 1);
    r.add("during_p99_us", us(during, 0.99), 1);
    r.add("during_max_us", max_us(during), 1);
    r.add("replaying_deliveries", replaying.count());
    r.add("replaying_p50_us", us(replaying, 0.5), 1);
    r.add("replaying_p99_us", us(replaying, 0.99), 1);
    r.add("replaying_max_us", max_us(replaying), 1);
    r.add("base_max_send_lag_us", static_cast<double>(p.base_lag_ns) / 1e3, 1);
    r.add("during_max_send_lag_us", static_cast<double>(d.max_send_lag_ns()) / 1e3, 1);
    r.add("server_cpu_base", p.base.server_share(), 2);
    r.add("server_cpu_during", p.during.server_share(), 2);
    r.add("bench_cpu", p.during.bench_share(), 2);
    r.add("other_cpu", p.during.others_share(), 2);
    r.add("deliveries", v.received());
    r.add("lost", v.lost() + rc.lost());
    r.add("reordered", v.reordered() + v.foreign());
    r.add("resume_faults", rc.faults());
}

}  // namespace

int run_scenario(const bench_config& c) {
    const wire w(c.target, c.protocol, c.size, c.mode == mode::rooms);
    load_driver d(c, w);
    const std::uint64_t deadline = monotonic_ns() + static_cast<std::uint64_t>(c.timeout * 1e9);
    const bool connections = c.mode == mode::connections;
    const bool joins = c.mode == mode::joins;
    const bool resume = c.mode == mode::resume;
    const bool traffic = !connections && !joins && !resume;
    const std::size_t senders = connections || joins ? 0 : c.senders;

    fmt::print("chat-bench {}: target={} port={} clients={} senders={} size={}", to_string(c.mode),
               to_string(c.target), c.port, c.clients, senders, c.size);
    if (c.mode == mode::rooms) {
        fmt::print(" rooms={} members={}", c.rooms, c.members);
    } else if (joins) {
        fmt::print(" rooms={} rooms-per-client={}", c.rooms, c.rooms_per_client);
    } else if (resume) {
        fmt::print(" missed={} rate={} duration={}", c.missed, c.rate, c.duration);
    }
    fmt::print("{}\n", c.target == target::chat ? fmt::format(" protocol=chat/{}", c.protocol)
                                                : std::string());
    if (c.server_pid != 0 && !sample(c)) {
        fmt::print(stderr, "chat-bench: cannot read /proc/{}/{{stat,io,status}}\n", c.server_pid);
        return 2;
    }
    run_samples s;
    s.base = sample(c);
    if (c.mode == mode::rooms) {
        d.setup_rooms(c.rooms, c.members);
    } else if (joins) {
        d.setup_joins(c.clients, c.rooms, c.rooms_per_client);
    } else if (resume) {
        d.setup_resume(c.clients, senders);
    } else {
        d.setup(c.clients, senders);
    }

    cpu_window reg;
    reg.open(s.base);
    const std::uint64_t t0 = monotonic_ns();
    bool ok = d.connect_all(deadline);
    reg.close(sample(c), static_cast<double>(monotonic_ns() - t0) * 1e-9);
    fmt::print("registered {} of {} connections in {:.3f} s\n", d.ready_clients(), d.clients(),
               reg.wall);

    cpu_window run;
    std::optional<process_sample> registered;
    resume_phases phases;
    if (ok && joins) {
        // Memory is read with the server idle on both sides of the joins, so that the
        // difference is what the memberships hold, not buffers in flight.
        wait_until_idle(c);
        registered = sample(c);
        run.open(registered);
        ok = d.join_all(deadline);
        run.close(sample(c), static_cast<double>(d.finished_ns() - d.started_ns()) * 1e-9);
        wait_until_idle(c);
        s.held = sample(c);
    } else if (ok && traffic) {
        run.open(sample(c));
        const bool flat_out = c.mode == mode::throughput || (c.mode == mode::rooms && !c.paced);
        ok = flat_out ? d.blast(c.messages, deadline) : d.paced(c.rate, c.duration, deadline);
        run.close(sample(c), static_cast<double>(d.finished_ns() - d.started_ns()) * 1e-9);
        s.held = run.after;
    } else if (ok && resume) {
        ok = run_resume(c, d, deadline, phases);
    } else if (ok) {
        ok = d.hold(std::min(deadline, monotonic_ns() + static_cast<std::uint64_t>(c.hold * 1e9)));
        s.held = sample(c);
    }
    d.close_all();
    if (!resume) {  // no memory figures in a resume run: nothing to wait for
        s.settled = wait_until_idle(c);
        s.after = sample(c);
    }

    const verifier& v = d.check();
    const bool verified = ok && v.ok() && (!resume || resume_ok(c, d));
    result_line r;
    r.add("mode", to_string(c.mode));
    r.add("target", to_string(c.target));
    r.add("clients", c.clients);
    r.add("senders", senders);
    r.add("size", c.size);
    if (connections) {
        report_connections(c, reg, s, r);
    } else if (joins) {
        report_joins(c, d, run, registered, s, r);
    } else if (resume) {
        report_resume(c, d, phases, r);
    } else {
        report_traffic(c, d, run, s, r);
    }
    if (c.target == target::redis && !d.short_ack().empty()) {
        fmt::print("note: a PUBLISH reached fewer subscribers than expected: {}\n", d.short_ack());
    }
    if (d.other_rooms_joined() != 0) {
        fmt::print(
            "note: the server also put {} clients in {} (its --default-room); start it with "
            "--default-room '' to measure the run's rooms alone\n",
            d.other_rooms_joined(), d.other_room());
    }
    if (d.leaves() != 0) {
        fmt::print("note: {} LEAVE lines ({} for slow consumers); first: {}\n", d.leaves(),
                   d.slow_consumer_leaves(), d.first_leave());
    }
    if (d.failed()) {
        fmt::print("FAILED: {}\n", d.error());
    } else if (!v.ok()) {
        fmt::print("FAILED: {} lost, {} out of order or repeated, {} foreign; first: {}\n",
                   v.lost(), v.reordered(), v.foreign(), v.first_fault());
    } else if (resume && d.leaves() != 0) {
        fmt::print("FAILED: the others saw a LEAVE ({}): the session was not kept for a resume\n",
                   d.first_leave());
    } else if (resume && !resume_ok(c, d)) {
        const resume_check& rc = d.resume();
        fmt::print("FAILED: resume: {} replayed of at least {} missed, {} lost, {} faults{}{}\n",
                   rc.replayed(), c.missed, rc.lost(), rc.faults(),
                   rc.resumed() ? "" : ", no RESUMED",
                   rc.first_fault().empty() ? "" : "; first: " + rc.first_fault());
    } else if (traffic) {
        fmt::print("verified: every receiver got every message exactly once, in order\n");
    } else if (joins) {
        fmt::print("verified: every join answered, every member told of every later joiner\n");
    } else if (resume) {
        fmt::print(
            "verified: every receiver got every message exactly once, in order; the resumed "
            "session got every message it missed once, in id order, RESUMED counted them, and "
            "live traffic went on after them with nothing lost or repeated\n");
    }
    r.add("ok", verified ? "1" : "0");
    fmt::print("{}\n", r.str());
    std::fflush(stdout);
    return verified ? 0 : 1;
}

}  // namespace chat::bench
