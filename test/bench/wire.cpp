#include "test/bench/wire.hpp"

#include <charconv>

#include <fmt/format.h>

namespace chat::bench {

namespace {

constexpr std::string_view channel = "bench";

bool starts_with(std::string_view s, std::string_view p) {
    return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

std::int64_t to_int(std::string_view s) {
    std::int64_t v = 0;
    std::from_chars(s.data(), s.data() + s.size(), v);
    return v;
}

/// The value of `key=` in a HELLO limits field such as "max-line=4096,rate=0,burst=40".
std::string_view limit(std::string_view limits, std::string_view key) {
    std::size_t at = 0;
    while (at < limits.size()) {
        const std::size_t end = std::min(limits.find(',', at), limits.size());
        const std::string_view item = limits.substr(at, end - at);
        if (item.size() > key.size() && starts_with(item, key) && item[key.size()] == '=') {
            return item.substr(key.size() + 1);
        }
        at = end + 1;
    }
    return {};
}

std::string wire_prefix(target t, std::size_t payload_size) {
    switch (t) {
        case target::chat:
            return {};
        case target::redis:
            return fmt::format("*3\r\n$7\r\nPUBLISH\r\n${}\r\n{}\r\n${}\r\n", channel.size(),
                               channel, payload_size);
        case target::nats:
            return fmt::format("PUB {} {}\r\n", channel, payload_size);
    }
    return {};
}

}  // namespace

wire::wire(bench::target t, std::size_t payload_size)
    : target_(t),
      payload_size_(payload_size),
      prefix_(wire_prefix(t, payload_size)),
      suffix_(t == target::chat ? 1U : 2U, '\n') {
    if (t != target::chat) {
        suffix_[0] = '\r';
    }
}

std::string wire::on_connect(bool subscriber) const {
    if (target_ != target::redis) {
        return {};
    }
    if (subscriber) {
        return fmt::format("*2\r\n$9\r\nSUBSCRIBE\r\n${}\r\n{}\r\n", channel.size(), channel);
    }
    return "*1\r\n$4\r\nPING\r\n";
}

std::string wire::after_greeting(bool subscriber, std::string_view name) const {
    if (target_ == target::chat) {
        return fmt::format("{}\n", name);
    }
    // NATS: no +OK per command, no echo of our own messages; PING makes PONG the sign that the
    // server has processed our SUB.
    std::string out = fmt::format(
        "CONNECT {{\"verbose\":false,\"pedantic\":false,\"echo\":false,\"name\":\"{}\"}}\r\n",
        name);
    if (subscriber) {
        out += fmt::format("SUB {} 1\r\n", channel);
    }
    out += "PING\r\n";
    return out;
}

std::string wire::check_greeting(std::string_view line) const {
    if (target_ != target::chat) {
        return {};
    }
    // HELLO chat/1 <limits> <text>
    if (!starts_with(line, "HELLO chat/1 ")) {
        return fmt::format("the server does not speak chat/1: '{}'", line);
    }
    std::string_view limits = line.substr(13);
    limits = limits.substr(0, limits.find(' '));
    const std::string_view rate = limit(limits, "rate");
    if (!rate.empty() && rate != "0") {
        return fmt::format(
            "the server limits each client to {} lines/s; start it with --rate 0 to benchmark",
            rate);
    }
    return {};
}

line_event wire::classify(wire_state& st, std::string_view line) const {
    switch (target_) {
        case target::chat:
            return classify_chat(line);
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
    // MSG <id> <time> <from> <text>: our text is the last payload_size_ bytes, after a space.
    if (starts_with(line, "MSG ")) {
        if (line.size() > payload_size_ + 4 && line[line.size() - payload_size_ - 1] == ' ') {
            return {line_kind::delivery, line.substr(line.size() - payload_size_)};
        }
        return {};
    }
    if (starts_with(line, "JOIN ")) {
        return {};
    }
    if (starts_with(line, "PING ")) {
        return {line_kind::ping, line.substr(5)};
    }
    if (starts_with(line, "HELLO ")) {
        return {line_kind::greeting, line};
    }
    if (starts_with(line, "WELCOME ")) {
        return {line_kind::ready, line};
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
            case '*':
                st.elements = to_int(line.substr(1));
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
                return {line == "+PONG" ? line_kind::ready : line_kind::other, line};
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
        return {line_kind::ready, element};
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
        return {line_kind::ready, line};
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
