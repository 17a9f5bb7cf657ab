#include "client/scripted_client.hpp"

#include <csignal>
#include <cstdio>

#include <fmt/format.h>

#include "client/greeting.hpp"
#include "common/protocol.hpp"

namespace chat {

namespace {

// How long, after /quit, the server may take to say BYE and close before we close anyway.
constexpr auto drain_bound = std::chrono::seconds(5);

bool is_quit(std::string_view line) {
    return parse_command(line).kind == command_kind::quit;
}

}  // namespace

scripted_client::scripted_client(boost::asio::io_context& io, const client_config& config,
                                 render_options style)
    : io_(io),
      config_(config),
      renderer_(style),
      connection_(io, config.host, config.port, *this),
      input_(io),
      signals_(io, SIGINT, SIGTERM, SIGHUP) {}

void scripted_client::start() {
    signals_.async_wait([this](const boost::system::error_code& ec, int) {
        if (!ec) {
            leave();  // a second signal is not waited for: the drain is bounded anyway
        }
    });
    connection_.start();
    input_.start([this](std::string_view line) { on_input(line); }, [this] { on_input_end(); });
}

void scripted_client::on_connected() {
    connected_ = true;
    greeted_ = false;  // nothing goes out before the server has said HELLO
}

bool scripted_client::check_greeting(std::string_view line) {
    const greeting g = judge_greeting(connection_.peer(), line);
    switch (g.kind) {
        case greeting_kind::chat:
            greeted_ = true;
            if (config_.name) {
                connection_.send(*config_.name);
                name_sent_ = true;
            }
            return true;
        case greeting_kind::refusal:
            greeted_ = true;  // a full server: its ERR and BYE follow the usual way
            return true;
        case greeting_kind::other_version:
        case greeting_kind::not_chat:
            break;
    }
    std::fprintf(stderr, "chat-client: %s\n", g.problem.c_str());
    finish(client_status::cannot_connect);
    return false;
}

void scripted_client::on_line(std::string_view line) {
    if (!greeted_ && !check_greeting(line)) {
        return;
    }
    const auto parsed = parse_server_line(line);
    if (config_.raw) {
        output(line);
    } else if (!parsed) {
        output(renderer_.garbage(line));
    } else if (const auto released = replay_.history(*parsed)) {
        output(released->lines);
        if (const auto summary = renderer_.history_summary(*released->end); !summary.empty()) {
            output(summary);
        }
    } else if (const auto held = parsed->tag == server_tag::pong
                                     ? replay_.marker_answered(parsed->text)
                                     : std::nullopt) {
        output(*held);  // one of our markers: its PONG is not shown
    } else {
        const auto now = std::chrono::system_clock::now();
        output(replay_.show(renderer_.replay_item(*parsed, renderer_.render(*parsed, now), now)));
    }
    if (!parsed || done_) {
        return;
    }
    if (const auto reply = state_.observe(*parsed)) {
        connection_.send(*reply);
    }
    renderer_.set_self(state_.self());
    switch (parsed->tag) {
        case server_tag::hello:
            pump();  // the first input line is the name, now that the server asks for it
            return;
        case server_tag::welcome:
            name_sent_ = false;
            // Only a server that gives resume tokens (chat/2.1) replays history.
            replay_.set_enabled(!config_.raw && !parsed->token.empty());
            if (const auto marker = replay_.expect(replay_view::request::welcome)) {
                connection_.send(*marker);  // behind the default room's replay, if any
            }
            pump();
            return;
        case server_tag::err: {
            const auto code = parse_protocol_error(parsed->code);
            if (code == protocol_error::server_full ||
                code == protocol_error::too_many_from_address ||
                code == protocol_error::too_many_connections) {
                turned_away_ = true;
            } else if (name_sent_ && !state_.registered() &&
                       (code == protocol_error::name_taken ||
                        code == protocol_error::name_invalid)) {
                name_sent_ = false;
                name_refused_ = true;
                if (config_.name) {
                    // The script named itself and has no other name to offer.
                    std::fprintf(stderr, "chat-client: the server refused the name '%s'\n",
                                 config_.name->c_str());
                    finish(client_status::name_refused);
                } else {
                    pump();  // the next input line is the next name, as the server asks
                }
            }
            return;
        }
        default:
            return;
    }
}

void scripted_client::on_input(std::string_view line) {
    pending_.emplace_back(line);
    pump();
}

void scripted_client::on_input_end() {
    input_ended_ = true;
    pump();
}

void scripted_client::pump() {
    if (done_ || leaving_ || !connected_ || !greeted_ || turned_away_) {
        return;
    }
    if (!state_.registered()) {
        if (name_sent_ || (config_.name && name_refused_)) {
            return;  // waiting for WELCOME or ERR before anything else goes out
        }
        if (!pending_.empty()) {
            std::string line = std::move(pending_.front());
            pending_.pop_front();
            if (is_quit(line)) {
                leaving_ = true;  // the server would take it for a name
                finish(client_status::ok);
                return;
            }
            connection_.send(line);
            name_sent_ = true;
            return;
        }
        if (input_ended_) {
            leave();
        }
        return;
    }
    while (!pending_.empty()) {
        std::string line = std::move(pending_.front());
        pending_.pop_front();
        send(line);
        if (is_quit(line)) {
            leaving_ = true;
            pending_.clear();
            connection_.close(drain_bound);
            return;
        }
    }
    if (input_ended_) {
        leave();
    }
}

void scripted_client::send(std::string_view line) {
    connection_.send(line);
    if (const auto request = replay_request(line)) {
        if (const auto marker = replay_.expect(*request)) {
            connection_.send(*marker);  // its PONG comes after the whole answer
        }
    }
}

void scripted_client::leave() {
    if (leaving_ || done_) {
        return;
    }
    leaving_ = true;
    input_.stop();
    if (!connected_) {
        finish(name_refused_ ? client_status::name_refused : client_status::ok);
        return;
    }
    if (!state_.registered()) {
        // Not in the room: nothing to say goodbye to, and the server would take /quit for a name.
        finish(name_refused_ ? client_status::name_refused : client_status::ok);
        return;
    }
    connection_.send("/quit");
    connection_.close(drain_bound);
}

void scripted_client::on_connect_failed(const boost::system::error_code& ec,
                                        std::optional<client_connection::duration> /*retry_in*/) {
    std::fprintf(stderr, "chat-client: cannot connect to %s: %s\n", connection_.peer().c_str(),
                 ec.message().c_str());
    finish(client_status::cannot_connect);
}

void scripted_client::on_disconnected(const boost::system::error_code& ec,
                                      std::optional<client_connection::duration> /*retry_in*/) {
    connected_ = false;
    output(replay_.reset());
    const std::string peer = connection_.peer();
    if (!greeted_) {
        std::fprintf(stderr, "chat-client: %s\n",
                     no_greeting_problem(peer, ec == boost::asio::error::timed_out,
                                         client_connection::first_line_timeout.count())
                         .c_str());
        finish(client_status::cannot_connect);
    } else if (turned_away_) {
        std::fprintf(stderr, "chat-client: %s turned us away\n", peer.c_str());
        finish(client_status::cannot_connect);
    } else if (name_refused_ && !state_.registered()) {
        std::fprintf(stderr, "chat-client: the server refused the name\n");
        finish(client_status::name_refused);
    } else if (leaving_) {
        if (ec == boost::asio::error::timed_out) {
            std::fprintf(stderr, "chat-client: %s did not close in time; closed anyway\n",
                         peer.c_str());
        }
        finish(client_status::ok);
    } else if (state_.bye_seen()) {
        std::fprintf(stderr, "chat-client: %s closed the session\n", peer.c_str());
        finish(client_status::closed_by_server);
    } else {
        std::fprintf(
            stderr, "chat-client: lost the connection to %s: %s\n", peer.c_str(),
            ec == boost::asio::error::eof ? "closed without a goodbye" : ec.message().c_str());
        finish(client_status::connection_lost);
    }
}

void scripted_client::output(std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    if (std::fflush(stdout) != 0) {
        // Nobody reads our output any more (a closed pipe): leave as if input had ended.
        input_ended_ = true;
        leave();
    }
}

void scripted_client::output(const std::vector<std::string>& lines) {
    for (const auto& l : lines) {
        output(l);
    }
}

void scripted_client::finish(client_status status) {
    if (done_) {
        return;
    }
    done_ = true;
    output(replay_.reset());  // held for the end of a replay that will not come now
    exit_code_ = static_cast<int>(status);
    input_.stop();
    connection_.stop();
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    std::fflush(stdout);
    io_.stop();
}

}  // namespace chat
