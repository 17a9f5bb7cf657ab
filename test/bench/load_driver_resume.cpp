// The resume scenario's part of load_driver: the client that goes away and the connection that
// resumes its session. Their lines are few (tens of thousands in a run, not tens of millions),
// so they go through the shared parser whole: the resume check needs each message's id.

#include <sys/socket.h>
#include <unistd.h>

#include <charconv>

#include <fmt/format.h>

#include "common/server_line.hpp"
#include "test/bench/load_driver.hpp"
#include "test/bench/payload.hpp"
#include "test/bench/proc_stats.hpp"

namespace chat::bench {

void load_driver::setup_resume(std::size_t receivers, std::size_t senders) {
    setup(receivers, senders);
    client away;
    away.kind = role::away;
    expect_handshake(away, false);
    clients_.push_back(std::move(away));
    resume_.start(senders);
}

void load_driver::reset_away() {
    for (client& c : clients_) {
        if (c.kind != role::away || c.fd < 0) {
            continue;
        }
        // A close with unsent data or SO_LINGER 0 sends RST, not FIN: to the server a lost
        // connection, which keeps the session for --resume-grace, where a FIN would be a leave.
        const linger hard{1, 0};
        ::setsockopt(c.fd, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
        ::close(c.fd);
        c.fd = -1;
        c.state = phase::closed;
    }
}

void load_driver::begin_resume() {
    client r;
    r.kind = role::resumer;
    expect_handshake(r, false);
    clients_.push_back(std::move(r));
    resuming_ = true;
    open_more();  // every other client is open: this opens the new one only
}

void load_driver::on_resume_line(client& c, std::string_view line, std::uint64_t now_ns) {
    const auto l = parse_server_line(line);
    if (!l) {
        fail(fmt::format("{} got a malformed line: '{}'", name_of(c), line.substr(0, 200)));
        return;
    }
    switch (l->tag) {
        case server_tag::hello:
            if (const std::string why = wire_.check_greeting(line); !why.empty()) {
                fail(why);
                return;
            }
            if (c.kind == role::resumer) {
                send_control(c, resume_.request(away_name, monotonic_ns()));
            } else {
                send_control(c, wire_.after_greeting(false, away_name, {}));
            }
            return;
        case server_tag::welcome:
            if (c.kind == role::away) {
                if (!is_resume_token(l->token)) {
                    fail(fmt::format("no resume token in '{}': a server before 2.1?", line));
                    return;
                }
                resume_.set_token(l->token);
            }
            c.registered = true;
            check_ready(c);
            return;
        case server_tag::joined:
            ++c.joined;
            check_ready(c);
            return;
        case server_tag::msg:
        case server_tag::me:
        case server_tag::priv:
            if (c.kind == role::away) {
                // Before it goes (a history replay on its join): what a resume is after.
                std::uint64_t id = 0;
                std::from_chars(l->id.data(), l->id.data() + l->id.size(), id);
                resume_.saw_id(id);
            } else if (l->tag == server_tag::msg) {
                on_resumed_message(line, l->id, l->text);
            } else {
                resume_.on_foreign(line);
            }
            ++progress_;
            return;
        case server_tag::resumed:
            resume_.on_resumed(l->count, l->code, now_ns != 0 ? now_ns : monotonic_ns());
            ++progress_;
            return;
        case server_tag::ping:
            send_control(c, wire_.pong(l->text));
            return;
        case server_tag::err:
        case server_tag::bye:
            fail(fmt::format("{} got '{}' from the server", name_of(c), line.substr(0, 200)));
            return;
        default:
            return;  // HISTORY after away's join, TOPIC, JOIN and LEAVE notices
    }
}

void load_driver::on_resumed_message(std::string_view line, std::string_view id_text,
                                     std::string_view text) {
    std::uint64_t id = 0;
    const auto [ptr, ec] = std::from_chars(id_text.data(), id_text.data() + id_text.size(), id);
    const auto f = parse_payload(text, false);
    if (ec != std::errc{} || ptr != id_text.data() + id_text.size() || !f ||
        text.size() != config_.size) {
        resume_.on_foreign(line);
        return;
    }
    resume_.on_message(id, f->sender, f->seq);
}

}  // namespace chat::bench
