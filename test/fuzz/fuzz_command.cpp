// libFuzzer target: the command parser, the name and room-name rules, and the server-line
// encoders with the parser that reads them back, on any bytes. The parser must map every line to a
// kind whose fields are views into that line and fit the kind; the name rules must agree with their
// documented set and ignore case; an encoded line must be exactly its fields joined by spaces and
// one `\n`; `/history` and `/resume` arguments read back to the numbers in them.
//
// Input: the whole input is parsed as a command line and checked as a name; its first bytes
// also seed the name generator.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "common/encode.hpp"
#include "common/frame_arena.hpp"
#include "common/names.hpp"
#include "common/protocol.hpp"
#include "common/room_names.hpp"
#include "common/server_line.hpp"
#include "test/fuzz/fuzz_check.hpp"

namespace {

bool inside(std::string_view part, std::string_view whole) {
    if (part.empty()) {
        return true;  // an empty view may point anywhere
    }
    const auto* begin = whole.data();
    const auto* end = whole.data() + whole.size();
    return part.data() >= begin && part.data() + part.size() <= end;
}

bool only_spaces(std::string_view s) {
    return s.find_first_not_of(' ') == std::string_view::npos;
}

void check_command(std::string_view line) {
    const chat::command cmd = chat::parse_command(line);
    // A `usage` target names the command from a static table; every other view is into `line`.
    FUZZ_CHECK(cmd.kind == chat::command_kind::usage || inside(cmd.target, line));
    FUZZ_CHECK(inside(cmd.text, line));
    FUZZ_CHECK((cmd.kind == chat::command_kind::empty) == only_spaces(line));
    switch (cmd.kind) {
        case chat::command_kind::empty:
            break;
        case chat::command_kind::say:
            FUZZ_CHECK(!cmd.text.empty());
            if (line.starts_with("//")) {
                FUZZ_CHECK(cmd.text == line.substr(1));  // the escape drops one slash only
            } else {
                FUZZ_CHECK(cmd.text == line);  // a message goes out exactly as typed
                FUZZ_CHECK(!line.starts_with('/') && !line.starts_with('@') &&
                           !line.starts_with('#'));
            }
            break;
        case chat::command_kind::private_message:
            FUZZ_CHECK(line.starts_with('@') || line.starts_with("/msg "));
            FUZZ_CHECK(!cmd.target.empty());
            FUZZ_CHECK(cmd.target.find(' ') == std::string_view::npos);
            FUZZ_CHECK(!cmd.text.empty() && cmd.text.front() != ' ');
            break;
        case chat::command_kind::room_say:
            FUZZ_CHECK(line.starts_with('#') && cmd.target.starts_with('#'));
            FUZZ_CHECK(cmd.target.size() >= 2 && cmd.target.find(' ') == std::string_view::npos);
            FUZZ_CHECK(!cmd.text.empty() && cmd.text.front() != ' ');
            FUZZ_CHECK(cmd.target.data() == line.data());  // the room is the line's first word
            break;
        case chat::command_kind::who:
        case chat::command_kind::part:
        case chat::command_kind::topic:
            FUZZ_CHECK(line.starts_with('/'));
            // The room is optional; when given it is one word that starts with '#'.
            FUZZ_CHECK(cmd.target.empty() || (cmd.target.starts_with('#') &&
                                              cmd.target.find(' ') == std::string_view::npos));
            break;
        case chat::command_kind::join:
        case chat::command_kind::nick:
            FUZZ_CHECK(!cmd.target.empty());
            FUZZ_CHECK(cmd.target.front() != ' ' && cmd.target.back() != ' ');
            break;
        case chat::command_kind::me:
        case chat::command_kind::pong:
            FUZZ_CHECK(!cmd.text.empty());
            break;
        case chat::command_kind::unknown:
            FUZZ_CHECK(line.starts_with('/') && !line.starts_with("//"));
            FUZZ_CHECK(cmd.target.find(' ') == std::string_view::npos);
            break;
        case chat::command_kind::usage:
            // Every command that can be misused has a usage line of its own.
            FUZZ_CHECK(chat::usage_of(cmd.target) != "see /help");
            break;
        default:  // rooms, ping, help, quit, stats
            FUZZ_CHECK(line.starts_with('/'));
            FUZZ_CHECK(cmd.text.empty() || (cmd.text.front() != ' ' && cmd.text.back() != ' '));
            break;
    }
}

/// `/history`'s arguments and `/resume`: what they accept reads back to the same numbers, and a
/// resume's fields are words of the line.
void check_history_and_resume(std::string_view line) {
    if (const auto q = chat::parse_history_query(line)) {
        if (q->direction != chat::history_direction::latest) {
            const std::string id = std::to_string(q->id);
            FUZZ_CHECK(line.find(id) != std::string_view::npos);
        }
        if (q->limit != 0) {
            FUZZ_CHECK(line.find(std::to_string(q->limit)) != std::string_view::npos);
        }
    }
    if (const auto r = chat::parse_resume(line)) {
        FUZZ_CHECK(line.starts_with("/resume"));
        FUZZ_CHECK(inside(r->name, line) && inside(r->token, line));
        FUZZ_CHECK(!r->name.empty() && r->name.find(' ') == std::string_view::npos);
        FUZZ_CHECK(!r->token.empty() && r->token.find(' ') == std::string_view::npos);
        FUZZ_CHECK(line.find(std::to_string(r->last_id)) != std::string_view::npos);
    }
}

bool name_char(char c) {
    return std::strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-.", c) !=
               nullptr &&
           c != '\0';
}

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
    }
    return out;
}

void check_name(std::string_view name) {
    const chat::name_fault fault = chat::check_name(name);
    bool all_name_chars = true;
    for (const char c : name) {
        all_name_chars = all_name_chars && name_char(c);
    }
    const std::string key = chat::name_key(name);
    // Names that read as an option (`-rf`) or a directory (`..`) are refused too.
    const bool option_like = !name.empty() && name.front() == '-';
    const bool only_dots = !name.empty() && name.find_first_not_of('.') == std::string_view::npos;
    const bool expected_ok = !name.empty() && name.size() <= chat::max_name_length &&
                             all_name_chars && key != "server" && !option_like && !only_dots;
    FUZZ_CHECK((fault == chat::name_fault::ok) == expected_ok);
    // A name's look-alike skeleton ignores case, like its key.
    FUZZ_CHECK(chat::name_skeleton(upper(name)) == chat::name_skeleton(name));
    // The key folds ASCII case and nothing else.
    FUZZ_CHECK(key.size() == name.size());
    FUZZ_CHECK(chat::name_key(upper(name)) == key);
    FUZZ_CHECK(chat::check_name(upper(name)) == fault);
    FUZZ_CHECK(chat::check_name(key) == fault);
}

void check_room_name(std::string_view name) {
    const chat::room_name_fault fault = chat::check_room_name(name);
    bool all_name_chars = name.size() > 1;
    for (const char c : name.substr(name.empty() ? 0 : 1)) {
        all_name_chars = all_name_chars && name_char(c);
    }
    const bool expected_ok =
        name.starts_with('#') && name.size() <= chat::max_room_name_length && all_name_chars;
    FUZZ_CHECK((fault == chat::room_name_fault::ok) == expected_ok);
    FUZZ_CHECK(chat::room_key(upper(name)) == chat::room_key(name));
}

/// One word of `s` with no spaces or newlines, never empty: a field the server would send.
std::string as_field(std::string_view s) {
    std::string out;
    for (const char c : s) {
        out.push_back(c == ' ' || c == '\n' ? '_' : c);
    }
    return out.empty() ? std::string("x") : out;
}

/// The typed encoders and the parser agree: whatever goes into a line comes back out.
void check_round_trip(std::string_view input) {
    const std::size_t cut = input.size() / 3;
    const std::string room = as_field(input.substr(0, cut));
    const std::string name = as_field(input.substr(cut, cut));
    std::string text(input.substr(2 * cut));
    for (char& c : text) {
        c = c == '\n' ? ' ' : c;
    }
    chat::frame_arena arena(256, 2);
    const auto parse = [](const chat::frame& f) {
        auto bytes = f.bytes();
        FUZZ_CHECK(bytes.ends_with('\n'));
        bytes.remove_suffix(1);
        const auto line = chat::parse_server_line(bytes);
        FUZZ_CHECK(line.has_value());
        return *line;
    };
    const chat::frame msg = chat::encode_room_message(arena, chat::server_tag::msg, room, "42",
                                                      "2026-11-21T14:03:12.345Z", name, text);
    const auto m = parse(msg);
    FUZZ_CHECK(m.tag == chat::server_tag::msg && m.room == room && m.id == "42" && m.name == name &&
               m.text == text);
    const chat::frame leave = chat::encode_leave(arena, room, name, chat::leave_reason::part, text);
    const auto l = parse(leave);
    FUZZ_CHECK(l.tag == chat::server_tag::leave && l.room == room && l.name == name &&
               l.code == "part" && l.text == text);
    const chat::frame topic = chat::encode_topic(arena, room, name, "t", text);
    const auto t = parse(topic);
    FUZZ_CHECK(t.tag == chat::server_tag::topic && t.room == room && t.name == name &&
               t.text == text);
}

void check_encode(std::string_view input) {
    // Fields as the server builds them: no newline in any field (the text check has seen to it).
    const std::size_t cut = input.size() / 2;
    std::string a(input.substr(0, cut));
    std::string b(input.substr(cut));
    for (std::string* s : {&a, &b}) {
        for (char& c : *s) {
            if (c == '\n') {
                c = ' ';
            }
        }
    }
    // Small chunks, so that long inputs need a chunk of their own and short ones share; every
    // frame must still read back intact after the others were encoded beside it.
    chat::frame_arena arena(256, 2);
    const chat::frame first = chat::encode_line(arena, {"INFO", a, b});
    const chat::frame second = chat::encode_line(arena, {"MSG", "1", "t", a});
    const chat::frame third = chat::encode_line(arena, {b});
    FUZZ_CHECK(first.bytes() == "INFO " + a + " " + b + "\n");
    FUZZ_CHECK(second.bytes() == "MSG 1 t " + a + "\n");
    FUZZ_CHECK(third.bytes() == b + "\n");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    check_command(input);
    check_name(input);
    check_encode(input);
    check_room_name(input);
    check_round_trip(input);
    check_history_and_resume(input);

    std::uint64_t seed = 0;
    std::memcpy(&seed, data, size < sizeof seed ? size : sizeof seed);
    chat::name_generator names(seed);
    for (int i = 0; i < 4; ++i) {
        FUZZ_CHECK(chat::check_name(names.next()) == chat::name_fault::ok);
    }
    return 0;
}
