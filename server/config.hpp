#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace chat {

/// Everything the daemon can be told by flags or the config file; defaults are the documented ones.
struct server_config {
    std::string bind = "127.0.0.1";
    std::uint16_t port = 7777;
    std::size_t max_clients = 10000;  ///< 0: no limit
    std::size_t max_per_ip = 100;     ///< 0: no limit
    double connect_rate = 20.0;       ///< new connections per second per address; 0: none
    double connect_burst = 40.0;      ///< new connections one address may open at once
    /// Leading bits of an IPv6 address that name one client for the per-address limits; 128:
    /// each address on its own.
    unsigned ipv6_prefix = 64;
    std::string default_room = "#lobby";  ///< empty: new users are in no room
    std::size_t max_rooms = 50;           ///< rooms one connection may be in
    std::size_t max_line = 4096;          ///< bytes in one line, `\n` not counted
    /// Private-message bytes per second one user may receive (4 s worth at once); 0: no limit.
    double private_rate = 65536;
    std::size_t max_send_queue = 1U << 20;  ///< unsent bytes before a slow consumer is dropped
    double rate = 20.0;                     ///< lines per second per connection; 0: no limit
    double burst = 40.0;                    ///< lines a connection may send at once
    std::chrono::milliseconds handshake_timeout{10'000};  ///< 0: none
    std::chrono::milliseconds idle_timeout{120'000};      ///< 0: none
    std::chrono::milliseconds shutdown_timeout{2'000};    ///< flush bound on SIGINT/SIGTERM
    /// How long a receiver may stay past half of max_send_queue before it is dropped, and the
    /// most it may slow its senders down in all; 0: only the hard limit applies.
    std::chrono::milliseconds send_stall_timeout{10'000};
    /// The history database; empty: none, history is kept in memory only.
    std::string history_file = "chat-history.db";
    std::size_t history_on_join = 50;    ///< messages replayed on join; 0: none
    std::size_t history_max_page = 500;  ///< most messages one `/history` answers
    /// Messages older than this are pruned from the database; 0: kept whatever their age.
    std::chrono::milliseconds history_max_age{std::chrono::hours(24 * 30)};
    std::uint64_t history_max_rows = 0;  ///< most messages kept in the database; 0: no limit
    /// Messages per room kept in memory when there is no database (the whole history then).
    std::size_t history_memory = 1000;
    /// Bytes of messages kept in memory in all, whatever the number of rooms (the oldest go
    /// first past it).
    std::size_t history_memory_bytes = std::size_t{64} << 20;
    /// How long a lost connection's name and rooms wait for `/resume`; 0: no grace.
    std::chrono::milliseconds resume_grace{120'000};
    /// How long a resume token stays good after its session ends.
    std::chrono::milliseconds resume_ttl{std::chrono::hours(24)};
    std::string log_level = "info";
    std::string log_file;  ///< empty: stderr
};

/// Bytes a resume's replay may queue for its peer before the next part waits, and the most one
/// history page or join replay sends: a quarter of --max-send-queue, at most 256 KiB. A replay
/// of long lines must not get its own reader dropped as a slow consumer; the connection core
/// stops a part there and the session asks for the next once the queue is back under it.
inline std::size_t replay_byte_budget(const server_config& c) {
    constexpr std::size_t most = std::size_t{256} * 1024;
    return c.max_send_queue == 0 ? most : std::min(most, c.max_send_queue / 4);
}

}  // namespace chat
