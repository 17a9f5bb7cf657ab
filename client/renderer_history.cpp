#include "client/renderer.hpp"

#include <utility>

#include <fmt/format.h>

namespace chat {

// How history and resumes look: the replayed lines, the line that ends a replay, the notices
// after a resume. Kept apart from renderer.cpp, which draws the live lines.

std::string renderer::replayed(const server_line& line, time_point now) const {
    // Dim over colours would not show (each colour ends with a reset), so history is drawn
    // without them: one dim run from the time to the end of the line.
    const renderer plain({.color = false, .utc = options_.utc});
    const auto at = parse_timestamp(line.time).value_or(now);
    std::string text;
    switch (line.tag) {
        case server_tag::msg:
            text = fmt::format("{} {} {}: {}", plain.dated_clock(at, now), sanitize(line.room),
                               sanitize(line.name), sanitize(line.text));
            break;
        case server_tag::me:
            text = fmt::format("{} {} * {} {}", plain.dated_clock(at, now), sanitize(line.room),
                               sanitize(line.name), sanitize(line.text));
            break;
        default:
            text = plain.render(line, now);
            break;
    }
    return dim(text);
}

replay_view::item renderer::replay_item(const server_line& line, std::string live,
                                        time_point now) const {
    replay_view::item item{std::move(live), {}, {}, 0};
    if (line.tag == server_tag::msg || line.tag == server_tag::me) {
        item.as_history = replayed(line, now);
        item.room = std::string(line.room);
        item.id = parse_count(line.id).value_or(0);
    }
    return item;
}

std::string renderer::history_summary(const replay_view::summary& s) const {
    const char* const plural = s.count == 1 ? "" : "s";
    std::string what;
    if (s.count > 0) {
        what = s.asked ? fmt::format("{} message{} from history", s.count, plural)
                       : fmt::format("{} earlier message{}", s.count, plural);
    } else if (s.asked && s.status != page_status::gap) {
        what = s.forward ? "no newer messages in history" : "no messages in history";
    }
    std::string more;
    switch (s.status) {
        case page_status::complete:
            break;
        case page_status::more: {
            // Where the next page starts: before the oldest line shown, or after the newest.
            const std::string where = sanitize(s.room);
            if (s.forward && s.last_id != 0) {
                more = fmt::format("/history {} after {} for more", where, s.last_id);
            } else if (!s.forward && s.first_id != 0) {
                more = fmt::format("/history {} before {} for more", where, s.first_id);
            } else {
                more = "more is kept";
            }
            break;
        }
        case page_status::gap:
            more = s.forward ? "some of it is no longer kept" : "older history not kept";
            break;
    }
    if (what.empty() && more.empty()) {
        return {};  // a join into a room with no history: nothing to say
    }
    const std::string text = what.empty()   ? more
                             : more.empty() ? what
                                            : fmt::format("{}; {}", what, more);
    return fmt::format("{} {}", room(s.room), dim(fmt::format("-- {} --", text)));
}

std::string renderer::resumed(const resume_state::outcome& o) const {
    if (o.gap) {
        return notice(fmt::format("reconnected; history has a gap before id {}", o.gap_before));
    }
    if (o.missed == 0) {
        return notice("reconnected, no missed messages");
    }
    return notice(
        fmt::format("reconnected, {} missed message{}", o.missed, o.missed == 1 ? "" : "s"));
}

std::string renderer::resume_refused(std::string_view reason, std::string_view name) const {
    const std::string why = reason.empty() ? std::string() : fmt::format(" ({})", reason);
    return notice(fmt::format("could not resume the session{}; joining again as {}", why, name));
}

}  // namespace chat
