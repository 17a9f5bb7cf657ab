#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chat {

/// What the framer found in the byte stream: a complete line, or the start of one that broke the
/// length limit (reported once; the rest of it up to the next `\n` is skipped silently).
enum class frame_event { line, too_long };

/// Splits a byte stream into `\n`-terminated lines of at most `max_line` bytes (the `\n` not
/// counted; a `\r` right before it is removed from the line handed out). Bytes of an unfinished
/// line are kept inside the framer between calls, so its memory is bounded by `max_line`.
/// Pure: no I/O, no allocation unless a line straddles two calls.
class line_framer {
  public:
    explicit line_framer(std::size_t max_line) : max_line_(max_line) {}

    /// Feeds `bytes`; calls `handler(frame_event, std::string_view line)` for each event, in
    /// order. The handler returns false to stop early (after the event it was given). Returns how
    /// many bytes of `bytes` were taken; the caller feeds the rest again later. A trailing partial
    /// line is always taken (kept inside). A `line` view is valid only during the call.
    template <class Handler>
    std::size_t feed(std::string_view bytes, Handler&& handler);

    /// True while a partial line is held (its first bytes arrived, its `\n` did not).
    bool has_partial() const { return !carry_.empty() || discarding_; }

    /// Bytes of the unfinished line held now.
    std::size_t partial_size() const { return carry_.size(); }

    std::size_t max_line() const { return max_line_; }

  private:
    static std::string_view trim_cr(std::string_view line) {
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        return line;
    }
    void release_carry();

    std::size_t max_line_;
    std::string carry_;
    bool discarding_ = false;
};

template <class Handler>
std::size_t line_framer::feed(std::string_view bytes, Handler&& handler) {
    std::size_t pos = 0;
    while (pos < bytes.size()) {
        const std::string_view rest = bytes.substr(pos);
        const std::size_t nl = rest.find('\n');
        if (nl == std::string_view::npos) {
            // No end of line in what is left: keep it, unless it already breaks the limit.
            if (!discarding_) {
                if (carry_.size() + rest.size() > max_line_) {
                    release_carry();
                    discarding_ = true;
                    pos = bytes.size();
                    if (!handler(frame_event::too_long, std::string_view{})) {
                        return pos;
                    }
                    continue;
                }
                carry_.append(rest);
            }
            return bytes.size();
        }
        pos += nl + 1;
        if (discarding_) {
            discarding_ = false;  // the over-long line ends here; it was reported when it began
            continue;
        }
        if (carry_.size() + nl > max_line_) {
            release_carry();
            if (!handler(frame_event::too_long, std::string_view{})) {
                return pos;
            }
            continue;
        }
        bool go_on = true;
        if (carry_.empty()) {
            go_on = handler(frame_event::line, trim_cr(rest.substr(0, nl)));
        } else {
            carry_.append(rest.substr(0, nl));
            go_on = handler(frame_event::line, trim_cr(std::string_view{carry_}));
            release_carry();
        }
        if (!go_on) {
            return pos;
        }
    }
    return pos;
}

}  // namespace chat
