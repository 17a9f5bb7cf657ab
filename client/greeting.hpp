#pragma once

#include <string>
#include <string_view>

namespace chat {

/// What the first line from a peer says about it.
enum class greeting_kind {
    chat,           ///< `HELLO chat/2 ...`: a server we can talk to
    refusal,        ///< `ERR <code> ...`: a chat server turning us away before its HELLO (full)
    other_version,  ///< `HELLO chat/N ...` for another N
    not_chat,       ///< anything else: an HTTP, SSH or mail server, or noise
};

/// The verdict on a peer's first line, and what to tell the user when it is not `chat` or
/// `refusal`.
struct greeting {
    greeting_kind kind = greeting_kind::not_chat;
    std::string problem;  ///< one sentence naming `peer`, e.g. "... does not speak the chat
                          ///< protocol (it said: HTTP/1.1 400 Bad Request)"; empty when fine
};

/// Judges the first line `line` (no `\n`) that `peer` (`host:port`) sent, before anything is sent
/// to it: a chat server greets at once, so whatever else comes first means the port is wrong.
/// Pure; what the peer said is quoted made safe for a terminal and cut to a readable length.
greeting judge_greeting(std::string_view peer, std::string_view line);

/// The sentence for a peer that closed the connection (`timed_out` false) or stayed silent for
/// `seconds` (`timed_out` true) before sending any line.
std::string no_greeting_problem(std::string_view peer, bool timed_out, long seconds);

}  // namespace chat
