#include "common/server_line.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

namespace chat {

namespace {

/// Fields are separated by exactly one space (the server's encoder writes them so); the free text
/// at the end is kept byte for byte, leading spaces included.
class field_reader {
  public:
    explicit field_reader(std::string_view line) : rest_(line) {}

    /// The next space-delimited field; empty when none is left.
    std::string_view next() {
        const auto space = rest_.find(' ');
        const std::string_view field = rest_.substr(0, space);
        rest_ = space == std::string_view::npos ? std::string_view{} : rest_.substr(space + 1);
        return field;
    }
    /// Everything not read yet.
    std::string_view rest() const { return rest_; }

  private:
    std::string_view rest_;
};

struct tag_entry {
    std::string_view word;
    server_tag tag;
};

constexpr std::array<tag_entry, 21> tags = {{
    {"HISTORY", server_tag::history}, {"RESUMED", server_tag::resumed},
    {"MSG", server_tag::msg},         {"PRIV", server_tag::priv},
    {"ME", server_tag::me},           {"SENT", server_tag::sent},
    {"JOIN", server_tag::join},       {"LEAVE", server_tag::leave},
    {"JOINED", server_tag::joined},   {"PARTED", server_tag::parted},
    {"TOPIC", server_tag::topic},     {"ROOMS", server_tag::rooms},
    {"NICK", server_tag::nick},       {"USERS", server_tag::users},
    {"INFO", server_tag::info},       {"PING", server_tag::ping},
    {"PONG", server_tag::pong},       {"ERR", server_tag::err},
    {"BYE", server_tag::bye},         {"HELLO", server_tag::hello},
    {"WELCOME", server_tag::welcome},
}};

bool is_tag_word(std::string_view word) {
    return !word.empty() && std::ranges::all_of(word, [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool all_digits(std::string_view s) {
    return !s.empty() && std::ranges::all_of(s, [](char c) { return c >= '0' && c <= '9'; });
}

/// Reads exactly `s.size()` decimal digits.
std::optional<int> digits(std::string_view s) {
    if (!all_digits(s)) {
        return std::nullopt;
    }
    int value = 0;
    for (const char c : s) {
        value = value * 10 + (c - '0');
    }
    return value;
}

/// The value among `all` whose wire word (`to_string`) is `word`, or nothing.
template <class E, std::size_t N>
std::optional<E> from_wire_word(const std::array<E, N>& all, std::string_view word) {
    for (const E e : all) {
        if (to_string(e) == word) {
            return e;
        }
    }
    return std::nullopt;
}

}  // namespace

std::optional<server_line> parse_server_line(std::string_view line) {
    field_reader fields(line);
    server_line out;
    out.tag_word = fields.next();
    if (!is_tag_word(out.tag_word)) {
        return std::nullopt;
    }
    out.tag = server_tag::unknown;
    for (const auto& e : tags) {
        if (e.word == out.tag_word) {
            out.tag = e.tag;
            break;
        }
    }
    // Each case reads its fields in wire order; a required field that is empty makes the line
    // malformed, never a line with a hole in it.
    bool ok = true;
    const auto need = [&ok](std::string_view& field, std::string_view value) {
        field = value;
        ok = ok && !value.empty();
    };
    switch (out.tag) {
        case server_tag::msg:
        case server_tag::me:
            need(out.room, fields.next());
            [[fallthrough]];
        case server_tag::priv:
            need(out.id, fields.next());
            need(out.time, fields.next());
            need(out.name, fields.next());
            out.text = fields.rest();
            break;
        case server_tag::sent:
            need(out.id, fields.next());
            need(out.time, fields.next());
            break;
        case server_tag::join:
            need(out.room, fields.next());
            need(out.name, fields.next());
            break;
        case server_tag::leave:
            need(out.room, fields.next());
            need(out.name, fields.next());
            need(out.code, fields.next());
            out.text = fields.rest();
            break;
        case server_tag::joined:
            need(out.room, fields.next());
            need(out.count, fields.next());
            out.text = fields.rest();
            ok = ok && all_digits(out.count);
            break;
        case server_tag::parted:
            need(out.room, fields.next());
            break;
        case server_tag::topic:
            need(out.room, fields.next());
            need(out.name, fields.next());
            need(out.time, fields.next());
            out.text = fields.rest();
            break;
        case server_tag::users:
            need(out.room, fields.next());
            out.text = fields.rest();
            break;
        case server_tag::nick:
            need(out.name, fields.next());
            need(out.new_name, fields.next());
            break;
        case server_tag::welcome: {
            need(out.name, fields.next());
            // A 2.0 server sends no token: its text starts where the token would be.
            field_reader peek = fields;
            if (is_resume_token(peek.next())) {
                out.token = fields.next();
            }
            out.text = fields.rest();
            break;
        }
        case server_tag::history:
            need(out.room, fields.next());
            need(out.code, fields.next());
            need(out.count, fields.next());
            ok = ok && all_digits(out.count);
            break;
        case server_tag::resumed:
            need(out.count, fields.next());
            need(out.code, fields.next());
            ok = ok && all_digits(out.count);
            break;
        case server_tag::err:
            need(out.code, fields.next());
            out.text = fields.rest();
            break;
        case server_tag::hello:
            need(out.code, fields.next());
            out.limits = fields.next();
            out.text = fields.rest();
            break;
        case server_tag::ping:
            need(out.text, fields.rest());  // a PING without a token cannot be answered
            break;
        case server_tag::rooms:
        case server_tag::info:
        case server_tag::pong:
        case server_tag::bye:
        case server_tag::unknown:
            out.text = fields.rest();
            break;
    }
    if (!ok) {
        return std::nullopt;
    }
    return out;
}

std::string_view to_string(server_tag tag) {
    // A switch, not a walk of the table: this runs for every line the server encodes.
    switch (tag) {
        case server_tag::hello:
            return "HELLO";
        case server_tag::welcome:
            return "WELCOME";
        case server_tag::msg:
            return "MSG";
        case server_tag::priv:
            return "PRIV";
        case server_tag::me:
            return "ME";
        case server_tag::sent:
            return "SENT";
        case server_tag::join:
            return "JOIN";
        case server_tag::leave:
            return "LEAVE";
        case server_tag::joined:
            return "JOINED";
        case server_tag::parted:
            return "PARTED";
        case server_tag::topic:
            return "TOPIC";
        case server_tag::rooms:
            return "ROOMS";
        case server_tag::nick:
            return "NICK";
        case server_tag::users:
            return "USERS";
        case server_tag::info:
            return "INFO";
        case server_tag::ping:
            return "PING";
        case server_tag::pong:
            return "PONG";
        case server_tag::bye:
            return "BYE";
        case server_tag::err:
            return "ERR";
        case server_tag::history:
            return "HISTORY";
        case server_tag::resumed:
            return "RESUMED";
        case server_tag::unknown:
            break;
    }
    return {};
}

bool is_resume_token(std::string_view word) {
    return word.size() == 32 && std::ranges::all_of(word, [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

list_part split_list_part(std::string_view text) {
    if (text == "+") {
        return {{}, true};
    }
    if (text.ends_with(" +")) {
        return {text.substr(0, text.size() - 2), true};
    }
    return {text, false};
}

std::optional<std::string_view> find_limit(std::string_view limits, std::string_view key) {
    while (!limits.empty()) {
        const auto comma = limits.find(',');
        const auto item = limits.substr(0, comma);
        const auto eq = item.find('=');
        if (eq != std::string_view::npos && item.substr(0, eq) == key) {
            return item.substr(eq + 1);
        }
        if (comma == std::string_view::npos) {
            break;
        }
        limits.remove_prefix(comma + 1);
    }
    return std::nullopt;
}

std::optional<protocol_error> parse_protocol_error(std::string_view code) {
    static constexpr std::array<protocol_error, 17> all = {
        protocol_error::resume_failed,        protocol_error::name_invalid,
        protocol_error::name_taken,           protocol_error::no_such_user,
        protocol_error::unknown_command,      protocol_error::usage,
        protocol_error::line_too_long,        protocol_error::bad_encoding,
        protocol_error::server_full,          protocol_error::too_many_from_address,
        protocol_error::too_many_connections, protocol_error::not_registered,
        protocol_error::room_name_invalid,    protocol_error::not_in_room,
        protocol_error::too_many_rooms,       protocol_error::no_such_room,
        protocol_error::target_busy,
    };
    return from_wire_word(all, code);
}

std::optional<leave_reason> parse_leave_reason(std::string_view reason) {
    static constexpr std::array<leave_reason, 7> all = {
        leave_reason::quit,          leave_reason::disconnected, leave_reason::timeout,
        leave_reason::slow_consumer, leave_reason::shutdown,     leave_reason::error,
        leave_reason::part,
    };
    return from_wire_word(all, reason);
}

std::optional<page_status> parse_page_status(std::string_view status) {
    static constexpr std::array<page_status, 3> all = {
        page_status::complete,
        page_status::more,
        page_status::gap,
    };
    return from_wire_word(all, status);
}

std::optional<std::chrono::system_clock::time_point> parse_timestamp(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.fraction]Z
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' ||
        text[13] != ':' || text[16] != ':' || text.back() != 'Z') {
        return std::nullopt;
    }
    const auto year = digits(text.substr(0, 4));
    const auto month = digits(text.substr(5, 2));
    const auto day = digits(text.substr(8, 2));
    const auto hour = digits(text.substr(11, 2));
    const auto minute = digits(text.substr(14, 2));
    const auto second = digits(text.substr(17, 2));
    if (!year || !month || !day || !hour || !minute || !second || *hour > 23 || *minute > 59 ||
        *second > 60) {
        return std::nullopt;
    }
    std::int64_t nanos = 0;
    const std::string_view tail = text.substr(19, text.size() - 20);
    if (!tail.empty()) {
        const std::string_view fraction = tail.substr(1);
        if (tail.front() != '.' || fraction.size() > 9 || !all_digits(fraction)) {
            return std::nullopt;
        }
        std::int64_t scale = 100'000'000;
        for (const char c : fraction) {
            nanos += (c - '0') * scale;
            scale /= 10;
        }
    }
    using namespace std::chrono;
    const year_month_day ymd{std::chrono::year{*year},
                             std::chrono::month{static_cast<unsigned>(*month)},
                             std::chrono::day{static_cast<unsigned>(*day)}};
    if (!ymd.ok()) {
        return std::nullopt;
    }
    const auto at = sys_days{ymd} + hours{*hour} + minutes{*minute} + seconds{*second};
    return time_point_cast<system_clock::duration>(at + nanoseconds{nanos});
}

}  // namespace chat
