#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace chat::bench {

/// Which scenario a run performs.
enum class mode {
    throughput,   ///< one room: senders flood it
    latency,      ///< one room: paced sends, one-way latency
    connections,  ///< idle registered connections
    rooms,        ///< many rooms: every member sends to its own room
    joins,        ///< registered connections join rooms at once: CPU per join, RSS per membership
    resume,       ///< one room: a client resumes after missing messages, under paced traffic
};

/// Which server the run talks to; every one is reached on 127.0.0.1 only.
enum class target { chat, redis, nats };

/// Everything one run is told on its command line; defaults are the documented ones.
struct bench_config {
    bench::mode mode = mode::throughput;
    bench::target target = target::chat;
    std::uint16_t port = 0;
    int protocol = 2;                 ///< chat only: 1 reads chat/1 lines (the server before rooms)
    std::size_t clients = 100;        ///< registered receivers (throughput, latency) or idle ones
    std::size_t senders = 10;         ///< the first `senders` clients also send
    std::uint64_t window = 0;         ///< messages a sender may run ahead of a receiver; 0: any
    std::uint64_t messages = 20000;   ///< per sender (throughput)
    std::size_t size = 64;            ///< payload bytes per message, newline not counted
    std::uint64_t missed = 10000;     ///< resume: messages sent while one client is away
    double rate = 2000;               ///< messages per second, all senders together (latency)
    double duration = 10;             ///< seconds of paced sending (latency; resume: per phase)
    double timeout = 60;              ///< seconds the whole run may take before it fails
    double hold = 2;                  ///< seconds idle connections are held (connections)
    double settle = 30;               ///< most seconds to wait for the server to go idle at the end
    std::size_t connect_batch = 256;  ///< handshakes in flight at once
    std::size_t rooms = 1000;         ///< rooms: rooms of `members`; joins: rooms to spread over
    std::size_t members = 10;         ///< rooms: clients per room (every one sends)
    std::size_t rooms_per_client = 1;  ///< joins: rooms each client joins
    bool paced = false;                ///< rooms: --rate given, so send paced, not flat out
    int server_pid = 0;                ///< 0: no server-side figures
};

/// The name a scenario and a target print as, e.g. "throughput", "redis".
const char* to_string(mode m);
const char* to_string(target t);

}  // namespace chat::bench
