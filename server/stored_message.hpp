#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/protocol.hpp"

namespace chat {

/// What kind of line a stored message was sent as.
enum class message_kind : std::uint8_t {
    msg = 0,   ///< `MSG` in a room
    me = 1,    ///< `ME` in a room
    priv = 2,  ///< `PRIV` to one user
};

/// One message as it was sent: what a replay needs to send the original line again. The time
/// is kept as milliseconds and formatted again on replay: the wire form (RFC 3339 UTC with
/// milliseconds) is a pure function of them, so the replayed line is the line that was shown.
struct stored_message {
    std::uint64_t id = 0;
    message_kind kind = message_kind::msg;
    std::int64_t at_ms = 0;  ///< sent at, milliseconds since the Unix epoch
    std::string room;        ///< as spelled when sent, `#` included; empty for a private message
    std::string sender;      ///< the sender's name as shown then
    std::string text;
};

/// A page of messages, oldest first.
struct history_page {
    std::vector<stored_message> messages;
    page_status status = page_status::complete;
};

/// A room's topic and who set it when.
struct room_topic {
    std::string text;
    std::string setter;
    std::string time;  ///< RFC 3339 UTC, as sent in `TOPIC`
};

/// A resume token's hash (BLAKE2b-256 of the token's bytes): only the hash is kept, in memory
/// and on disk, so that a copy of the database lets nobody take over a session.
using token_hash = std::array<std::byte, 32>;

/// What a resume token gives back: the name, and the rooms to be in again.
struct resume_record {
    token_hash hash{};
    std::string name;                ///< as shown
    std::vector<std::string> rooms;  ///< as spelled, in the order joined (the current one last)
    std::int64_t expires_ms = 0;     ///< good until then (milliseconds since the Unix epoch)
    /// The last message id handed out when the session began: nothing before it can have been
    /// missed, so a resume replays nothing older however low the last id it gives.
    std::uint64_t first_id = 0;
    /// The session's key (random, made at registration, kept through resumes and renames): what
    /// its private messages are kept by.
    std::string session;
};

}  // namespace chat
