#include "server/options.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <boost/asio/ip/address.hpp>
#include <boost/program_options.hpp>

#include "common/protocol.hpp"
#include "common/room_names.hpp"

namespace chat {

namespace po = boost::program_options;

namespace {

/// Reads a whole decimal number in [min, max] from `text`, or nothing.
std::optional<unsigned long long> parse_number(const std::string& text, unsigned long long min,
                                               unsigned long long max) {
    unsigned long long value = 0;
    const char* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty() || value < min || value > max) {
        return std::nullopt;
    }
    return value;
}

std::optional<double> parse_decimal(const std::string& text, double min, double max) {
    double value = 0;
    const char* const end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty() || !(value >= min && value <= max)) {
        return std::nullopt;
    }
    return value;
}

struct bad_value {
    std::string message;
};

template <class T>
T number_option(const po::variables_map& vm, const char* name, unsigned long long min,
                unsigned long long max) {
    const auto& text = vm[name].as<std::string>();
    const auto value = parse_number(text, min, max);
    if (!value) {
        throw bad_value{fmt::format("--{} must be a whole number from {} to {}, not '{}'", name,
                                    min, max, text)};
    }
    return static_cast<T>(*value);
}

/// A token bucket's rate: 0 (no limit) or from 0.001 to 1e9 `what` per second. A rate below one
/// in 1000 s is no use, and a tiny one (1e-10) made the refill wait overflow the clock, which
/// turned flood control off.
double rate_option(const po::variables_map& vm, const char* name, const char* what) {
    const auto& text = vm[name].as<std::string>();
    const auto rate = parse_decimal(text, 0, 1e9);
    if (!rate || (*rate > 0 && *rate < 0.001)) {
        throw bad_value{fmt::format(
            "--{} must be 0 (no limit) or from 0.001 to 1000000000 {} per second, not '{}'", name,
            what, text)};
    }
    return *rate;
}

std::chrono::milliseconds seconds_option(const po::variables_map& vm, const char* name) {
    const auto& text = vm[name].as<std::string>();
    const auto value = parse_decimal(text, 0.0, 86400.0 * 365);
    if (!value) {
        throw bad_value{
            fmt::format("--{} must be a number of seconds (0 for none), not '{}'", name, text)};
    }
    // Durations are kept in whole milliseconds, and 0 means none: a smaller nonzero value would
    // silently turn the time-out off while the user asked for a very short one.
    if (*value > 0.0 && *value < 0.001) {
        throw bad_value{fmt::format(
            "--{} must be 0 (none) or at least 0.001 seconds (1 ms), not '{}'", name, text)};
    }
    return std::chrono::milliseconds(static_cast<long long>(*value * 1000.0));
}

/// The most a config file may hold: far more than any real one, little enough to read at once.
constexpr std::size_t max_config_bytes = std::size_t{1} << 20;

const char* file_kind(mode_t mode) {
    if (S_ISDIR(mode)) {
        return "a directory";
    }
    if (S_ISCHR(mode) || S_ISBLK(mode)) {
        return "a device";
    }
    if (S_ISFIFO(mode)) {
        return "a FIFO";
    }
    if (S_ISSOCK(mode)) {
        return "a socket";
    }
    return "something else";
}

/// Closes a file descriptor on every way out of a scope.
struct file_closer {
    explicit file_closer(int f) : fd(f) {}
    file_closer(const file_closer&) = delete;
    file_closer& operator=(const file_closer&) = delete;
    ~file_closer() { ::close(fd); }
    int fd;
};

/// The whole text of the config file at `path`. Only a regular file of at most
/// `max_config_bytes` is read: a directory reads as empty (the daemon would start on defaults
/// without a word), and /dev/zero or a FIFO never end. Throws `bad_value` saying why not.
std::string read_config_file(const std::string& path) {
    const auto failure = [&path](int error) {
        return bad_value{fmt::format("cannot read config file '{}': {}", path,
                                     std::generic_category().message(error))};
    };
    // O_NONBLOCK: opening a FIFO would otherwise wait for a writer before fstat can refuse it.
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        throw failure(errno);
    }
    const file_closer closer(fd);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        throw failure(errno);
    }
    if (!S_ISREG(st.st_mode)) {
        throw bad_value{fmt::format("config file '{}' is not a regular file ({})", path,
                                    file_kind(st.st_mode))};
    }
    const auto too_big = [&path] {
        return bad_value{fmt::format("config file '{}' is larger than 1 MiB", path)};
    };
    if (static_cast<std::uintmax_t>(st.st_size) > max_config_bytes) {
        throw too_big();
    }
    // Read to the end, not to st_size: the file may grow meanwhile, and must still be bounded.
    std::string text;
    std::array<char, 16384> chunk{};
    for (;;) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw failure(errno);
        }
        if (n == 0) {
            break;
        }
        text.append(chunk.data(), static_cast<std::size_t>(n));
        if (text.size() > max_config_bytes) {
            throw too_big();
        }
    }
    return text;
}

constexpr const char* usage_head =
    "chat-server: a line-protocol chat daemon (protocol chat/2)\n\n"
    "Usage: chat-server [options]\n";

}  // namespace

std::variant<server_config, options_exit> parse_server_options(int argc, const char* const* argv) {
    const server_config defaults;
    po::options_description general("General");
    general.add_options()("help,h", "print this help and exit")(
        "version,V", "print the version and exit")("config,c", po::value<std::string>(),
                                                   "read options from this INI-style file "
                                                   "(flags given on the command line win)");
    po::options_description daemon("Daemon");
    daemon.add_options()("bind", po::value<std::string>()->default_value(defaults.bind),
                         "address to listen on (IPv4 or IPv6; 0.0.0.0 or :: for all)")(
        "port", po::value<std::string>()->default_value(std::to_string(defaults.port)),
        "TCP port; 0 picks a free one (logged at start)")(
        "max-clients",
        po::value<std::string>()->default_value(std::to_string(defaults.max_clients)),
        "most connections at once; 0 for no limit")(
        "max-per-ip", po::value<std::string>()->default_value(std::to_string(defaults.max_per_ip)),
        "most connections from one address (IPv6: one --ipv6-prefix); 0 for no limit")(
        "connect-rate", po::value<std::string>()->default_value("20"),
        "new connections per second one address may open, at least 0.001; 0 for no limit")(
        "connect-burst", po::value<std::string>()->default_value("40"),
        "new connections one address may open at once before --connect-rate applies")(
        "ipv6-prefix",
        po::value<std::string>()->default_value(std::to_string(defaults.ipv6_prefix)),
        "leading bits of an IPv6 address that count as one client (0 to 128; 128: per address)")(
        "private-rate", po::value<std::string>()->default_value("65536"),
        "private-message bytes per second one user may receive (4 s worth at once); past it "
        "senders get ERR target-busy; 0 for no limit")(
        "default-room", po::value<std::string>()->default_value(defaults.default_room),
        "room every new user is put in ('#' may be left out); '' for none")(
        "max-rooms", po::value<std::string>()->default_value(std::to_string(defaults.max_rooms)),
        "most rooms one connection may be in")(
        "max-line", po::value<std::string>()->default_value(std::to_string(defaults.max_line)),
        "longest line in bytes, the newline not counted")(
        "max-send-queue",
        po::value<std::string>()->default_value(std::to_string(defaults.max_send_queue)),
        "unsent bytes a client may fall behind before it is dropped; 0 for no limit")(
        "rate", po::value<std::string>()->default_value("20"),
        "lines per second each client may send, at least 0.001; 0 for no limit")(
        "burst", po::value<std::string>()->default_value("40"),
        "lines a client may send at once before --rate applies")(
        "handshake-timeout", po::value<std::string>()->default_value("10"),
        "seconds a new connection has to give its name; 0 for none")(
        "idle-timeout", po::value<std::string>()->default_value("120"),
        "seconds of silence before a client is dropped (PING at half); 0 for none")(
        "send-stall-timeout", po::value<std::string>()->default_value("10"),
        "seconds a client may stay more than half of --max-send-queue behind before it is "
        "dropped; its senders are slowed meanwhile; 0 for only the hard limit")(
        "shutdown-timeout", po::value<std::string>()->default_value("2"),
        "seconds to flush output to clients when stopping")(
        "history-file", po::value<std::string>()->default_value(defaults.history_file),
        "SQLite file the history is kept in; 'none' for memory only (lost at exit)")(
        "history-on-join",
        po::value<std::string>()->default_value(std::to_string(defaults.history_on_join)),
        "messages replayed to whoever joins a room; 0 for none")(
        "history-max-page",
        po::value<std::string>()->default_value(std::to_string(defaults.history_max_page)),
        "most messages one /history answers")(
        "history-days", po::value<std::string>()->default_value("30"),
        "days messages are kept in the history file; 0 for no age limit")(
        "history-max-rows", po::value<std::string>()->default_value("0"),
        "most messages kept in the history file (the oldest go first); 0 for no limit")(
        "history-memory",
        po::value<std::string>()->default_value(std::to_string(defaults.history_memory)),
        "messages per room kept in memory with --history-file none")(
        "history-memory-mb", po::value<std::string>()->default_value("64"),
        "MiB of messages kept in memory in all rooms together; the oldest go first past it")(
        "resume-grace", po::value<std::string>()->default_value("120"),
        "seconds a lost connection's name and rooms are kept for /resume; 0 for none")(
        "resume-ttl", po::value<std::string>()->default_value("86400"),
        "seconds a resume token stays good after its session ended")(
        "log-level", po::value<std::string>()->default_value(defaults.log_level),
        "trace, debug, info, warn, error, critical or off")(
        "log-file", po::value<std::string>(), "append the log to this file instead of stderr");

    po::options_description all;
    all.add(general).add(daemon);

    try {
        po::variables_map vm;
        // No positional arguments: a stray word is a mistake, not something to ignore.
        const po::positional_options_description no_positionals;
        po::store(po::command_line_parser(argc, argv).options(all).positional(no_positionals).run(),
                  vm);
        if (vm.count("help") != 0U) {
            std::ostringstream out;
            out << usage_head << all;
            return options_exit{0, out.str()};
        }
        if (vm.count("version") != 0U) {
            return options_exit{
                0, fmt::format("chat-server {} (protocol {})\n", CHAT_VERSION, protocol_version)};
        }
        if (vm.count("config") != 0U) {
            const auto& path = vm["config"].as<std::string>();
            std::istringstream file(read_config_file(path));
            // Values already given on the command line are kept: store() never overwrites.
            try {
                po::store(po::parse_config_file(file, daemon, /*allow_unregistered=*/false), vm);
            } catch (const po::error& e) {
                return options_exit{
                    2, fmt::format("chat-server: config file '{}': {}", path, e.what())};
            }
        }
        po::notify(vm);

        server_config c;
        c.bind = vm["bind"].as<std::string>();
        boost::system::error_code bind_ec;
        boost::asio::ip::make_address(c.bind, bind_ec);
        if (bind_ec) {
            throw bad_value{fmt::format(
                "--bind must be an IPv4 or IPv6 address such as 127.0.0.1 or ::, not '{}'",
                c.bind)};
        }
        c.port = number_option<std::uint16_t>(vm, "port", 0, 65535);
        c.max_clients = number_option<std::size_t>(vm, "max-clients", 0, 10'000'000);
        c.max_per_ip = number_option<std::size_t>(vm, "max-per-ip", 0, 10'000'000);
        c.connect_rate = rate_option(vm, "connect-rate", "connections");
        const auto connect_burst = parse_decimal(vm["connect-burst"].as<std::string>(), 1, 1e9);
        if (!connect_burst) {
            throw bad_value{
                fmt::format("--connect-burst must be a number of connections, at least 1, not '{}'",
                            vm["connect-burst"].as<std::string>())};
        }
        c.connect_burst = *connect_burst;
        c.ipv6_prefix = number_option<unsigned>(vm, "ipv6-prefix", 0, 128);
        // 80 leaves room for the longest list line: USERS, a room, a name and the "+".
        c.max_line = number_option<std::size_t>(vm, "max-line", 80, 1U << 20);
        c.default_room = vm["default-room"].as<std::string>();
        if (!c.default_room.empty() && c.default_room.front() != '#') {
            // In the config file '#' starts a comment, so the room may be named without it.
            c.default_room.insert(0, 1, '#');
        }
        if (!c.default_room.empty() && check_room_name(c.default_room) != room_name_fault::ok) {
            throw bad_value{
                fmt::format("--default-room must be # then 1 to 32 of A-Z a-z 0-9 _ - . "
                            "(or '' for none), not '{}'",
                            c.default_room)};
        }
        c.max_rooms = number_option<std::size_t>(vm, "max-rooms", 1, 10'000);
        c.private_rate = static_cast<double>(
            number_option<std::size_t>(vm, "private-rate", 0, std::size_t{1} << 30));
        c.max_send_queue = number_option<std::size_t>(vm, "max-send-queue", 0, 1ULL << 34);
        c.rate = rate_option(vm, "rate", "lines");
        const auto burst = parse_decimal(vm["burst"].as<std::string>(), 1, 1e9);
        if (!burst) {
            throw bad_value{fmt::format("--burst must be a number of lines, at least 1, not '{}'",
                                        vm["burst"].as<std::string>())};
        }
        c.burst = *burst;
        c.handshake_timeout = seconds_option(vm, "handshake-timeout");
        c.idle_timeout = seconds_option(vm, "idle-timeout");
        c.shutdown_timeout = seconds_option(vm, "shutdown-timeout");
        c.send_stall_timeout = seconds_option(vm, "send-stall-timeout");
        c.history_file = vm["history-file"].as<std::string>();
        if (c.history_file == "none") {
            c.history_file.clear();
        } else if (c.history_file.empty()) {
            throw bad_value{"--history-file must be a file name, or 'none' for memory only"};
        }
        c.history_on_join = number_option<std::size_t>(vm, "history-on-join", 0, 10'000);
        c.history_max_page = number_option<std::size_t>(vm, "history-max-page", 1, 10'000);
        const auto days = parse_decimal(vm["history-days"].as<std::string>(), 0, 100'000);
        // A nonzero age below a minute would prune what is being said: a typo, not a wish.
        if (!days || (*days > 0 && *days < 1.0 / 1440)) {
            throw bad_value{fmt::format(
                "--history-days must be 0 (no age limit) or at least 0.0007 days (a minute), not "
                "'{}'",
                vm["history-days"].as<std::string>())};
        }
        c.history_max_age = std::chrono::milliseconds(static_cast<long long>(*days * 86'400'000));
        c.history_max_rows =
            number_option<std::uint64_t>(vm, "history-max-rows", 0, 1'000'000'000'000ULL);
        c.history_memory = number_option<std::size_t>(vm, "history-memory", 1, 1'000'000);
        c.history_memory_bytes = number_option<std::size_t>(vm, "history-memory-mb", 1, 1U << 20)
                                 << 20;
        c.resume_grace = seconds_option(vm, "resume-grace");
        c.resume_ttl = seconds_option(vm, "resume-ttl");
        c.log_level = vm["log-level"].as<std::string>();
        static constexpr std::array<std::string_view, 7> levels = {
            "trace", "debug", "info", "warn", "error", "critical", "off"};
        if (std::find(levels.begin(), levels.end(), c.log_level) == levels.end()) {
            throw bad_value{fmt::format(
                "--log-level must be trace, debug, info, warn, error, critical or off, not '{}'",
                c.log_level)};
        }
        if (vm.count("log-file") != 0U) {
            c.log_file = vm["log-file"].as<std::string>();
        }
        return c;
    } catch (const bad_value& e) {
        return options_exit{2, "chat-server: " + e.message};
    } catch (const po::too_many_positional_options_error&) {
        return options_exit{2,
                            "chat-server: unexpected argument; options start with -- (see --help)"};
    } catch (const po::error& e) {
        return options_exit{2, fmt::format("chat-server: {} (see --help)", e.what())};
    }
}

}  // namespace chat
