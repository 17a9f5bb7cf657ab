#include "test/bench/bench_options.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <string_view>

#include <fmt/format.h>

#include "test/bench/payload.hpp"

namespace chat::bench {

namespace {

struct bad_value {
    std::string message;
};

struct option_doc {
    const char* name;
    const char* help;
};

constexpr option_doc option_help[] = {
    {"port", "the server's TCP port on 127.0.0.1 (required)"},
    {"target", "chat (default), redis (pub/sub) or nats"},
    {"protocol",
     "chat: 2 (default) or 1, the line format of the server from before rooms (throughput, "
     "latency, connections)"},
    {"clients", "receiving clients (default 100; connections, joins: 10000)"},
    {"senders",
     "how many send (default 10; chat, nats: the first clients; redis: extra publishers)"},
    {"messages", "messages per sender (throughput: default 20000; rooms: 100)"},
    {"window",
     "throughput: most messages a sender may be ahead of one watching receiver; 0 (default): "
     "none, senders send as fast as their sockets take them"},
    {"size", "payload bytes per message (default 64, at least 37)"},
    {"missed", "resume: messages sent while the away client is gone (default 10000)"},
    {"rate",
     "messages per second, all senders together (latency, resume: default 2000; rooms: given, "
     "the members send paced instead of flat out)"},
    {"duration",
     "seconds of paced sending (latency, paced rooms: default 10; resume: each phase, default "
     "3)"},
    {"timeout", "seconds the whole run may take; past it the run fails (default 60)"},
    {"hold", "seconds to hold idle connections (connections; default 2)"},
    {"settle",
     "most seconds to wait, after the clients leave, for the server to go idle "
     "before its RSS is read again (default 30)"},
    {"connect-batch", "handshakes in flight at once (default 256)"},
    {"rooms", "rooms: how many rooms (default 1000); joins: rooms to spread over (default 1000)"},
    {"members", "rooms: clients per room, every one a sender (default 10)"},
    {"rooms-per-client", "joins: rooms each client joins (default 1)"},
    {"server-pid", "read the server's /proc figures: CPU, write calls, RSS"},
};

std::string usage() {
    std::string out =
        "chat-bench: load generator for chat-server (and Redis pub/sub, NATS), loopback only\n\n"
        "Usage: chat-bench MODE --port PORT [--option value ...]\n"
        "  throughput   clients register; senders send --messages each as fast as the socket\n"
        "               takes them; every receiver must get every message once, in order\n"
        "  latency      senders together send --rate messages/s for --duration s; one-way\n"
        "               latency percentiles\n"
        "  connections  open and register --clients idle connections and hold them\n"
        "  rooms        --rooms rooms of --members clients; every member sends --messages to\n"
        "               its room flat out (or, with --rate, paced); every member must get every\n"
        "               message of its room once, in order\n"
        "  joins        register --clients, then all join --rooms-per-client of --rooms rooms\n"
        "               at once: time and server CPU per join, server RSS per membership\n"
        "  resume       chat only: --clients register, one more ('away') registers and resets\n"
        "               its connection; senders send --missed messages flat out; then paced\n"
        "               traffic (--rate, --duration) without, and again with, a /resume of\n"
        "               'away' at its start: time to RESUMED, the others' latency before and\n"
        "               during; every missed message replayed once, in id order\n"
        "  free-port    print a free loopback TCP port and exit\n\nOptions:\n";
    for (const auto& o : option_help) {
        out += fmt::format("  --{:<15}{}\n", o.name, o.help);
    }
    out +=
        "\nThe last line of every run is RESULT key=value ...; the exit code is 0 only when\n"
        "nothing was lost or reordered.\n";
    return out;
}

/// The values given on the command line, read with range checks.
class args {
  public:
    explicit args(const std::map<std::string, std::string, std::less<>>& given) : given_(given) {}

    bool has(std::string_view key) const { return given_.find(key) != given_.end(); }

    std::string text(std::string_view key, std::string fallback) const {
        const auto it = given_.find(key);
        return it == given_.end() ? fallback : it->second;
    }

    std::uint64_t whole(std::string_view key, std::uint64_t fallback, std::uint64_t min,
                        std::uint64_t max) const {
        const auto it = given_.find(key);
        if (it == given_.end()) {
            return fallback;
        }
        const std::string& t = it->second;
        std::uint64_t value = 0;
        const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
        if (t.empty() || ec != std::errc{} || ptr != t.data() + t.size() || value < min ||
            value > max) {
            throw bad_value{fmt::format("--{} must be a whole number from {} to {}, not '{}'", key,
                                        min, max, t)};
        }
        return value;
    }

    double decimal(std::string_view key, double fallback, double min, double max) const {
        const auto it = given_.find(key);
        if (it == given_.end()) {
            return fallback;
        }
        const std::string& t = it->second;
        double value = 0;
        const auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), value);
        if (t.empty() || ec != std::errc{} || ptr != t.data() + t.size() ||
            !(value >= min && value <= max)) {
            throw bad_value{
                fmt::format("--{} must be a number from {} to {}, not '{}'", key, min, max, t)};
        }
        return value;
    }

  private:
    const std::map<std::string, std::string, std::less<>>& given_;
};

/// Binds port 0 on loopback and reports what the kernel chose. The port is free when we close
/// it; a script that starts a server on it right away races nobody in practice.
options_exit free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return {1, "chat-bench: socket() failed"};
    }
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    auto* sa = reinterpret_cast<sockaddr*>(&addr);
    if (::bind(fd, sa, sizeof addr) != 0 || ::getsockname(fd, sa, &len) != 0) {
        ::close(fd);
        return {1, "chat-bench: cannot bind a loopback port"};
    }
    ::close(fd);
    return {0, fmt::format("{}\n", ntohs(addr.sin_port))};
}

}  // namespace

const char* to_string(mode m) {
    switch (m) {
        case mode::throughput:
            return "throughput";
        case mode::latency:
            return "latency";
        case mode::connections:
            return "connections";
        case mode::rooms:
            return "rooms";
        case mode::joins:
            return "joins";
        case mode::resume:
            return "resume";
    }
    return "?";
}

const char* to_string(target t) {
    switch (t) {
        case target::chat:
            return "chat";
        case target::redis:
            return "redis";
        case target::nats:
            return "nats";
    }
    return "?";
}

std::variant<bench_config, options_exit> parse_bench_options(int argc, const char* const* argv) {
    std::string mode_word;
    std::map<std::string, std::string, std::less<>> given;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            return options_exit{0, usage()};
        }
        if (arg.substr(0, 2) != "--") {
            if (!mode_word.empty()) {
                return options_exit{2,
                                    fmt::format("chat-bench: unexpected '{}' (see --help)", arg)};
            }
            mode_word = std::string(arg);
            continue;
        }
        std::string_view key = arg.substr(2);
        std::string value;
        if (const auto eq = key.find('='); eq != std::string_view::npos) {
            value = std::string(key.substr(eq + 1));
            key = key.substr(0, eq);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return options_exit{2, fmt::format("chat-bench: --{} needs a value", key)};
        }
        const bool known = std::any_of(std::begin(option_help), std::end(option_help),
                                       [&](const auto& o) { return key == o.name; });
        if (!known) {
            return options_exit{2,
                                fmt::format("chat-bench: unknown option --{} (see --help)", key)};
        }
        given[std::string(key)] = std::move(value);
    }
    if (mode_word.empty()) {
        return options_exit{2, usage()};
    }
    if (mode_word == "free-port") {
        return free_port();
    }
    const args a{given};
    try {
        bench_config c;
        if (mode_word == "throughput") {
            c.mode = mode::throughput;
        } else if (mode_word == "latency") {
            c.mode = mode::latency;
        } else if (mode_word == "connections") {
            c.mode = mode::connections;
            c.clients = 10000;
        } else if (mode_word == "rooms") {
            c.mode = mode::rooms;
            c.messages = 100;
        } else if (mode_word == "joins") {
            c.mode = mode::joins;
            c.clients = 10000;
        } else if (mode_word == "resume") {
            c.mode = mode::resume;
            c.duration = 3;
        } else {
            throw bad_value{fmt::format("unknown mode '{}' (see --help)", mode_word)};
        }
        const std::string t = a.text("target", "chat");
        if (t == "chat") {
            c.target = target::chat;
        } else if (t == "redis") {
            c.target = target::redis;
        } else if (t == "nats") {
            c.target = target::nats;
        } else {
            throw bad_value{fmt::format("--target must be chat, redis or nats, not '{}'", t)};
        }
        if (!a.has("port")) {
            throw bad_value{"--port is required"};
        }
        c.port = static_cast<std::uint16_t>(a.whole("port", 0, 1, 65535));
        c.clients = a.whole("clients", c.clients, 1, 1'000'000);
        c.senders = a.whole("senders", c.senders, 0, max_sender);
        c.messages = a.whole("messages", c.messages, 1, 1'000'000'000);
        c.window = a.whole("window", 0, 0, 1'000'000'000);
        c.size = a.whole("size", c.size, payload_header, 1U << 20);
        c.missed = a.whole("missed", c.missed, 1, 1'000'000'000);
        c.rate = a.decimal("rate", c.rate, 1, 1e8);
        c.duration = a.decimal("duration", c.duration, 0.1, 86400);
        c.timeout = a.decimal("timeout", c.timeout, 1, 86400);
        c.hold = a.decimal("hold", c.hold, 0, 86400);
        c.settle = a.decimal("settle", c.settle, 0, 600);
        c.connect_batch = a.whole("connect-batch", c.connect_batch, 1, 100'000);
        c.server_pid = static_cast<int>(a.whole("server-pid", 0, 0, 1U << 30));
        c.protocol = static_cast<int>(a.whole("protocol", 2, 1, 2));
        c.rooms = a.whole("rooms", c.rooms, 1, max_sender);
        c.members = a.whole("members", c.members, 2, max_sender);
        c.rooms_per_client = a.whole("rooms-per-client", c.rooms_per_client, 1, 10'000);
        c.paced = a.has("rate");
        const bool many = c.mode == mode::rooms || c.mode == mode::joins;
        if (c.protocol != 2 && (many || c.target != target::chat)) {
            throw bad_value{"--protocol 1 is for the one-room chat scenarios only"};
        }
        if (!many && (a.has("rooms") || a.has("members") || a.has("rooms-per-client"))) {
            throw bad_value{"--rooms, --members and --rooms-per-client are for rooms and joins"};
        }
        if (c.mode != mode::resume && a.has("missed")) {
            throw bad_value{"--missed is for resume"};
        }
        if (c.mode == mode::resume && (c.target != target::chat || c.protocol != 2)) {
            throw bad_value{"resume measures chat-server (chat/2) only"};
        }
        if (c.mode == mode::rooms) {
            if (a.has("clients") || a.has("senders")) {
                throw bad_value{"rooms: the clients are --rooms x --members, every one a sender"};
            }
            if (c.rooms * c.members > max_sender + 1) {
                throw bad_value{
                    fmt::format("rooms: at most {} clients (--rooms x --members)", max_sender + 1)};
            }
            c.clients = c.senders = c.rooms * c.members;
            return c;
        }
        if (c.mode == mode::joins) {
            if (c.target != target::chat) {
                throw bad_value{"joins measures chat-server only"};
            }
            if (c.rooms_per_client > c.rooms) {
                throw bad_value{"--rooms-per-client cannot exceed --rooms"};
            }
            c.senders = 0;
            return c;
        }
        if (c.mode != mode::connections) {
            if (c.senders == 0) {
                throw bad_value{"--senders must be at least 1 in this mode"};
            }
            if (c.target != target::redis && c.senders > c.clients) {
                throw bad_value{"--senders cannot exceed --clients: senders are clients here"};
            }
            if (c.target != target::redis && c.clients < 2) {
                throw bad_value{"--clients must be at least 2: nobody hears their own message"};
            }
        }
        return c;
    } catch (const bad_value& e) {
        return options_exit{2, "chat-bench: " + e.message};
    }
}

}  // namespace chat::bench
