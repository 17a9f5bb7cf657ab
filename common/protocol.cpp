#include "common/protocol.hpp"

#include <array>
#include <charconv>
#include <tuple>
#include <utility>

#include "common/text_util.hpp"

namespace chat {

std::string_view to_string(protocol_error code) {
    switch (code) {
        case protocol_error::name_invalid:
            return "name-invalid";
        case protocol_error::name_taken:
            return "name-taken";
        case protocol_error::no_such_user:
            return "no-such-user";
        case protocol_error::unknown_command:
            return "unknown-command";
        case protocol_error::usage:
            return "usage";
        case protocol_error::line_too_long:
            return "line-too-long";
        case protocol_error::bad_encoding:
            return "bad-encoding";
        case protocol_error::server_full:
            return "server-full";
        case protocol_error::too_many_from_address:
            return "too-many-from-address";
        case protocol_error::too_many_connections:
            return "too-many-connections";
        case protocol_error::not_registered:
            return "not-registered";
        case protocol_error::room_name_invalid:
            return "room-name-invalid";
        case protocol_error::not_in_room:
            return "not-in-room";
        case protocol_error::too_many_rooms:
            return "too-many-rooms";
        case protocol_error::no_such_room:
            return "no-such-room";
        case protocol_error::target_busy:
            return "target-busy";
        case protocol_error::resume_failed:
            return "resume-failed";
    }
    return "error";
}

std::string_view to_string(leave_reason reason) {
    switch (reason) {
        case leave_reason::quit:
            return "quit";
        case leave_reason::disconnected:
            return "disconnected";
        case leave_reason::timeout:
            return "timeout";
        case leave_reason::slow_consumer:
            return "slow-consumer";
        case leave_reason::shutdown:
            return "shutdown";
        case leave_reason::error:
            return "error";
        case leave_reason::part:
            return "part";
    }
    return "error";
}

std::string_view to_string(page_status status) {
    switch (status) {
        case page_status::complete:
            return "complete";
        case page_status::more:
            return "more";
        case page_status::gap:
            return "gap";
    }
    return "gap";
}

std::optional<std::uint64_t> parse_count(std::string_view digits) {
    // from_chars takes no sign, no spaces and no base prefix, and says when the value overflows.
    std::uint64_t value = 0;
    const char* const end = digits.data() + digits.size();
    const auto [ptr, ec] = std::from_chars(digits.data(), end, value);
    if (digits.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

namespace {

command usage_error(std::string_view name) {
    return {command_kind::usage, name, {}};
}

bool is_room_word(std::string_view word) {
    return !word.empty() && word.front() == '#';
}

/// `/part [#room] [reason]`: the room is optional, so a first word without `#` is the reason.
command parse_part(std::string_view rest) {
    const auto [word, reason] = split_word(rest);
    if (is_room_word(word)) {
        return {command_kind::part, word, trim(reason)};
    }
    return {command_kind::part, {}, trim(rest)};
}

/// `/topic` (the current room's), `/topic #room` (show), `/topic #room text` (set).
command parse_topic(std::string_view rest) {
    const auto [word, text] = split_word(rest);
    if (word.empty()) {
        return {command_kind::topic, {}, {}};
    }
    if (!is_room_word(word)) {
        return usage_error("topic");
    }
    return {command_kind::topic, word, text};
}

command parse_slash(std::string_view line) {
    const auto [word, rest] = split_word(line.substr(1));
    struct entry {
        std::string_view name;
        command_kind kind;
    };
    static constexpr std::array<entry, 18> table = {{
        {"history", command_kind::history},
        {"resume", command_kind::resume},
        {"msg", command_kind::private_message},
        {"me", command_kind::me},
        {"nick", command_kind::nick},
        {"join", command_kind::join},
        {"part", command_kind::part},
        {"rooms", command_kind::rooms},
        {"topic", command_kind::topic},
        {"who", command_kind::who},
        {"ping", command_kind::ping},
        {"pong", command_kind::pong},
        {"help", command_kind::help},
        {"quit", command_kind::quit},
        {"stats", command_kind::stats},
        {"ignore", command_kind::ignore},
        {"unignore", command_kind::unignore},
        {"names", command_kind::who},  // IRC users type /names; it does what /who does
    }};
    for (const auto& e : table) {
        if (e.name != word) {
            continue;
        }
        switch (e.kind) {
            case command_kind::private_message: {
                const auto [target, text] = split_word(rest);
                if (target.empty() || text.empty()) {
                    return usage_error(e.name);
                }
                return {e.kind, target, text};
            }
            case command_kind::ignore:
                return {e.kind, trim(rest), {}};
            case command_kind::nick:
            case command_kind::unignore:
            case command_kind::join: {
                const auto name = trim(rest);
                if (name.empty()) {
                    return usage_error(e.name);
                }
                // A name has no spaces; "/nick a b" is a name the rules will refuse, not "a".
                return {e.kind, name, {}};
            }
            case command_kind::who: {
                // One room at most: "/who #a #b" is a mistake to point out, not a room name.
                const auto [room, extra] = split_word(trim(rest));
                if (!room.empty() && (!is_room_word(room) || !trim(extra).empty())) {
                    return usage_error("who");
                }
                return {e.kind, room, {}};
            }
            case command_kind::part:
                return parse_part(rest);
            case command_kind::history: {
                const auto [first, others] = split_word(trim(rest));
                if (is_room_word(first)) {
                    return {e.kind, first, trim(others)};
                }
                return {e.kind, {}, trim(rest)};
            }
            case command_kind::resume: {
                const auto [name, others] = split_word(trim(rest));
                return {e.kind, name, trim(others)};
            }
            case command_kind::topic:
                return parse_topic(rest);
            case command_kind::me:
            case command_kind::pong:
                if (rest.empty()) {
                    return usage_error(e.name);
                }
                return {e.kind, {}, rest};
            default:
                return {e.kind, {}, trim(rest)};
        }
    }
    return {command_kind::unknown, word, {}};
}

}  // namespace

std::string_view usage_of(std::string_view command) {
    struct entry {
        std::string_view command;
        std::string_view usage;
    };
    static constexpr std::array<entry, 14> table = {{
        {"history", "/history [#ROOM] [before ID | after ID] [LIMIT]"},
        {"resume", "/resume NAME TOKEN LAST-ID"},
        {"msg", "/msg NAME TEXT"},
        {"@", "@NAME TEXT"},
        {"#", "#ROOM TEXT"},
        {"nick", "/nick NAME"},
        {"me", "/me ACTION"},
        {"pong", "/pong TOKEN"},
        {"join", "/join #ROOM"},
        {"topic", "/topic [#ROOM [TEXT]]"},
        {"who", "/who [#ROOM]"},
        {"part", "/part [#ROOM] [REASON]"},
        {"unignore", "/unignore NAME"},
        {"rooms", "/rooms [#PREFIX]"},
    }};
    for (const auto& e : table) {
        if (e.command == command) {
            return e.usage;
        }
    }
    return "see /help";
}

namespace {

/// An id or a limit typed in a command: at most 19 digits, as the server has always read them
/// (a longer one is refused even when it would fit in 64 bits).
std::optional<std::uint64_t> parse_number(std::string_view word) {
    if (word.size() > 19) {
        return std::nullopt;
    }
    return parse_count(word);
}

}  // namespace

std::optional<history_query> parse_history_query(std::string_view args) {
    history_query q;
    auto [word, rest] = split_word(trim(args));
    if (word == "before" || word == "after") {
        q.direction = word == "before" ? history_direction::before : history_direction::after;
        const auto [id_word, after_id] = split_word(trim(rest));
        const auto id = parse_number(id_word);
        if (!id) {
            return std::nullopt;
        }
        q.id = *id;
        std::tie(word, rest) = split_word(trim(after_id));
    }
    if (!word.empty()) {
        const auto limit = parse_number(word);
        if (!limit || *limit == 0) {
            return std::nullopt;
        }
        q.limit = *limit;
    }
    if (!trim(rest).empty()) {
        return std::nullopt;
    }
    return q;
}

std::optional<resume_request> parse_resume(std::string_view line) {
    const auto [word, rest] = split_word(line);
    if (word != "/resume") {
        return std::nullopt;
    }
    const auto [name, after_name] = split_word(trim(rest));
    const auto [token, after_token] = split_word(trim(after_name));
    const auto [last, extra] = split_word(trim(after_token));
    const auto last_id = parse_number(last);
    if (name.empty() || token.empty() || !last_id || !trim(extra).empty()) {
        return std::nullopt;
    }
    return resume_request{name, token, *last_id};
}

command parse_command(std::string_view line) {
    if (trim(line).empty()) {
        return {command_kind::empty, {}, {}};
    }
    switch (line.front()) {
        case '/':
            if (line.size() > 1 && line[1] == '/') {
                return {command_kind::say, {}, line.substr(1)};
            }
            return parse_slash(line);
        case '@': {
            const auto [target, text] = split_word(line.substr(1));
            if (target.empty() || text.empty()) {
                return usage_error("@");
            }
            return {command_kind::private_message, target, text};
        }
        case '#': {
            const auto [room, text] = split_word(line);
            if (room.size() < 2 || text.empty()) {
                return usage_error("#");
            }
            return {command_kind::room_say, room, text};
        }
        default:
            return {command_kind::say, {}, line};
    }
}

}  // namespace chat
