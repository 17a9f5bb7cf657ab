#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "common/names.hpp"
#include "common/text_check.hpp"

namespace chat {

// The words the server says to people: the free text of WELCOME, ERR, INFO and BYE. Codes and
// field order are the protocol (encode.hpp); these texts are for humans and may change, but they
// live here, next to the protocol, so that the server, the tests and the docs agree on them.

/// What `HELLO` announces. Durations in seconds; 0 means off.
struct hello_limits {
    std::size_t max_line = 0;
    std::size_t max_name = 0;
    std::size_t max_rooms = 0;
    std::size_t max_room_name = 0;
    std::size_t max_topic = 0;
    double rate = 0;
    double burst = 0;
    std::size_t max_send_queue = 0;
    double idle_timeout = 0;
    double handshake_timeout = 0;
};

/// `key=value,...` as `HELLO` sends it; `find_limit` reads it back.
std::string format_limits(const hello_limits& limits);

namespace reply_text {

inline constexpr std::string_view hello =
    "Welcome! Send your name, or an empty line for a generated one.";
std::string welcome(std::string_view name);
std::string joined(std::string_view room);
/// `holder`: who has the name or one that looks like it (`aIice` for `alice`).
std::string name_taken(std::string_view wanted, std::string_view holder, bool asking_again);
std::string name_invalid(name_fault fault, bool asking_again);
std::string no_such_user(std::string_view name);
std::string unknown_command(std::string_view word);
std::string usage(std::string_view command);
std::string line_too_long(std::size_t max_line);
std::string_view bad_encoding(text_fault fault);
std::string room_name_invalid(std::string_view name);
std::string not_in_room(std::string_view room);
/// A plain line, `/me`, `/who` or `/part` while in no room at all.
std::string_view not_in_any_room();
std::string_view resume_unknown();
std::string_view resume_registered();
std::string_view wait_for_resume();
std::string resume_name_taken(std::string_view name);
std::string too_many_rooms(std::size_t max_rooms);
std::string no_such_room(std::string_view room);
std::string no_topic(std::string_view room);
std::string target_busy(std::string_view name);
std::string topic_too_long(std::size_t max);
std::string more_rooms(std::size_t listed);
std::string ignoring(std::string_view name);
std::string not_ignoring(std::string_view name);
/// The answer to `/ignore` without a name: `names` joined, or that there are none.
std::string ignore_list(std::string_view names);
std::string ignore_list_full(std::size_t max);
std::string stats(std::size_t connections, std::size_t users, std::size_t rooms,
                  std::uint64_t messages);
std::string server_full();
std::string too_many_from_address(std::size_t max_per_ip);
/// Refused by --connect-rate: `rate` new connections a second are let in, the next in
/// `retry_seconds` (rounded up to whole seconds).
std::string too_many_connections(double rate, double retry_seconds);
/// The `INFO` lines `/help` answers with.
std::span<const std::string_view> help();

/// `BYE` texts.
inline constexpr std::string_view bye_quit = "goodbye";
inline constexpr std::string_view bye_idle = "idle for too long";
inline constexpr std::string_view bye_handshake = "no name given in time";
inline constexpr std::string_view bye_shutdown = "server shutting down";
inline constexpr std::string_view bye_server_full = "server full";
inline constexpr std::string_view bye_too_many = "too many connections";
inline constexpr std::string_view bye_connecting_too_often = "connecting too often";
inline constexpr std::string_view bye_other = "closing";
inline constexpr std::string_view bye_resumed_elsewhere = "resumed elsewhere";

}  // namespace reply_text

}  // namespace chat
