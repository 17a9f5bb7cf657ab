#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>

#include "common/server_line.hpp"

namespace chat {

/// How rendered text looks.
struct render_options {
    bool color = false;  ///< ANSI colours, bold and dim; off for pipes, NO_COLOR and --no-color
    bool utc = false;    ///< times in UTC rather than the local zone (for tests)
};

/// Turns protocol lines into lines for people: `[14:03] alice: hello`, `[14:03] * alice waves`,
/// private messages marked both ways, notices dimmed, errors as a sentence in red, every name in
/// one colour of its own. Pure: no I/O; its only state is who "you" are, so that your own name
/// and renames read naturally. Every result is one screen line without `\n`, with all text from
/// the network made safe for a terminal (see `sanitize`).
class renderer {
  public:
    using time_point = std::chrono::system_clock::time_point;

    explicit renderer(render_options options) : options_(options) {}

    /// Sets the name the server knows us by (after WELCOME or our own NICK).
    void set_self(std::string_view name) { self_ = std::string(name); }
    const std::string& self() const { return self_; }
    bool color() const { return options_.color; }

    /// The text for `line`, or an empty string for lines that are not for people (PING, which the
    /// client answers by itself). `now` stamps lines that carry no time of their own.
    std::string render(const server_line& line, time_point now) const;

    /// What we just sent, shown at once because the server does not echo it back to us.
    std::string own_message(std::string_view text, time_point now) const;
    std::string own_action(std::string_view text, time_point now) const;
    std::string own_private(std::string_view to, std::string_view text, time_point now) const;

    /// The client's own notices (dimmed, `-- ` first) and errors (red, `!! ` first).
    std::string notice(std::string_view text) const;
    std::string error(std::string_view text) const;
    /// A line that is not protocol at all, shown dimmed so that nothing is hidden.
    std::string garbage(std::string_view raw) const;

    /// `name` in its colour (plain when colour is off).
    std::string name(std::string_view name) const;

    /// `text` made safe to print: tabs become spaces; other C0 and C1 controls, DEL, bytes that
    /// are not UTF-8, U+2028/U+2029 and the bidi embeddings and overrides U+202A..U+202E become
    /// U+FFFD, so no server can move the cursor, retitle the terminal or reorder the line. Bidi
    /// isolates (U+2066..U+2068) pass, and one U+2069 is appended per isolate left open, so
    /// their effect ends with this field.
    static std::string sanitize(std::string_view text);

  private:
    std::string clock(std::string_view wire_time, time_point now) const;
    std::string clock(time_point t) const;
    std::string paint(std::string_view sgr, std::string_view text) const;
    std::string render_leave(const server_line& line, time_point now) const;
    std::string render_error(const server_line& line) const;
    std::string render_users(const server_line& line) const;
    bool mentions_self(std::string_view text) const;

    render_options options_;
    std::string self_;
};

/// The palette slot of `name`: a hash of its lower-case form, so a name keeps one colour in every
/// run and on every client, whatever case it is written in.
std::size_t name_color_index(std::string_view name);

/// How many colours names are drawn from.
inline constexpr std::size_t name_palette_size = 8;

/// A human sentence for an `ERR` code, e.g. `That name is taken`.
std::string_view describe_error(std::string_view code);

}  // namespace chat
