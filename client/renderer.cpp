#include "client/renderer.hpp"

#include <array>
#include <cstdint>
#include <ctime>

#include <fmt/format.h>

#include "common/names.hpp"
#include "common/text_util.hpp"

namespace chat {

namespace {

// SGR sequences. Names get a palette without red (errors) and with nothing dim.
constexpr std::string_view sgr_reset = "\x1b[0m";
constexpr std::string_view sgr_dim = "\x1b[2m";
constexpr std::string_view sgr_bold = "\x1b[1m";
constexpr std::string_view sgr_error = "\x1b[1;31m";
constexpr std::string_view sgr_private = "\x1b[1;35m";
constexpr std::string_view sgr_info = "\x1b[36m";
constexpr std::array<std::string_view, name_palette_size> palette = {
    "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[36m", "\x1b[92m", "\x1b[93m", "\x1b[94m", "\x1b[96m",
};

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
constexpr std::string_view pdi = "\xE2\x81\xA9";          // U+2069 POP DIRECTIONAL ISOLATE

/// Length of the well-formed UTF-8 sequence at the start of `s` and its code point, or 0.
std::size_t utf8_sequence(std::string_view s, char32_t& cp) {
    const auto b0 = static_cast<unsigned char>(s[0]);
    std::size_t len = 0;
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        len = 2;
        cp = b0 & 0x1FU;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        len = 3;
        cp = b0 & 0x0FU;
        lo = b0 == 0xE0 ? 0xA0 : 0x80;  // no overlong forms
        hi = b0 == 0xED ? 0x9F : 0xBF;  // no surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        len = 4;
        cp = b0 & 0x07U;
        lo = b0 == 0xF0 ? 0x90 : 0x80;
        hi = b0 == 0xF4 ? 0x8F : 0xBF;  // nothing above U+10FFFF
    } else {
        return 0;
    }
    if (s.size() < len) {
        return 0;
    }
    for (std::size_t i = 1; i < len; ++i) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < (i == 1 ? lo : 0x80) || b > (i == 1 ? hi : 0xBF)) {
            return 0;
        }
        cp = (cp << 6U) | (b & 0x3FU);
    }
    return len;
}

/// A wire time, or `fallback` when it cannot be read.
std::chrono::system_clock::time_point parsed_time(std::string_view wire_time,
                                                  std::chrono::system_clock::time_point fallback) {
    return parse_timestamp(wire_time).value_or(fallback);
}

}  // namespace

std::size_t name_color_index(std::string_view name) {
    // FNV-1a over the lower-case name: stable across runs, platforms and letter case.
    std::uint32_t h = 2166136261U;
    for (const char c : name) {
        h ^= static_cast<unsigned char>(ascii_lower(c));
        h *= 16777619U;
    }
    return h % name_palette_size;
}

std::string_view describe_error(std::string_view code) {
    const auto e = parse_protocol_error(code);
    if (!e) {
        return "The server refused that";
    }
    switch (*e) {
        case protocol_error::name_invalid:
            return "That name is not allowed";
        case protocol_error::name_taken:
            return "That name is taken";
        case protocol_error::no_such_user:
            return "No such user";
        case protocol_error::unknown_command:
            return "Unknown command";
        case protocol_error::usage:
            return "Incomplete command";
        case protocol_error::line_too_long:
            return "Your line was too long and was not sent";
        case protocol_error::bad_encoding:
            return "Your line could not be sent";
        case protocol_error::server_full:
            return "The server is full";
        case protocol_error::too_many_from_address:
            return "Too many connections from your address";
        case protocol_error::too_many_connections:
            return "Too many new connections from your address";
        case protocol_error::not_registered:
            return "You have not joined yet";
        case protocol_error::room_name_invalid:
            return "That is not a room name";
        case protocol_error::not_in_room:
            return "You are not in that room";
        case protocol_error::too_many_rooms:
            return "You are in too many rooms";
        case protocol_error::no_such_room:
            return "No such room";
        case protocol_error::target_busy:
            return "They are getting too many private messages; try again later";
        case protocol_error::resume_failed:
            return "The session could not be resumed";
    }
    return "The server refused that";
}

std::string renderer::sanitize(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    std::size_t open_isolates = 0;  // LRI, RLI and FSI not yet closed by a PDI
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if (c == '\t') {
                out += ' ';
            } else if (c < 0x20 || c == 0x7F) {
                out += replacement;
            } else {
                out += static_cast<char>(c);
            }
            ++i;
            continue;
        }
        char32_t cp = 0;
        const std::size_t len = utf8_sequence(text.substr(i), cp);
        // C1 controls drive terminals. U+2028/U+2029 break lines and U+202A..U+202E reorder
        // everything after them; our server refuses them, but another one may not.
        if (len == 0 || (cp >= 0x80 && cp <= 0x9F) || (cp >= 0x2028 && cp <= 0x202E)) {
            out += replacement;
            i += len == 0 ? 1 : len;
            continue;
        }
        if (cp >= 0x2066 && cp <= 0x2068) {
            ++open_isolates;
        } else if (cp == 0x2069 && open_isolates > 0) {
            --open_isolates;  // a PDI with nothing open is ignored by the bidi algorithm too
        }
        out.append(text.substr(i, len));
        i += len;
    }
    // An isolate reaches to the end of the paragraph, which on a terminal is the whole screen
    // line: left open, it would reorder the text of the fields after this one.
    for (; open_isolates > 0; --open_isolates) {
        out += pdi;
    }
    return out;
}

std::string renderer::paint(std::string_view sgr, std::string_view text) const {
    if (!options_.color) {
        return std::string(text);
    }
    return fmt::format("{}{}{}", sgr, text, sgr_reset);
}

std::string renderer::dim(std::string_view text) const {
    return paint(sgr_dim, text);
}

std::string renderer::name(std::string_view n) const {
    return paint(palette[name_color_index(n)], sanitize(n));
}

std::string renderer::room(std::string_view r) const {
    return paint(palette[name_color_index(r)], sanitize(r));
}

std::string renderer::room_head(std::string_view r, time_point t) const {
    return fmt::format("{} {}", clock(t), room(r));
}

std::tm renderer::local_parts(time_point t) const {
    const std::time_t secs = std::chrono::system_clock::to_time_t(t);
    std::tm parts{};
    if (options_.utc) {
        gmtime_r(&secs, &parts);
    } else {
        localtime_r(&secs, &parts);
    }
    return parts;
}

std::string renderer::clock(time_point t) const {
    const std::tm parts = local_parts(t);
    return paint(sgr_dim, fmt::format("[{:02}:{:02}]", parts.tm_hour, parts.tm_min));
}

std::string renderer::dated_clock(time_point t, time_point now) const {
    const std::tm when = local_parts(t);
    const std::tm today = local_parts(now);
    if (when.tm_year == today.tm_year && when.tm_yday == today.tm_yday) {
        return clock(t);
    }
    return paint(sgr_dim, fmt::format("[{:04}-{:02}-{:02} {:02}:{:02}]", when.tm_year + 1900,
                                      when.tm_mon + 1, when.tm_mday, when.tm_hour, when.tm_min));
}

std::string renderer::clock(std::string_view wire_time, time_point now) const {
    return clock(parsed_time(wire_time, now));
}

std::string renderer::notice(std::string_view text) const {
    return paint(sgr_dim, fmt::format("-- {}", sanitize(text)));
}

std::string renderer::error(std::string_view text) const {
    return paint(sgr_error, fmt::format("!! {}", sanitize(text)));
}

std::string renderer::garbage(std::string_view raw) const {
    return paint(sgr_dim, fmt::format("?? {}", sanitize(raw)));
}

bool renderer::mentions_self(std::string_view text) const {
    if (self_.empty() || text.size() < self_.size()) {
        return false;
    }
    for (std::size_t at = 0; at + self_.size() <= text.size(); ++at) {
        bool same = true;
        for (std::size_t k = 0; k < self_.size() && same; ++k) {
            same = ascii_lower(text[at + k]) == ascii_lower(self_[k]);
        }
        const bool starts = at == 0 || !is_name_char(text[at - 1]);
        const std::size_t after = at + self_.size();
        const bool ends = after == text.size() || !is_name_char(text[after]);
        if (same && starts && ends) {
            return true;
        }
    }
    return false;
}

std::string renderer::own_message(std::string_view r, std::string_view text, time_point at) const {
    return fmt::format("{} {}: {}", room_head(r, at), name(self_), sanitize(text));
}

std::string renderer::own_action(std::string_view r, std::string_view text, time_point at) const {
    return fmt::format("{} * {} {}", room_head(r, at), name(self_), sanitize(text));
}

std::string renderer::own_private(std::string_view to, std::string_view text, time_point at) const {
    return fmt::format("{} {} {} {}", clock(at), paint(sgr_private, "->"), name(to),
                       paint(sgr_private, fmt::format("(private): {}", sanitize(text))));
}

std::string renderer::refused(const server_line& err, std::string_view line) const {
    const std::string_view sentence = describe_error(err.code);
    const std::string why =
        err.text.empty() ? std::string(sentence) : fmt::format("{}: {}", sentence, err.text);
    return error(fmt::format("{} (not sent: {})", why, line));
}

std::string renderer::switched(std::string_view r, time_point now) const {
    return fmt::format("{} {}", clock(now),
                       paint(sgr_dim, fmt::format("-- now talking in {}", sanitize(r))));
}

std::string renderer::render(const server_line& line, time_point now) const {
    switch (line.tag) {
        case server_tag::msg: {
            std::string text = sanitize(line.text);
            if (mentions_self(line.text)) {
                text = paint(sgr_bold, text);
            }
            return fmt::format("{} {}: {}", room_head(line.room, parsed_time(line.time, now)),
                               name(line.name), text);
        }
        case server_tag::priv:
            return fmt::format(
                "{} {} {} {}", clock(line.time, now), paint(sgr_private, "<-"), name(line.name),
                paint(sgr_private, fmt::format("(private): {}", sanitize(line.text))));
        case server_tag::me:
            return fmt::format("{} * {} {}", room_head(line.room, parsed_time(line.time, now)),
                               name(line.name), sanitize(line.text));
        case server_tag::sent:
            return {};
        case server_tag::join:
            return fmt::format("{} {}", room_head(line.room, now),
                               paint(sgr_dim, fmt::format("-- {} joined", sanitize(line.name))));
        case server_tag::leave:
            return render_leave(line, now);
        case server_tag::joined:
            return render_joined(line, now);
        case server_tag::parted:
            return fmt::format("{} {}", clock(now),
                               paint(sgr_dim, fmt::format("-- you left {}", sanitize(line.room))));
        case server_tag::topic:
            return render_topic(line, now);
        case server_tag::rooms:
            return render_rooms(line);
        case server_tag::nick: {
            const bool me = !self_.empty() && (name_key(line.name) == name_key(self_) ||
                                               name_key(line.new_name) == name_key(self_));
            const std::string text =
                me ? fmt::format("-- you are now known as {}", sanitize(line.new_name))
                   : fmt::format("-- {} is now known as {}", sanitize(line.name),
                                 sanitize(line.new_name));
            return fmt::format("{} {}", clock(now), paint(sgr_dim, text));
        }
        case server_tag::users:
            return render_users(line);
        case server_tag::info:
            return paint(sgr_info, fmt::format("-- {}", sanitize(line.text)));
        case server_tag::ping:
            return {};
        case server_tag::pong:
            return notice(line.text.empty() ? std::string("pong")
                                            : fmt::format("pong {}", line.text));
        case server_tag::bye:
            return notice(line.text.empty()
                              ? std::string("the server closed the connection")
                              : fmt::format("the server closed the connection: {}", line.text));
        case server_tag::err:
            return render_error(line);
        case server_tag::hello:
            return notice(line.text.empty() ? std::string("connected; send your name") : line.text);
        case server_tag::welcome:
            // The resume token is not part of the text: it is not for people.
            return notice(line.text.empty() ? fmt::format("you joined as {}", line.name)
                                            : std::string(line.text));
        case server_tag::history:
        case server_tag::resumed:
            return {};  // the clients handle these before rendering (see replay_view)
        case server_tag::unknown:
            return notice(line.text.empty() ? std::string(line.tag_word)
                                            : fmt::format("{} {}", line.tag_word, line.text));
    }
    return garbage(line.tag_word);
}

std::string renderer::render_leave(const server_line& line, time_point now) const {
    const std::string who = sanitize(line.name);
    const std::string said = sanitize(line.text);
    std::string text;
    const auto reason = parse_leave_reason(line.code);
    if (!reason) {
        text = fmt::format("-- {} left ({})", who, sanitize(line.code));
    } else {
        switch (*reason) {
            case leave_reason::part:
                text = said.empty() ? fmt::format("-- {} left", who)
                                    : fmt::format("-- {} left ({})", who, said);
                break;
            case leave_reason::quit:
                text = said.empty() ? fmt::format("-- {} quit", who)
                                    : fmt::format("-- {} quit ({})", who, said);
                break;
            case leave_reason::disconnected:
                text = fmt::format("-- {} disconnected", who);
                break;
            case leave_reason::timeout:
                text = fmt::format("-- {} timed out", who);
                break;
            case leave_reason::slow_consumer:
                text = fmt::format("-- {} was dropped (could not keep up)", who);
                break;
            case leave_reason::shutdown:
                text = fmt::format("-- {} left (server shutting down)", who);
                break;
            case leave_reason::error:
                text = fmt::format("-- {} left after an error", who);
                break;
        }
    }
    return fmt::format("{} {}", room_head(line.room, now), paint(sgr_dim, text));
}

std::string renderer::render_joined(const server_line& line, time_point now) const {
    const std::string members =
        line.count == "1" ? std::string("just you") : fmt::format("{} members", line.count);
    return fmt::format(
        "{} {}", clock(now),
        paint(sgr_dim, fmt::format("-- you joined {} ({})", sanitize(line.room), members)));
}

std::string renderer::render_topic(const server_line& line, time_point now) const {
    // Sent on joining a room that has one and whenever it changes; the time it carries is when it
    // was set, perhaps long ago, so the line is stamped with now and names who set it.
    const std::string text =
        line.text.empty()
            ? fmt::format("-- the topic was cleared by {}", sanitize(line.name))
            : fmt::format("-- topic: {} (set by {})", sanitize(line.text), sanitize(line.name));
    return fmt::format("{} {}", room_head(line.room, now), paint(sgr_dim, text));
}

std::string renderer::render_rooms(const server_line& line) const {
    std::string rooms;
    std::size_t count = 0;
    for_each_room_entry(line.text, [&](std::string_view r, std::string_view members) {
        if (count++ != 0) {
            rooms += paint(sgr_dim, ", ");
        }
        rooms +=
            fmt::format("{} {}", room(r), paint(sgr_dim, fmt::format("({})", sanitize(members))));
    });
    if (count == 0) {
        return notice("there are no rooms");
    }
    return fmt::format("{} {}", paint(sgr_dim, fmt::format("-- rooms ({}):", count)), rooms);
}

std::string renderer::render_error(const server_line& line) const {
    const std::string_view sentence = describe_error(line.code);
    if (line.text.empty()) {
        return error(sentence);
    }
    return error(fmt::format("{}: {}", sentence, line.text));
}

std::string renderer::render_users(const server_line& line) const {
    std::string names;
    std::size_t count = 0;
    for_each_name(split_list_part(line.text).items, [&](std::string_view n) {
        if (count++ != 0) {
            names += paint(sgr_dim, ", ");
        }
        names += name(n);
    });
    if (count == 0) {
        return notice(fmt::format("nobody is in {}", line.room));
    }
    return fmt::format("{} {} {} {}", paint(sgr_dim, "-- in"), room(line.room),
                       paint(sgr_dim, fmt::format("({}):", count)), names);
}

}  // namespace chat
