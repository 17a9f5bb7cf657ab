#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat {

/// One message line of ours: what to show once the server has taken it.
struct own_message {
    enum class kind {
        say,       ///< a plain line, to whatever room is current when the server takes it
        me,        ///< `/me`, the same
        room_say,  ///< `#room text` (`target`: the room)
        priv,      ///< `@name text` or `/msg name text` (`target`: the name)
    };
    kind what = kind::say;
    std::string target;
    std::string text;
    std::string line;  ///< the line as typed, to show when it is refused
};

/// Our own message lines that the server has not answered yet, oldest first, so that each is
/// shown once it was accepted (`SENT`) or refused (`ERR`), never before. Pure.
///
/// The server answers our lines in their order, and every message line with exactly one `SENT`
/// or one `ERR`. Commands are not in the queue, but they may be answered with an `ERR` too, and
/// an `ERR` does not say which line it answers: after `/part #x` and `hi`, the `ERR not-in-room`
/// could be either's. So when a message follows a command that may still be unanswered, a
/// `/ping <token>` goes out between them (`message_sent` returns it): an `ERR` before its `PONG`
/// is the command's, one after it is the message's. No extra line goes out while only messages
/// are sent, or when nothing is pending.
class outbox {
  public:
    /// A line that is not a message went out (a command): it may draw an `ERR` of its own.
    void command_sent() { unsynced_ = true; }

    /// `m` is about to go out. Returns a line to send just before it (a `/ping` marker), if one
    /// is needed to tell a command's `ERR` from this message's.
    std::optional<std::string> message_sent(own_message m);

    /// A `SENT` arrived: the oldest pending message, now accepted. Nothing when none is pending
    /// (a confused server), which the caller shows as it comes.
    std::optional<own_message> accepted();

    /// An `ERR` arrived: the message it refuses, or nothing when it answers a command.
    std::optional<own_message> refused();

    /// A `PONG <token>` arrived: true when it is one of our markers, which is then not shown.
    bool marker_answered(std::string_view token);

    /// The connection is gone: returns the messages never answered, and forgets everything.
    std::vector<own_message> drop_all();

    /// How many messages are waiting for their answer.
    std::size_t pending() const;

  private:
    struct entry {
        std::optional<own_message> message;  // empty: a marker
        std::string token;                   // a marker's
    };
    void pop_markers();

    std::deque<entry> queue_;
    bool unsynced_ = false;  // a command went out since the last marker
    std::uint64_t next_token_ = 1;
};

/// The token prefix of the client's own `/ping` markers, unlikely to be typed by hand.
inline constexpr std::string_view outbox_marker_prefix = "chat-client-sync-";

}  // namespace chat
