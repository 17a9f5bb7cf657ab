#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/server_line.hpp"

namespace chat {

/// What the client needs to take its session back after a lost connection (`/resume`, chat/2.1):
/// the resume token of the last WELCOME and the largest message id seen since, and whether a
/// resume is under way on this connection. Pure: no I/O; the client feeds it the server's lines
/// and asks it what to send first on reconnecting.
///
/// A session is resumable while we hold a token the server gave it: from a WELCOME that carried
/// one (a chat/2.0 server sends none) until another connection takes it over (`BYE resumed
/// elsewhere`) or a `/resume` is refused. A session the server ended in order (shut down, idle)
/// stays resumable: its token is good for --resume-ttl after the end, and a resume then rejoins
/// the rooms and replays what was missed, where registering afresh would show only each room's
/// last lines.
///
/// last-id is the largest id of the MSG, ME and PRIV lines and our own SENT acks seen since the
/// session was registered, replayed lines included: the server sends each connection its lines in
/// id order and a replay holds only ids given out already, so every id below it has been seen.
/// It starts at 0 with every new registration, because ids before it may come from another server
/// process, whose ids a restarted one need not continue; too low costs a repeated line, too high
/// would lose messages.
class resume_state {
  public:
    /// What `RESUMED` means for the user.
    struct outcome {
        std::uint64_t missed = 0;      ///< messages replayed
        bool gap = false;              ///< some of what was missed is no longer kept
        std::uint64_t gap_before = 0;  ///< gap: the first id replayed, else last-id + 1
    };

    /// Learns from one server line: the token and the session from WELCOME, ids from MSG, ME,
    /// PRIV and SENT, the end of the session from BYE.
    void observe(const server_line& line);

    /// The first line to send on a new connection, instead of the name: `/resume NAME TOKEN
    /// LAST-ID` while the session is resumable and `name` is not empty, else nothing (send the
    /// name). When it returns a line, a resume is under way until `resumed`, `refused` or
    /// `connection_lost`.
    std::optional<std::string> resume_line(std::string_view name);

    /// `ERR resume-failed`: the token is no good any more; the client registers afresh.
    void refused();

    /// `RESUMED`: the resume is complete; what it brought. Nothing, and no change, for any other
    /// line, and for a `RESUMED` whose count or status this client cannot read.
    std::optional<outcome> resumed(const server_line& line);

    /// The connection is gone: a resume under way is over (its token may still be good).
    void connection_lost();

    bool resumable() const { return !token_.empty(); }
    bool resuming() const { return resuming_; }
    const std::string& token() const { return token_; }
    std::uint64_t last_id() const { return last_id_; }

  private:
    void saw_id(std::string_view id);

    std::string token_;
    std::uint64_t last_id_ = 0;
    bool resuming_ = false;
    std::uint64_t resumed_from_ = 0;               // the last-id the `/resume` carried
    std::optional<std::uint64_t> first_replayed_;  // the first id seen while resuming
};

}  // namespace chat
