#include "common/protocol.hpp"

#include <array>
#include <utility>

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
        case protocol_error::not_registered:
            return "not-registered";
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
    }
    return "error";
}

namespace {

/// Splits off the first space-separated word; the rest has its leading spaces removed.
std::pair<std::string_view, std::string_view> split_word(std::string_view s) {
    const auto space = s.find(' ');
    if (space == std::string_view::npos) {
        return {s, {}};
    }
    std::string_view rest = s.substr(space + 1);
    const auto start = rest.find_first_not_of(' ');
    rest = start == std::string_view::npos ? std::string_view{} : rest.substr(start);
    return {s.substr(0, space), rest};
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(' ');
    if (first == std::string_view::npos) {
        return {};
    }
    const auto last = s.find_last_not_of(' ');
    return s.substr(first, last - first + 1);
}

command usage_error(std::string_view name) {
    return {command_kind::usage, name, {}};
}

command parse_slash(std::string_view line) {
    const auto [word, rest] = split_word(line.substr(1));
    struct entry {
        std::string_view name;
        command_kind kind;
    };
    static constexpr std::array<entry, 9> table = {{
        {"msg", command_kind::private_message},
        {"me", command_kind::me},
        {"nick", command_kind::nick},
        {"who", command_kind::who},
        {"ping", command_kind::ping},
        {"pong", command_kind::pong},
        {"help", command_kind::help},
        {"quit", command_kind::quit},
        {"stats", command_kind::stats},
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
            case command_kind::nick: {
                const auto name = trim(rest);
                if (name.empty()) {
                    return usage_error(e.name);
                }
                // A name has no spaces; "/nick a b" is a name the rules will refuse, not "a".
                return {e.kind, name, {}};
            }
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
    if (command == "msg") {
        return "/msg NAME TEXT";
    }
    if (command == "@") {
        return "@NAME TEXT";
    }
    if (command == "nick") {
        return "/nick NAME";
    }
    if (command == "me") {
        return "/me ACTION";
    }
    if (command == "pong") {
        return "/pong TOKEN";
    }
    return "see /help";
}

command parse_command(std::string_view line) {
    if (trim(line).empty()) {
        return {command_kind::empty, {}, {}};
    }
    if (line.front() == '/') {
        if (line.size() > 1 && line[1] == '/') {
            return {command_kind::say, {}, line.substr(1)};
        }
        return parse_slash(line);
    }
    if (line.front() == '@') {
        const auto [target, text] = split_word(line.substr(1));
        if (target.empty() || text.empty()) {
            return usage_error("@");
        }
        return {command_kind::private_message, target, text};
    }
    return {command_kind::say, {}, line};
}

}  // namespace chat
