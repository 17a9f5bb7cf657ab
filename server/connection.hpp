#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/frame_arena.hpp"
#include "common/protocol.hpp"
#include "common/server_line.hpp"
#include "common/token_bucket.hpp"
#include "server/close_reason.hpp"
#include "server/hub.hpp"
#include "server/stored_message.hpp"
#include "server/transport.hpp"

namespace chat {

class room;

/// The protocol side of one client connection, with no socket: registration, every command,
/// room membership, and the replies. A transport (the TCP session today, TLS or WebSocket later)
/// feeds it whole lines and carries what it queues; tests drive it with a fake transport and
/// explicit times.
///
///     handshake --valid free name--> registered --(transport closes: on_close)--> gone
///         |                                                                        ^
///         +--(transport closes: on_close)------------------------------------------+
///
///   handshake:  every line is a wanted name; a refused one gets ERR and the next is awaited.
///               On success: WELCOME, then the default room is joined (JOINED, TOPIC).
///   registered: lines are commands. A connection is in 0 to max-rooms rooms; its current room
///               (the one a plain line goes to) is the one last joined, or last made current
///               by /join of a room it is already in.
///   detached:   (not a state of this object: a copy of it, see `detach`) the connection was
///               lost, not left; a core over no transport keeps the name and the rooms, which
///               see nothing, until `/resume` adopts it or --resume-grace ends it (LEAVE
///               timeout).
///   gone:       the name is free, each room it was in has seen one LEAVE (none at shutdown).
///               Nothing is queued any more. `on_close` is idempotent and the destructor runs it
///               silently, so no room can keep a pointer to a connection that is gone.
///
/// Everything here runs on the server's one thread; replies to one connection's lines are queued
/// in the order of its lines, and each message line (MSG, ME, PRIV) gets one SENT or one ERR.
class connection {
  public:
    using clock = std::chrono::steady_clock;

    /// `t` and `h` outlive the connection. `now` starts the handshake deadline.
    connection(transport& t, hub& h, clock::time_point now);
    ~connection();
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    /// Queues `HELLO`.
    void start();

    /// Handles one complete line from the peer (no `\n`) received at `now`.
    void on_line(std::string_view line, clock::time_point now);

    /// The peer sent a line longer than `max-line`; it was dropped.
    void on_line_too_long();

    /// The transport is closing for `reason` (`text`: the user's words after /quit): leaves every
    /// room, telling each one's members unless the whole server is stopping, and frees the name.
    /// Idempotent.
    void on_close(close_reason reason, std::string_view text);

    /// The handshake or idle deadline that has passed at `now`, if any. Queues `PING` once the
    /// peer has been quiet for half the idle timeout.
    std::optional<close_reason> check_deadlines(clock::time_point now);

    /// Queues `f` for the peer. Called by rooms, once per delivery. While a resume replays what
    /// was missed, live lines wait (see `continue_replay`).
    void deliver(const frame& f, urgency when) {
        if (replay_ != nullptr) [[unlikely]] {
            hold(f);
            return;
        }
        transport_.deliver(f, when);
    }

    /// Replays the next part of what a resume missed; true when more remains, and the transport
    /// is asked (`continue_later`) to call again once its queue has room. Parts are small so
    /// that a resume of many messages never holds the event loop for long.
    bool continue_replay();

    /// Ends the sessions of lost connections whose grace has passed at `now` (their rooms see
    /// `LEAVE ... timeout`). Returns how many ended.
    /// Ends at most `at_most` of them.
    static std::size_t expire_detached(hub& h, clock::time_point now,
                                       std::size_t at_most = SIZE_MAX);

    bool registered() const { return state_ == state::registered; }
    /// Replies bytes beyond the ordinary that the last line cost (a long `USERS` or `ROOMS`),
    /// as lines of flood budget: a big answer costs its asker more, as IRC servers' fake lag does.
    /// Resets the count.
    double take_extra_cost() {
        const double lines = static_cast<double>(extra_cost_bytes_) / bytes_per_line_of_cost;
        extra_cost_bytes_ = 0;
        return lines;
    }

    /// Empty before registration.
    const std::string& name() const { return name_; }
    /// How many rooms this connection is in.
    std::size_t room_count() const { return rooms_.size(); }
    /// The room a plain line goes to, or null.
    const room* current_room() const { return current_; }
    /// Whether a resume is still replaying what this connection missed.
    bool replaying() const { return replay_ != nullptr; }

  private:
    friend class room;
    enum class state : std::uint8_t { handshake, registered, gone };
    struct membership {
        room* where;
        std::uint32_t slot;  // where this connection is in where->members_
    };

    /// Lines a resume replay held back from the rooms; keys of the rooms being replayed.
    struct replay_state {
        std::uint64_t after_id = 0;
        std::size_t count = 0;
        bool gap = false;
        std::string self_key;  // the name at the resume: own lines under it are not replayed
        std::vector<std::string> room_keys;
        std::vector<frame> held;
        /// Lines the user sent meanwhile, handled after RESUMED: a /join or /history in the
        /// middle of the replay would interleave with it and repeat what it sends.
        std::vector<std::string> waiting_lines;
        std::size_t waiting_bytes = 0;
    };

    void handle_name(std::string_view line);
    /// `/resume` as the first line: takes over the session `req` names, or answers
    /// `resume-failed` and stays in the handshake.
    void resume(const resume_request& req);
    /// Takes `from`'s name, rooms and settings as its own; `from` is gone after, and no room
    /// notices anything.
    void adopt(connection& from);
    /// Keeps this session alive without a transport for --resume-grace: moves it into a
    /// detached core owned by the hub.
    void detach();
    /// Issues a fresh resume token and sends `WELCOME`.
    void welcome();
    /// Records, with the token, what a later resume gives back: the name and the rooms.
    void save_resume_record(std::int64_t expires_ms);
    void hold(const frame& f);
    void finish_replay();
    /// Queues the original line of `m`.
    void replay_line(const stored_message& m);
    /// Queues `page`'s lines and `HISTORY <room> <status> <count>`.
    /// Queues `page`'s lines and `HISTORY <room> <status> <count>`, at most a bounded number of
    /// bytes of them: the newest when `keep_newest` (a page going back), else the oldest.
    void replay_page(const room& r, history_page page, bool keep_newest = true);
    void show_history(std::string_view room_name, std::string_view args);
    void handle_command(std::string_view line);
    void reply(const frame& f) { transport_.deliver(f, urgency::now); }
    void send_error(protocol_error code, std::string_view text);
    /// The name of whoever holds `name` or a look-alike of it; empty when nobody does.
    std::string_view holder_of(std::string_view name) const;

    /// The room a command names (`name`), or the current one when `name` is empty; answers ERR
    /// and returns null when it is not a valid room this connection is in.
    room* member_room(std::string_view name);
    /// Where `r` is in rooms_, or rooms_.size().
    std::size_t membership_of(const room& r) const;
    /// `replay`: whether the room's latest messages are replayed after `JOINED`.
    void join(std::string_view room_name, bool replay = true);
    /// `JOINED`, and `TOPIC` when the room has one.
    void confirm_join(const room& r);
    void part(std::string_view room_name, std::string_view reason);
    void leave_room(std::size_t membership_index, leave_reason reason, std::string_view text,
                    bool notify);
    void send_to_room(room& r, server_tag tag, std::string_view text);
    void send_private(std::string_view to, std::string_view text);
    void rename(std::string_view new_name);
    void who(std::string_view room_name);
    void list_rooms(std::string_view prefix);
    /// Queues the lines of a list answer and counts their cost.
    void reply_list(const std::vector<frame>& frames);
    void topic(std::string_view room_name, std::string_view text);
    void stats();
    void ignore(std::string_view name);
    void unignore(std::string_view name);
    /// Whether `from`'s private messages are hidden from this connection.
    bool ignores(const connection& from);
    /// Takes `bytes` from this recipient's private-message budget; false when it is spent or the
    /// peer is far behind reading, and the sender must be told `target-busy`.
    bool accept_private(std::size_t bytes, clock::time_point now);

    /// Bytes of list replies that cost one line of flood budget.
    static constexpr double bytes_per_line_of_cost = 2048;

    transport& transport_;
    hub& hub_;
    std::string name_;
    std::pmr::vector<membership> rooms_;  // in the order joined
    room* current_ = nullptr;
    // When the handshake began; for a detached core, when its grace ends (a handshake it never
    // has: one field for both keeps every idle connection 8 bytes smaller).
    clock::time_point phase_started_;
    clock::time_point last_heard_;
    std::uint64_t ping_sent_ = 0;  // token of the unanswered PING, 0 when none
    std::uint64_t visit_mark_ = 0;
    std::size_t extra_cost_bytes_ = 0;
    std::uint64_t serial_;
    token_bucket private_budget_;
    struct ignored {
        std::uint64_t serial;  // follows the user through renames
        std::string key;       // and catches the name when it comes back on a new connection
        std::string shown;     // as the user typed it, for the list
    };
    std::vector<ignored> ignores_;
    token_hash token_{};  // of this session's resume token; zero before registration
    // This session's key (random, see session_text): its private messages are kept by it.
    // A number, not its text: every idle connection carries it.
    std::uint64_t session_ = 0;
    std::uint64_t first_id_ = 0;  // the last id handed out when this session registered
    std::unique_ptr<replay_state> replay_;
    state state_ = state::handshake;
};

}  // namespace chat
