#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "test/support/line_client.hpp"

namespace chat::test {

/// `prefix` followed by `n` in decimal: `numbered("c", 7)` is "c7". (Also sidesteps GCC 12's
/// false -Wrestrict on `"literal" + std::to_string(n)` in optimised builds.)
template <class Integer>
std::string numbered(std::string_view prefix, Integer n) {
    std::string s(prefix);
    s += std::to_string(n);
    return s;
}

/// Sets an environment variable for the life of the scope (children inherit it).
class scoped_env {
  public:
    scoped_env(const char* name, const std::string& value);
    ~scoped_env();
    scoped_env(const scoped_env&) = delete;
    scoped_env& operator=(const scoped_env&) = delete;

  private:
    const char* name_;
    std::optional<std::string> old_;
};

#if defined(__SANITIZE_ADDRESS__)
/// Under AddressSanitizer freed memory waits in the (small, see below) quarantine and every
/// block has red zones: RSS checks allow that much more. The tests are built like the server.
inline constexpr std::size_t sanitizer_slack_kib = 6 * 1024;
#else
inline constexpr std::size_t sanitizer_slack_kib = 0;
#endif

/// ASAN_OPTIONS with a small quarantine: under AddressSanitizer freed memory sits in a
/// quarantine of up to 256 MB before reuse, which would look like growth in an RSS check.
std::string with_small_quarantine();

/// Resident memory of process `pid` in KiB (`VmRSS` in /proc/<pid>/status); 0 if unreadable.
std::size_t rss_kib(pid_t pid);

/// A line relayed from a member: `MSG|ME <room> <id> <time> <from> <text>` or
/// `PRIV <id> <time> <from> <text>` (whose `room` is empty).
struct relayed {
    std::string tag;
    std::string room;
    std::string id;
    std::string time;
    std::string from;
    std::string text;
};

/// Splits a relayed line into its fields; nothing for any other line.
std::optional<relayed> parse_relayed(std::string_view line);

/// True if `text` is well-formed UTF-8 with no C0 control but TAB, no DEL, no C1 control, no
/// U+2028/U+2029 and no bidi embedding or override: what may safely reach another user's terminal.
/// Written apart from common/text_check on purpose, so the tests do not trust the code they check.
bool terminal_safe(std::string_view text);

/// Everything one client receives, sorted as it arrives: messages in `room` into one queue per
/// sender, everything else (messages in other rooms and the sender's own `SENT` lines included)
/// into `notices`. A test can then check that each sender's messages came complete and in order
/// while several clients talk at once. Optionally answers the server's `PING <token>` with
/// `/pong <token>`, as a live client would.
class inbox {
  public:
    explicit inbox(line_client& client, bool answer_pings = true,
                   std::string room = std::string(lobby))
        : client_(client), answer_pings_(answer_pings), room_(std::move(room)) {}

    /// Text of the next MSG in the room from `from`, waiting up to `limit`; others' lines are
    /// kept.
    std::optional<std::string> next_msg(std::string_view from, std::chrono::milliseconds limit);
    /// The next non-MSG line starting with `prefix`, waiting up to `limit`; the notices before
    /// it are dropped (they stay in `all()`).
    std::optional<std::string> next_notice(std::string_view prefix,
                                           std::chrono::milliseconds limit);

    /// Files every line already buffered; then, if `wait` > 0, waits up to `wait` for one more
    /// read. Returns how many lines were filed.
    std::size_t pump(std::chrono::milliseconds wait);
    /// Files lines until none arrives for `quiet`, or `limit` passes.
    void drain(std::chrono::milliseconds quiet, std::chrono::milliseconds limit = 5s);

    /// MSG texts in the room from `from` received and not yet taken by `next_msg`; the caller
    /// may take them.
    std::deque<std::string>& pending(const std::string& from) { return msgs_[from]; }
    /// Senders with MSG lines not yet taken.
    std::vector<std::string> senders_pending() const;
    /// Every line received, in order, PINGs included.
    const std::vector<std::string>& all() const { return all_; }
    /// PINGs seen so far.
    std::size_t pings() const { return pings_; }
    /// True once the server has closed the connection.
    bool closed() { return client_.closed_within(0ms); }
    line_client& client() { return client_; }

    /// Files `line` as if it had been received.
    void file(const std::string& line);

  private:
    line_client& client_;
    bool answer_pings_;
    std::string room_;
    std::map<std::string, std::deque<std::string>, std::less<>> msgs_;
    std::deque<std::string> notices_;
    std::vector<std::string> all_;
    std::size_t pings_ = 0;
};

/// Waits up to `wait` until any of `boxes` has input, then files what each has. Lets one thread
/// keep several clients read (and their PINGs answered) while it drives a scenario.
void pump_all(const std::vector<inbox*>& boxes, std::chrono::milliseconds wait);

/// Asks `client` for `/stats` and returns the `connections=` figure, or nothing on time-out.
/// Other lines read meanwhile are filed into `box`.
std::optional<std::size_t> stats_connections(inbox& box, std::chrono::milliseconds limit = 3s);

/// Polls `/stats` through `box` until it reports `want` connections or `limit` passes; returns
/// the last figure seen (0 if none came).
std::size_t await_connections(inbox& box, std::size_t want, std::chrono::milliseconds limit);

/// Sends `count` room messages tagged `tag` from `a` and checks (Catch2 CHECK) that `b` gets them
/// from `a_name` complete and in order, each within 3 s.
void check_room_flows(line_client& a, const std::string& a_name, inbox& b, const std::string& tag,
                      int count);

/// The number of lines of `log` that contain `needle`.
std::size_t count_lines_with(const std::string& log, std::string_view needle);

}  // namespace chat::test
