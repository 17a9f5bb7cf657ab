#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chat {

/// The longest room name, `#` included: `#` and then up to 32 characters.
inline constexpr std::size_t max_room_name_length = 33;

/// The longest topic, in bytes: a room's topic is shown to everyone who joins, and kept for as
/// long as the room lives, so it is short (IRC servers allow about 390).
inline constexpr std::size_t max_topic_length = 390;

/// Why a room name is refused, or `ok`.
enum class room_name_fault { ok, no_hash, empty, too_long, bad_char };

/// A room name is `#` then 1 to 32 of `A-Z a-z 0-9 _ - .`.
room_name_fault check_room_name(std::string_view name);

/// The key rooms are compared by: ASCII lower case, so `#Rust` and `#rust` are one room, shown
/// as whoever created it spelled it.
std::string room_key(std::string_view name);

}  // namespace chat
