#pragma once

#include <optional>
#include <string>

#include "client/completion.hpp"
#include "common/server_line.hpp"

namespace chat {

/// What the client knows about its session, learnt from the server's lines: whether our name was
/// accepted and what it is now, who else is here, whether the server said goodbye. Both the
/// interactive and the scripted client keep one. Pure: no I/O.
class chat_state {
  public:
    /// Updates from one server line. Returns a line to send back at once, if any: `/pong TOKEN`
    /// for a `PING`, which both modes answer without being asked.
    std::optional<std::string> observe(const server_line& line);

    /// Forgets the connection (it was lost): not registered, nobody known, no goodbye seen. The
    /// name is kept, to be asked for again.
    void reset();

    /// True between `WELCOME` and the end of the connection.
    bool registered() const { return registered_; }
    /// Our name as the server knows it (after `WELCOME` and our own `NICK`); empty before.
    const std::string& self() const { return self_; }
    /// Names in the room as far as we know; ours included.
    const name_roster& roster() const { return roster_; }
    /// True once `BYE` arrived on this connection.
    bool bye_seen() const { return bye_seen_; }

  private:
    bool registered_ = false;
    bool bye_seen_ = false;
    std::string self_;
    name_roster roster_;
};

}  // namespace chat
