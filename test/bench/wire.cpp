#include "test/bench/wire.hpp"

#include <charconv>

#include <fmt/format.h>

#include "common/protocol.hpp"
#include "common/server_line.hpp"

namespace chat::bench {

namespace {

constexpr std::string_view one_room_channel = "bench";

bool starts_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

std::int64_t to_int(std::string_view s) {
    std::int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

}  // namespace

wire::wire(bench::target t, int protocol, std::size_t payload_size, bool many_rooms)
    : target_(t),
      protocol_(protocol),
      payload_size_(payload_size),
      many_rooms_(many_rooms),
      suffix_(t == target::chat ? "\n" : "\r\n") {}

std::string wire::room_name(std::uint32_t index) const {
    // Six characters, as long as the default room `#lobby`, so that a MSG line is the same size
    // in one room and in many (up to 10,000 rooms).
    return fmt::format("{}r{:04}", target_ == target::chat ? "#" : "", index);
}

std::optional<std::uint32_t> wire::room_index(std::string_view name) const {
    if (target_ == target::chat) {
        if (!starts_with(name, "#")) {
            return std::nullopt;
        }
        name.remove_prefix(1);
    }
    if (!starts_with(name, "r") || name.size() < 2) {
        return std::nullopt;
    }
    std::uint32_t value = 0;
    const char* const end = name.data() + name.size();
    const auto [ptr, ec] = std::from_chars(name.data() + 1, end, value);
    if (ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

std::string wire::on_connect(bool subscriber, std::string_view room) const {
    if (target_ != target::redis) {
        return {};
    }
    if (subscriber) {
        const std::string_view channel = room.empty() ? one_room_channel : room;
        // RESP3 lets a subscribed connection publish too: one connection per member, as chat
        // and NATS have.
        return fmt::format("{}*2\r\n$9\r\nSUBSCRIBE\r\n${}\r\n{}\r\n",
                           many_rooms_ ? "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n" : "", channel.size(),
                           channel);
    }
    return "*1\r\n$4\r\nPING\r\n";
}

std::string wire::after_greeting(bool subscriber, std::string_view name,
                                 std::string_view room) const {
    if (target_ == target::chat) {
        // The join goes right behind the name: the server reads lines in order, so it joins
        // only once registration is through.
        return fmt::format("{}\n{}", name, room.empty() ? std::string() : join(room));
    }
    // NATS: no +OK per command, no echo of our own messages; PING makes PONG the sign that the
    // server has processed our SUB.
    std::string out = fmt::format(
        "CONNECT {{\"verbose\":false,\"pedantic\":false,\"echo\":false,\"name\":\"{}\"}}\r\n",
        name);
    if (subscriber) {
        out += fmt::format("SUB {} 1\r\n", room.empty() ? one_room_channel : room);
    }
    out += "PING\r\n";
    return out;
}

std::string wire::join(std::string_view room) const {
    return fmt::format("/join {}\n", room);
}

std::string wire::frame_prefix(std::string_view room) const {
    const std::string_view channel = room.empty() ? one_room_channel : room;
    switch (target_) {
        case target::chat:
            return {};  // a plain line goes to the client's current room: the one last joined
        case target::redis:
            return fmt::format("*3\r\n$7\r\nPUBLISH\r\n${}\r\n{}\r\n${}\r\n", channel.size(),
                               channel, payload_size_);
        case target::nats:
            return fmt::format("PUB {} {}\r\n", channel, payload_size_);
    }
    return {};
}

std::string wire::check_greeting(std::string_view line) const {
    if (target_ != target::chat) {
        return {};
    }
    const std::string_view wanted = protocol_ == 1 ? "chat/1" : protocol_version;
    const auto hello = parse_server_line(line);
    if (!hello || hello->tag != server_tag::hello || hello->code != wanted) {
        return fmt::format("the server does not speak {} (see --protocol): '{}'", wanted, line);
    }
    const auto rate = find_limit(hello->limits, "rate");
    if (rate && *rate != "0") {
        return fmt::format(
            "the server limits each client to {} lines/s; start it with --rate 0 to benchmark",
            *rate);
    }
    return {};
}

line_event wire::classify(wire_state& st, std::string_view line) const {
    switch (target_) {
        case target::chat:
            return protocol_ == 1 ? classify_chat1(line) : classify_chat(line);
        case target::redis:
            return classify_redis(st, line);
        case target::nats:
            return classify_nats(st, line);
    }
    return {};
}

std::string wire::pong(std::string_view token) const {
    if (target_ == target::chat) {
        return fmt::format("/pong {}\n", token);
    }
    return "PONG\r\n";
}

line_event wire::classify_chat(std::string_view line) const {
    // MSG <room> <id> <time> <from> <text>, tens of millions a second: our payload is the last
    // payload_size_ bytes, after a space, and nothing else of the line is read: the bench is
    // often the limit of a one-room run, and parse_server_line would search every field. A MSG
    // that does not end so is handed on whole, to fail as "not one of ours". Every other line
    // goes through the shared parser.
    if (starts_with(line, "MSG ")) {
        if (line.size() > payload_size_ + 4 && line[line.size() - payload_size_ - 1] == ' ') {
            return {line_kind::delivery, line.substr(line.size() - payload_size_)};
        }
        return {line_kind::delivery, line};
    }
    const auto l = parse_server_line(line);
    if (!l) {
        return {line_kind::fault, line};  // our own server sent something malformed
    }
    switch (l->tag) {
        case server_tag::hello:
            return {line_kind::greeting, line};
        case server_tag::welcome:
            return {line_kind::registered, line};
        case server_tag::joined:
            return {line_kind::joined, l->room};
        case server_tag::join:
            return {line_kind::notice, l->room};
        case server_tag::sent:
            return {line_kind::ack, l->id};
        case server_tag::ping:
            return {line_kind::ping, l->text};
        case server_tag::leave:
            return {line_kind::left, line};
        case server_tag::err:
        case server_tag::bye:
            return {line_kind::fault, line};
        default:
            return {};
    }
}

line_event wire::classify_chat1(std::string_view line) const {
    // chat/1, to measure the server from before rooms: MSG <id> <time> <from> <text>, JOIN
    // <name>, LEAVE <name> <reason>; no SENT, no JOINED (WELCOME means "in the room").
    if (starts_with(line, "MSG ")) {
        if (line.size() > payload_size_ + 4 && line[line.size() - payload_size_ - 1] == ' ') {
            return {line_kind::delivery, line.substr(line.size() - payload_size_)};
        }
        return {line_kind::delivery, line};
    }
    if (starts_with(line, "PING ")) {
        return {line_kind::ping, line.substr(5)};
    }
    if (starts_with(line, "HELLO ")) {
        return {line_kind::greeting, line};
    }
    if (starts_with(line, "WELCOME ")) {
        return {line_kind::registered, line};
    }
    if (starts_with(line, "LEAVE ")) {
        return {line_kind::left, line};
    }
    if (starts_with(line, "ERR ") || starts_with(line, "BYE")) {
        return {line_kind::fault, line};
    }
    return {};
}

line_event wire::classify_redis(wire_state& st, std::string_view line) const {
    std::string_view element;
    if (st.bulk_next) {
        st.bulk_next = false;
        element = line;
    } else if (line.empty()) {
        return {line_kind::fault, line};
    } else {
        switch (line[0]) {
            case '*':  // an array (RESP2 replies and pushes)
            case '>':  // a RESP3 push: pub/sub messages and confirmations
            case '%':  // a RESP3 map (HELLO's answer): twice as many elements as entries
                st.elements = to_int(line.substr(1)) * (line[0] == '%' ? 2 : 1);
                st.index = 0;
                st.is_message = st.is_subscribe = false;
                return {};
            case '$':
                if (line == "$-1") {
                    break;  // a null element
                }
                st.bulk_next = true;
                return {};
            case ':':
                if (st.elements == 0) {
                    return {line_kind::ack, line.substr(1)};
                }
                element = line.substr(1);
                break;
            case '+':
                return {line == "+PONG" ? line_kind::registered : line_kind::other, line};
            default:
                return {line_kind::fault, line};
        }
    }
    if (st.elements <= 0) {
        return {};
    }
    const std::int64_t i = st.index++;
    --st.elements;
    if (i == 0) {
        st.is_message = element == "message";
        st.is_subscribe = element == "subscribe";
    } else if (i == 2 && st.is_message) {
        return {line_kind::delivery, element};
    } else if (i == 2 && st.is_subscribe) {
        return {line_kind::joined, {}};
    }
    return {};
}

line_event wire::classify_nats(wire_state& st, std::string_view line) const {
    if (st.payload_next) {
        st.payload_next = false;
        return {line_kind::delivery, line};
    }
    if (starts_with(line, "MSG ")) {
        st.payload_next = true;
        return {};
    }
    if (line == "PING") {
        return {line_kind::ping, {}};
    }
    if (line == "PONG") {
        return {line_kind::registered, line};
    }
    if (starts_with(line, "INFO ")) {
        return {line_kind::greeting, line};
    }
    if (starts_with(line, "-ERR")) {
        return {line_kind::fault, line};
    }
    return {};
}

}  // namespace chat::bench
