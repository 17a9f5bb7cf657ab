#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/server_line.hpp"

namespace chat {

/// Tells the history a chat/2.1 server replays from live traffic, so that the client can show
/// history apart (dimmed, closed by a line saying how much it was). Pure: it holds and orders
/// text, it renders nothing and sends nothing; the client asks it for markers and prints what
/// it lets out.
///
/// The server marks only the end of a replay: `HISTORY <room> <status> <count>` comes right after
/// the `count` MSG/ME lines it replayed. Its start is implied: the replay follows `JOINED` (on
/// registering, for the default room, and on every `/join`), answers `/history`, and follows a
/// resume's `JOINED` lines. So while an answer that may hold a replay is on its way (a *window*
/// is open), the lines to show are held back; a `HISTORY` marks the last `count` held MSG/ME
/// lines of its room as history, and everything held so far is let out in order, since a later
/// replay can only follow it. A window opens when the client sends such a line and closes when
/// the `/ping` marker the client sends right after it is answered (the server answers in order,
/// so its PONG comes after the whole answer, replay or refusal); registering opens one at WELCOME
/// (the marker goes out then, behind the default room's replay), and a resume's closes at
/// `RESUMED`. A window that closes lets out what is held. So a line waits at most about one
/// round trip, and the right lines are marked whether or not the server replays for a given
/// `JOINED`. While disabled (the server sent no resume token: chat/2.0, which never replays)
/// nothing is held and no marker is asked for.
class replay_view {
  public:
    /// What the client sent that may be answered with a replay.
    enum class request {
        welcome,        ///< registered: the default room's replay may follow
        join,           ///< `/join #room`
        history,        ///< `/history` of the latest messages or `before` an id
        history_after,  ///< `/history ... after ID`: the page goes forward
        resume,         ///< a resume: closed by `RESUMED`, no marker
    };

    /// One line to show, as it looks live and, for MSG and ME, as history.
    struct item {
        std::string text;        ///< as shown live; an empty one shows nothing
        std::string as_history;  ///< MSG/ME: as shown when replayed; empty for other lines
        std::string room;        ///< MSG/ME: its room
        std::uint64_t id = 0;    ///< MSG/ME: its message id
    };

    /// A replay's end, to show after its lines.
    struct summary {
        std::string room;
        page_status status = page_status::complete;
        std::uint64_t count = 0;     ///< as the server counted
        bool asked = false;          ///< the answer to a /history (else a join's replay)
        bool forward = false;        ///< `/history ... after`: the page goes forward in time
        std::uint64_t first_id = 0;  ///< of the replayed lines held, 0 when none were
        std::uint64_t last_id = 0;
    };

    /// What to print now, in order: `lines`, then `end` if any.
    struct release {
        std::vector<std::string> lines;
        std::optional<summary> end;
    };

    /// Whether the server replays history; set at every WELCOME (from its token).
    void set_enabled(bool on) { enabled_ = on; }
    bool enabled() const { return enabled_; }

    /// The client sent (or, for `welcome` and `resume`, received) what `r` says. Returns the
    /// marker line to send right after it (`/ping TOKEN`): none when disabled or for `resume`.
    std::optional<std::string> expect(request r);

    /// A line to show: returned at once when no window is open, else held back.
    std::vector<std::string> show(item line);

    /// A HISTORY line: marks what it replayed and lets out everything held. Nothing, and no
    /// change, for any other line, and for a HISTORY whose status or count this client cannot
    /// read.
    std::optional<release> history(const server_line& line);

    /// A `PONG TOKEN`: nothing when it is not one of our markers; else the lines it lets out
    /// (and the PONG itself is not shown).
    std::optional<std::vector<std::string>> marker_answered(std::string_view token);

    /// `RESUMED`: closes the resume's window.
    std::vector<std::string> resumed();

    /// The connection is gone: lets out everything held, as live, and closes every window.
    std::vector<std::string> reset();

    /// How many lines are held back now.
    std::size_t held() const { return held_.size(); }

    /// Held lines past which the view stops waiting and lets them out: a server that never
    /// answers a marker cannot make it hold lines without end.
    static constexpr std::size_t max_held = 10'000;

  private:
    struct window {
        request what = request::join;
        std::string token;   // its marker's; empty for a resume
        bool ended = false;  // its HISTORY came
    };
    struct held_line {
        item line;
        bool history = false;
    };

    std::vector<std::string> let_out();

    bool enabled_ = false;
    std::deque<window> windows_;  // open ones, oldest first
    std::vector<held_line> held_;
    std::uint64_t next_token_ = 1;
};

/// What a line the client sends may draw as a replay: `/join` and `/history` lines (the
/// direction from `after` among `/history`'s words), nothing for any other line.
std::optional<replay_view::request> replay_request(std::string_view line);

/// The token prefix of the markers that close replay windows.
inline constexpr std::string_view replay_marker_prefix = "chat-client-replay-";

}  // namespace chat
