#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>
#include <vector>

#include "common/frame_arena.hpp"
#include "common/protocol.hpp"
#include "common/server_line.hpp"

namespace chat {

/// Encodes one protocol line: `fields` joined by single spaces, then `\n`, as one frame in
/// `arena`. Callers pass already-valid fields; the last one may contain spaces (free text).
/// The typed encoders below are the only callers outside tests: they fix each line's tag and
/// field order (docs/protocol.md), which `parse_server_line` reads back.
frame encode_line(frame_arena& arena, std::initializer_list<std::string_view> fields);

/// Like `encode_line`, then every one of `items`, each after one space.
frame encode_list(frame_arena& arena, std::initializer_list<std::string_view> head,
                  std::span<const std::string_view> items);

/// `head` then every one of `items`, split into as many lines as it takes for each to be at most
/// `max_line` bytes (`\n` not counted; `max_line` must leave room for the head, one item and
/// ` +`). Every line but the last ends in the field `+`, which no item can be: a reader goes on
/// until a line without it. The lines are encoded into one chunk of their own, not the arena's
/// current one, so that a copy kept for reuse pins only its own bytes.
std::vector<frame> encode_split_list(frame_arena& arena,
                                     std::initializer_list<std::string_view> head,
                                     std::span<const std::string_view> items, std::size_t max_line);

/// A number as decimal text without allocating, for building fields.
class decimal {
  public:
    explicit decimal(std::uint64_t value) {
        const auto* end = std::to_chars(buf_.data(), buf_.data() + buf_.size(), value).ptr;
        size_ = static_cast<std::size_t>(end - buf_.data());
    }
    std::string_view view() const { return {buf_.data(), size_}; }

  private:
    std::array<char, 20> buf_;
    std::size_t size_;
};

// One encoder per server line; `id` is a message id as decimal text, `time` RFC 3339 UTC.

frame encode_hello(frame_arena& arena, std::string_view limits, std::string_view text);
/// `token`: 32 hex digits that resume this registration (`/resume`).
frame encode_welcome(frame_arena& arena, std::string_view name, std::string_view token,
                     std::string_view text);
/// The end of a replay of `room`'s history.
frame encode_history(frame_arena& arena, std::string_view room, page_status status,
                     std::size_t count);
/// The end of what a resume replayed.
frame encode_resumed(frame_arena& arena, std::size_t count, page_status status);
/// `MSG` or `ME` (`tag`) in `room`.
frame encode_room_message(frame_arena& arena, server_tag tag, std::string_view room,
                          std::string_view id, std::string_view time, std::string_view from,
                          std::string_view text);
frame encode_private(frame_arena& arena, std::string_view id, std::string_view time,
                     std::string_view from, std::string_view text);
frame encode_sent(frame_arena& arena, std::string_view id, std::string_view time);
frame encode_join(frame_arena& arena, std::string_view room, std::string_view name);
/// `LEAVE <room> <name> <reason>`, then ` <text>` when `text` is not empty.
frame encode_leave(frame_arena& arena, std::string_view room, std::string_view name,
                   leave_reason reason, std::string_view text);
frame encode_joined(frame_arena& arena, std::string_view room, std::size_t members,
                    std::string_view text);
frame encode_parted(frame_arena& arena, std::string_view room);
frame encode_topic(frame_arena& arena, std::string_view room, std::string_view setter,
                   std::string_view time, std::string_view text);
frame encode_nick(frame_arena& arena, std::string_view old_name, std::string_view new_name);
/// `USERS <room> <name>...`, in lines of at most `max_line` (see `encode_split_list`).
std::vector<frame> encode_users(frame_arena& arena, std::string_view room,
                                std::span<const std::string_view> names, std::size_t max_line);
/// `ROOMS <entry>...`, each entry `room:members` already joined, in lines of at most `max_line`.
std::vector<frame> encode_rooms(frame_arena& arena, std::span<const std::string_view> entries,
                                std::size_t max_line);
frame encode_info(frame_arena& arena, std::string_view text);
frame encode_ping(frame_arena& arena, std::string_view token);
/// `PONG`, then ` <token>` when `token` is not empty.
frame encode_pong(frame_arena& arena, std::string_view token);
frame encode_error(frame_arena& arena, protocol_error code, std::string_view text);
frame encode_bye(frame_arena& arena, std::string_view text);

}  // namespace chat
