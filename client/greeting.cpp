#include "client/greeting.hpp"

#include <fmt/format.h>

#include "client/renderer.hpp"
#include "common/protocol.hpp"
#include "common/server_line.hpp"

namespace chat {

namespace {

// Enough of a foreign greeting to recognise it ("HTTP/1.1 400 Bad Request", "SSH-2.0-OpenSSH_9.6")
// without pasting a web page into the terminal.
constexpr std::size_t max_quoted = 60;

constexpr std::string_view protocol_family = "chat/";

std::string quoted(std::string_view line) {
    std::string safe = renderer::sanitize(line);
    if (safe.size() <= max_quoted) {
        return safe;
    }
    std::size_t cut = max_quoted;
    while (cut > 0 && (static_cast<unsigned char>(safe[cut]) & 0xC0U) == 0x80U) {
        --cut;  // not inside a UTF-8 sequence
    }
    safe.resize(cut);
    return safe + "...";
}

}  // namespace

greeting judge_greeting(std::string_view peer, std::string_view line) {
    const auto parsed = parse_server_line(line);
    if (parsed && parsed->tag == server_tag::hello && parsed->code.starts_with(protocol_family)) {
        if (parsed->code == protocol_version) {
            return {greeting_kind::chat, {}};
        }
        return {greeting_kind::other_version,
                fmt::format("{} speaks {}, but this client speaks {}", peer, quoted(parsed->code),
                            protocol_version)};
    }
    // A full server says ERR and BYE instead of HELLO; a known code shows it is one of ours.
    if (parsed && parsed->tag == server_tag::err && parse_protocol_error(parsed->code)) {
        return {greeting_kind::refusal, {}};
    }
    return {greeting_kind::not_chat,
            fmt::format("{} does not speak the chat protocol (it said: {})", peer, quoted(line))};
}

std::string no_greeting_problem(std::string_view peer, bool timed_out, long seconds) {
    if (timed_out) {
        return fmt::format(
            "{} accepted the connection but said nothing for {} s; is it a chat "
            "server?",
            peer, seconds);
    }
    return fmt::format("{} closed the connection without a greeting; is it a chat server?", peer);
}

}  // namespace chat
