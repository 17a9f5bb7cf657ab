#pragma once

#include <chrono>
#include <cstddef>
#include <ctime>
#include <string>
#include <string_view>

#include "client/replay_view.hpp"
#include "client/resume_state.hpp"
#include "common/server_line.hpp"

namespace chat {

/// How rendered text looks.
struct render_options {
    bool color = false;  ///< ANSI colours, bold and dim; off for pipes, NO_COLOR and --no-color
    bool utc = false;    ///< times in UTC rather than the local zone (for tests)
};

/// Turns protocol lines into lines for people: `[14:03] #lobby alice: hello`,
/// `[14:03] #lobby * alice waves`, private messages marked both ways and with no room, notices
/// dimmed, errors as a sentence in red, every name and every room in one colour of its own. Pure:
/// no I/O; its only state is who "you" are, so that your own name and renames read naturally.
/// Every result is one screen line without `\n`, with all text from the network made safe for a
/// terminal (see `sanitize`).
class renderer {
  public:
    using time_point = std::chrono::system_clock::time_point;

    explicit renderer(render_options options) : options_(options) {}

    /// Sets the name the server knows us by (after WELCOME or our own NICK).
    void set_self(std::string_view name) { self_ = std::string(name); }
    const std::string& self() const { return self_; }
    bool color() const { return options_.color; }

    /// The text for `line`, or an empty string for lines that are not for people on their own:
    /// PING, which the client answers by itself, and SENT, which the client shows as the message
    /// it confirms (`own_*`). `now` stamps lines that carry no time of their own.
    std::string render(const server_line& line, time_point now) const;

    /// What we sent, shown once the server has accepted it (its `SENT` gives `at`), because the
    /// server does not echo it back to us.
    std::string own_message(std::string_view room_name, std::string_view text, time_point at) const;
    std::string own_action(std::string_view room_name, std::string_view text, time_point at) const;
    std::string own_private(std::string_view to, std::string_view text, time_point at) const;
    /// The server refused our `line` with `err` (an `ERR` line): the error, then what was not sent.
    std::string refused(const server_line& err, std::string_view line) const;
    /// A `/join` of a room we are in already: it is current now.
    std::string switched(std::string_view room_name, time_point now) const;

    /// A replayed MSG or ME line (history): as `render` has it, but dimmed as a whole, without
    /// other colours, and dated when it is not from today (`[2026-11-20 09:15]`).
    std::string replayed(const server_line& line, time_point now) const;
    /// `line` as the replay view takes it: `live`, its text now, and for MSG and ME also how it
    /// looks as history (`replayed`), its room and its id.
    replay_view::item replay_item(const server_line& line, std::string live, time_point now) const;
    /// The line after a replay's lines: `#rust -- 12 earlier messages --`, with how to ask for
    /// more or that older history is no longer kept. Empty for a join into a room without
    /// history (`HISTORY #r complete 0`); an answer to `/history` always says something.
    std::string history_summary(const replay_view::summary& s) const;
    /// The notice after a resume: `reconnected, 3 missed messages`, or the gap.
    std::string resumed(const resume_state::outcome& o) const;
    /// The one line when the server refused to resume: we register afresh as `name`.
    std::string resume_refused(std::string_view reason, std::string_view name) const;

    /// The client's own notices (dimmed, `-- ` first) and errors (red, `!! ` first).
    std::string notice(std::string_view text) const;
    std::string error(std::string_view text) const;
    /// A line that is not protocol at all, shown dimmed so that nothing is hidden.
    std::string garbage(std::string_view raw) const;

    /// `name` in its colour (plain when colour is off).
    std::string name(std::string_view name) const;
    /// `room_name` in its colour, drawn like a name's from a hash of it (`name_color_index`).
    std::string room(std::string_view room_name) const;

    /// `text` made safe to print: tabs become spaces; other C0 and C1 controls, DEL, bytes that
    /// are not UTF-8, U+2028/U+2029 and the bidi embeddings and overrides U+202A..U+202E become
    /// U+FFFD, so no server can move the cursor, retitle the terminal or reorder the line. Bidi
    /// isolates (U+2066..U+2068) pass, and one U+2069 is appended per isolate left open, so
    /// their effect ends with this field.
    static std::string sanitize(std::string_view text);

  private:
    /// The calendar fields of `t` in the zone shown: local, or UTC (`render_options::utc`).
    std::tm local_parts(time_point t) const;
    std::string clock(std::string_view wire_time, time_point now) const;
    std::string clock(time_point t) const;
    /// `[14:03]` on the day of `now`, `[2026-11-20 14:03]` on any other.
    std::string dated_clock(time_point t, time_point now) const;
    std::string paint(std::string_view sgr, std::string_view text) const;
    std::string dim(std::string_view text) const;
    std::string render_leave(const server_line& line, time_point now) const;
    std::string render_error(const server_line& line) const;
    std::string render_users(const server_line& line) const;
    std::string render_rooms(const server_line& line) const;
    std::string render_joined(const server_line& line, time_point now) const;
    std::string render_topic(const server_line& line, time_point now) const;
    /// `[14:03] #room ` before a line about that room.
    std::string room_head(std::string_view room_name, time_point t) const;
    bool mentions_self(std::string_view text) const;

    render_options options_;
    std::string self_;
};

/// The palette slot of `name` (a user or a room): a hash of its lower-case form, so a name keeps
/// one colour in every run and on every client, whatever case it is written in.
std::size_t name_color_index(std::string_view name);

/// How many colours names are drawn from.
inline constexpr std::size_t name_palette_size = 8;

/// A human sentence for an `ERR` code, e.g. `That name is taken`.
std::string_view describe_error(std::string_view code);

}  // namespace chat
