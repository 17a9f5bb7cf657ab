#include "common/encode.hpp"

#include <cstring>
#include <string>

namespace chat {

namespace {

char* put(char* out, std::string_view field) {
    std::memcpy(out, field.data(), field.size());
    return out + field.size();
}

}  // namespace

frame encode_list(frame_arena& arena, std::initializer_list<std::string_view> head,
                  std::span<const std::string_view> items) {
    std::size_t size = head.size() + items.size();  // a separator per field, the last is '\n'
    for (const auto field : head) {
        size += field.size();
    }
    for (const auto item : items) {
        size += item.size();
    }
    char* const begin = arena.reserve(size);
    char* out = begin;
    bool first = true;
    for (const auto field : head) {
        if (!first) {
            *out++ = ' ';
        }
        first = false;
        out = put(out, field);
    }
    for (const auto item : items) {
        *out++ = ' ';
        out = put(out, item);
    }
    *out++ = '\n';
    return arena.commit(static_cast<std::size_t>(out - begin));
}

frame encode_line(frame_arena& arena, std::initializer_list<std::string_view> fields) {
    return encode_list(arena, fields, {});
}

frame encode_hello(frame_arena& arena, std::string_view limits, std::string_view text) {
    return encode_line(arena, {to_string(server_tag::hello), protocol_version, limits, text});
}

frame encode_welcome(frame_arena& arena, std::string_view name, std::string_view token,
                     std::string_view text) {
    return encode_line(arena, {to_string(server_tag::welcome), name, token, text});
}

frame encode_history(frame_arena& arena, std::string_view room, page_status status,
                     std::size_t count) {
    return encode_line(
        arena, {to_string(server_tag::history), room, to_string(status), decimal(count).view()});
}

frame encode_resumed(frame_arena& arena, std::size_t count, page_status status) {
    return encode_line(arena,
                       {to_string(server_tag::resumed), decimal(count).view(), to_string(status)});
}

frame encode_room_message(frame_arena& arena, server_tag tag, std::string_view room,
                          std::string_view id, std::string_view time, std::string_view from,
                          std::string_view text) {
    return encode_line(arena, {to_string(tag), room, id, time, from, text});
}

frame encode_private(frame_arena& arena, std::string_view id, std::string_view time,
                     std::string_view from, std::string_view text) {
    return encode_line(arena, {to_string(server_tag::priv), id, time, from, text});
}

frame encode_sent(frame_arena& arena, std::string_view id, std::string_view time) {
    return encode_line(arena, {to_string(server_tag::sent), id, time});
}

frame encode_join(frame_arena& arena, std::string_view room, std::string_view name) {
    return encode_line(arena, {to_string(server_tag::join), room, name});
}

frame encode_leave(frame_arena& arena, std::string_view room, std::string_view name,
                   leave_reason reason, std::string_view text) {
    const auto tag = to_string(server_tag::leave);
    if (text.empty()) {
        return encode_line(arena, {tag, room, name, to_string(reason)});
    }
    return encode_line(arena, {tag, room, name, to_string(reason), text});
}

frame encode_joined(frame_arena& arena, std::string_view room, std::size_t members,
                    std::string_view text) {
    return encode_line(arena, {to_string(server_tag::joined), room, decimal(members).view(), text});
}

frame encode_parted(frame_arena& arena, std::string_view room) {
    return encode_line(arena, {to_string(server_tag::parted), room});
}

frame encode_topic(frame_arena& arena, std::string_view room, std::string_view setter,
                   std::string_view time, std::string_view text) {
    return encode_line(arena, {to_string(server_tag::topic), room, setter, time, text});
}

frame encode_nick(frame_arena& arena, std::string_view old_name, std::string_view new_name) {
    return encode_line(arena, {to_string(server_tag::nick), old_name, new_name});
}

std::vector<frame> encode_split_list(frame_arena& arena,
                                     std::initializer_list<std::string_view> head,
                                     std::span<const std::string_view> items,
                                     std::size_t max_line) {
    constexpr std::string_view more = " +";
    std::string prefix;
    for (const auto field : head) {
        prefix.append(prefix.empty() ? "" : " ").append(field);
    }
    // Lay the lines out as text first, then copy them into one chunk of exactly that size.
    std::string text = prefix;
    std::vector<std::size_t> ends;  // where each line's '\n' is
    std::size_t line_start = 0;
    for (const auto item : items) {
        const std::size_t line_size = text.size() - line_start;
        if (line_size > prefix.size() && line_size + 1 + item.size() + more.size() > max_line) {
            text.append(more);
            ends.push_back(text.size());
            text.append("\n");
            line_start = text.size();
            text.append(prefix);
        }
        text.append(" ").append(item);
    }
    ends.push_back(text.size());
    text.append("\n");

    chunk_ref chunk = arena.private_chunk(text.size());
    std::memcpy(chunk.get()->data(), text.data(), text.size());
    std::vector<frame> frames;
    frames.reserve(ends.size());
    std::size_t begin = 0;
    for (const std::size_t end : ends) {
        frames.push_back(frame{chunk, static_cast<std::uint32_t>(begin),
                               static_cast<std::uint32_t>(end + 1 - begin)});
        begin = end + 1;
    }
    return frames;
}

std::vector<frame> encode_users(frame_arena& arena, std::string_view room,
                                std::span<const std::string_view> names, std::size_t max_line) {
    return encode_split_list(arena, {to_string(server_tag::users), room}, names, max_line);
}

std::vector<frame> encode_rooms(frame_arena& arena, std::span<const std::string_view> entries,
                                std::size_t max_line) {
    return encode_split_list(arena, {to_string(server_tag::rooms)}, entries, max_line);
}

frame encode_info(frame_arena& arena, std::string_view text) {
    return encode_line(arena, {to_string(server_tag::info), text});
}

frame encode_ping(frame_arena& arena, std::string_view token) {
    return encode_line(arena, {to_string(server_tag::ping), token});
}

frame encode_pong(frame_arena& arena, std::string_view token) {
    if (token.empty()) {
        return encode_line(arena, {to_string(server_tag::pong)});
    }
    return encode_line(arena, {to_string(server_tag::pong), token});
}

frame encode_error(frame_arena& arena, protocol_error code, std::string_view text) {
    return encode_line(arena, {to_string(server_tag::err), to_string(code), text});
}

frame encode_bye(frame_arena& arena, std::string_view text) {
    return encode_line(arena, {to_string(server_tag::bye), text});
}

}  // namespace chat
