#include "test/integration/hardening_support.hpp"

#include <cstdlib>

#include "test/support/reference_text_check.hpp"

#include <poll.h>

#include <charconv>
#include <cstdint>
#include <fstream>
#include <limits>
#include <thread>

#include <catch2/catch.hpp>

namespace chat::test {

using clock_type = std::chrono::steady_clock;

scoped_env::scoped_env(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) {
        old_ = old;
    }
    ::setenv(name, value.c_str(), 1);
}

scoped_env::~scoped_env() {
    if (old_) {
        ::setenv(name_, old_->c_str(), 1);
    } else {
        ::unsetenv(name_);
    }
}

std::string with_small_quarantine() {
    // Plain builds ignore the variable.
    const char* old = std::getenv("ASAN_OPTIONS");
    std::string value = old != nullptr ? std::string(old) + ":" : std::string();
    return value + "quarantine_size_mb=4:thread_local_quarantine_size_kb=256";
}

std::size_t rss_kib(pid_t pid) {
    std::ifstream in(numbered("/proc/", pid) + "/status");
    std::string key;
    while (in >> key) {
        if (key == "VmRSS:") {
            std::size_t kib = 0;
            in >> kib;
            return kib;
        }
        in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
    }
    return 0;
}

std::optional<relayed> parse_relayed(std::string_view line) {
    const auto next_field = [&line]() -> std::optional<std::string> {
        const auto space = line.find(' ');
        if (space == std::string_view::npos) {
            return std::nullopt;
        }
        std::string field(line.substr(0, space));
        line.remove_prefix(space + 1);
        return field;
    };
    relayed r;
    const auto tag = next_field();
    if (!tag || (*tag != "MSG" && *tag != "ME" && *tag != "PRIV")) {
        return std::nullopt;
    }
    r.tag = *tag;
    if (r.tag != "PRIV") {
        auto room = next_field();
        if (!room) {
            return std::nullopt;
        }
        r.room = std::move(*room);
    }
    for (std::string* field : {&r.id, &r.time, &r.from}) {
        auto value = next_field();
        if (!value) {
            return std::nullopt;
        }
        *field = std::move(*value);
    }
    r.text = std::string(line);
    return r;
}

bool terminal_safe(std::string_view text) {
    return reference_text_check(text) == chat::text_fault::ok;
}

void inbox::file(const std::string& line) {
    all_.push_back(line);
    if (line.rfind("PING ", 0) == 0) {
        ++pings_;
        if (answer_pings_) {
            client_.send_line("/pong " + line.substr(5));
        }
        return;
    }
    if (auto r = parse_relayed(line); r && r->tag == "MSG" && r->room == room_) {
        msgs_[r->from].push_back(r->text);
        return;
    }
    notices_.push_back(line);
}

std::size_t inbox::pump(std::chrono::milliseconds wait) {
    std::size_t filed = 0;
    while (auto line = client_.read_line(0ms)) {
        file(*line);
        ++filed;
    }
    if (wait.count() > 0) {
        if (auto line = client_.read_line(wait)) {
            file(*line);
            ++filed;
            while (auto more = client_.read_line(0ms)) {
                file(*more);
                ++filed;
            }
        }
    }
    return filed;
}

void inbox::drain(std::chrono::milliseconds quiet, std::chrono::milliseconds limit) {
    const auto deadline = clock_type::now() + limit;
    while (clock_type::now() < deadline && pump(quiet) > 0) {
    }
}

std::optional<std::string> inbox::next_msg(std::string_view from, std::chrono::milliseconds limit) {
    const auto deadline = clock_type::now() + limit;
    auto& queue = msgs_[std::string(from)];
    for (;;) {
        if (!queue.empty()) {
            std::string text = std::move(queue.front());
            queue.pop_front();
            return text;
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
        if (left.count() <= 0 || (pump(left) == 0 && closed())) {
            return std::nullopt;
        }
    }
}

std::optional<std::string> inbox::next_notice(std::string_view prefix,
                                              std::chrono::milliseconds limit) {
    const auto deadline = clock_type::now() + limit;
    for (;;) {
        while (!notices_.empty()) {
            std::string line = std::move(notices_.front());
            notices_.pop_front();
            if (line.rfind(prefix, 0) == 0) {
                return line;
            }
        }
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
        if (left.count() <= 0 || (pump(left) == 0 && closed())) {
            return std::nullopt;
        }
    }
}

std::vector<std::string> inbox::senders_pending() const {
    std::vector<std::string> senders;
    for (const auto& [from, queue] : msgs_) {
        if (!queue.empty()) {
            senders.push_back(from);
        }
    }
    return senders;
}

void pump_all(const std::vector<inbox*>& boxes, std::chrono::milliseconds wait) {
    std::vector<pollfd> fds;
    for (inbox* box : boxes) {
        box->pump(0ms);
        if (!box->closed()) {
            fds.push_back({box->client().fd(), POLLIN, 0});
        }
    }
    if (fds.empty()) {
        return;
    }
    if (::poll(fds.data(), fds.size(), static_cast<int>(wait.count())) <= 0) {
        return;
    }
    for (inbox* box : boxes) {
        for (const auto& p : fds) {
            if (p.fd == box->client().fd() && (p.revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
                // Readable now, so this does not wait; line_client rounds a wait under 1 ms down
                // to none and would not read at all.
                box->pump(5ms);
            }
        }
    }
}

std::optional<std::size_t> stats_connections(inbox& box, std::chrono::milliseconds limit) {
    box.client().send_line("/stats");
    const auto line = box.next_notice("INFO connections=", limit);
    if (!line) {
        return std::nullopt;
    }
    std::size_t n = 0;
    const char* first = line->data() + 17;
    const auto [ptr, ec] = std::from_chars(first, line->data() + line->size(), n);
    if (ec != std::errc{} || ptr == first) {
        return std::nullopt;
    }
    return n;
}

std::size_t await_connections(inbox& box, std::size_t want, std::chrono::milliseconds limit) {
    const auto deadline = clock_type::now() + limit;
    std::size_t seen = 0;
    while (clock_type::now() < deadline) {
        seen = stats_connections(box).value_or(0);
        if (seen == want) {
            break;
        }
        std::this_thread::sleep_for(20ms);  // polling a figure; nothing to wait on instead
    }
    return seen;
}

std::size_t count_lines_with(const std::string& log, std::string_view needle) {
    std::size_t count = 0;
    std::size_t start = 0;
    while (start < log.size()) {
        auto end = log.find('\n', start);
        if (end == std::string::npos) {
            end = log.size();
        }
        if (std::string_view(log).substr(start, end - start).find(needle) != std::string::npos) {
            ++count;
        }
        start = end + 1;
    }
    return count;
}

// Checks that `a`'s messages reach `b` complete and in order, `count` of them tagged `tag`.
void check_room_flows(line_client& a, const std::string& a_name, inbox& b, const std::string& tag,
                      int count) {
    for (int i = 0; i < count; ++i) {
        a.send_line(tag + numbered(" ", i));
    }
    for (int i = 0; i < count; ++i) {
        CHECK(b.next_msg(a_name, 3s) == tag + numbered(" ", i));
    }
}

}  // namespace chat::test
