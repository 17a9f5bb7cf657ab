#include "client/interactive_client.hpp"

#include <charconv>
#include <csignal>

#include <fmt/format.h>

#include "common/protocol.hpp"

namespace chat {

namespace {

// After /quit, how long the server may take to say BYE and close.
constexpr auto leave_bound = std::chrono::seconds(2);

std::string seconds_text(client_connection::duration d) {
    if (d < std::chrono::seconds(1)) {
        return fmt::format("{} ms", d.count());
    }
    return fmt::format("{} s", std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

std::string_view trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t");
    if (first == std::string_view::npos) {
        return {};
    }
    return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

}  // namespace

interactive_client::interactive_client(boost::asio::io_context& io, const client_config& config,
                                       render_options style)
    : io_(io),
      config_(config),
      renderer_(style),
      connection_(io, config.host, config.port, *this),
      ui_(io, *this),
      signals_(io),
      name_(config.name) {
    // Ctrl+C and SIGTERM leave in order; SIGHUP (terminal gone) and Ctrl+Backslash leave at once.
    // All four give the terminal back as it was.
    for (const int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
        signals_.add(s);
    }
}

std::optional<std::size_t> interactive_client::limit_of(std::string_view limits,
                                                        std::string_view key) {
    while (!limits.empty()) {
        const auto comma = limits.find(',');
        const auto item = limits.substr(0, comma);
        limits = comma == std::string_view::npos ? std::string_view{} : limits.substr(comma + 1);
        const auto eq = item.find('=');
        if (eq == std::string_view::npos || item.substr(0, eq) != key) {
            continue;
        }
        std::size_t value = 0;
        const auto text = item.substr(eq + 1);
        const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (ec == std::errc{} && ptr == text.data() + text.size()) {
            return value;
        }
    }
    return std::nullopt;
}

void interactive_client::start() {
    update_prompt();
    ui_.start();
    show(renderer_.notice(fmt::format("connecting to {} ...", connection_.peer())));
    wait_for_signal();
    connection_.start();
}

void interactive_client::wait_for_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal_number) {
        if (ec) {
            return;
        }
        if (signal_number == SIGHUP || signal_number == SIGQUIT || phase_ == phase::leaving) {
            finish(0);  // the terminal is gone, Ctrl+Backslash, or a second Ctrl+C: no more waiting
            return;
        }
        leave("/quit");
        wait_for_signal();
    });
}

// ---------------------------------------------------------------------------------------------
// The connection

void interactive_client::on_connected() {
    ever_connected_ = true;
    connection_.set_reconnect(true);
    phase_ = phase::naming;
    show(renderer_.notice(fmt::format("connected to {}", connection_.peer())));
    if (name_) {
        send_name(*name_);
    }
    update_prompt();
}

void interactive_client::on_line(std::string_view line) {
    const auto parsed = parse_server_line(line);
    if (config_.raw) {
        show(renderer::sanitize(line));
    } else if (!parsed) {
        show(renderer_.garbage(line));
    }
    if (parsed) {
        handle(*parsed);
    }
}

void interactive_client::handle(const server_line& line) {
    // Rendered before the state learns from it, so that our own NICK reads "you are now ...".
    std::string text =
        config_.raw ? std::string() : renderer_.render(line, std::chrono::system_clock::now());
    if (const auto reply = state_.observe(line)) {
        connection_.send(*reply);
    }
    renderer_.set_self(state_.self());
    bool ask_who = false;
    switch (line.tag) {
        case server_tag::hello:
            if (name_sent_) {
                text.clear();  // we answered with --name (or the name we had) already
            }
            max_line_ = limit_of(line.limits, "max-line").value_or(max_line_);
            break;
        case server_tag::welcome:
            phase_ = phase::chatting;
            name_sent_ = false;
            name_ = state_.self();
            connection_.reset_backoff();
            if (ever_joined_ && !config_.raw) {
                text = renderer_.notice(fmt::format("back in the room as {}", state_.self()));
            }
            ever_joined_ = true;
            ask_who = true;
            break;
        case server_tag::err: {
            const auto code = parse_protocol_error(line.code);
            if (!ever_joined_ && (code == protocol_error::server_full ||
                                  code == protocol_error::too_many_from_address ||
                                  code == protocol_error::too_many_connections)) {
                turned_away_ = true;  // never got in: retrying on our own would only nag
            }
            if (phase_ == phase::naming && name_sent_ &&
                (code == protocol_error::name_taken || code == protocol_error::name_invalid)) {
                name_sent_ = false;
                name_.reset();  // whatever was asked for, the user picks the next one
            }
            break;
        }
        case server_tag::nick:
            if (state_.registered()) {
                name_ = state_.self();
            }
            break;
        case server_tag::bye:
            if (phase_ == phase::leaving && !config_.raw) {
                text = renderer_.notice("you left the room");  // our /quit, answered
            }
            break;
        default:
            break;
    }
    if (!text.empty()) {
        show(text);
    }
    if (phase_ == phase::naming && !name_sent_ && line.tag == server_tag::err && !config_.raw) {
        show(renderer_.notice("type the name you want and press Enter"));
    }
    update_prompt();
    if (ask_who) {
        connection_.send("/who");  // who is here, and names for Tab
    }
}

void interactive_client::send_name(std::string_view name) {
    connection_.send(name);
    name_sent_ = true;
}

void interactive_client::on_connect_failed(const boost::system::error_code& ec,
                                           std::optional<client_connection::duration> retry_in) {
    if (!ever_connected_ || !retry_in) {
        show(renderer_.error(
            fmt::format("cannot connect to {}: {}", connection_.peer(), ec.message())));
        finish(1);
        return;
    }
    phase_ = phase::offline;
    show(renderer_.notice(fmt::format("still cannot reach {} ({}); next try in {}",
                                      connection_.peer(), ec.message(), seconds_text(*retry_in))));
    update_prompt();
}

void interactive_client::on_disconnected(const boost::system::error_code& ec,
                                         std::optional<client_connection::duration> retry_in) {
    const bool said_bye = state_.bye_seen();
    state_.reset();
    name_sent_ = false;
    if (phase_ == phase::leaving) {
        finish(0);
        return;
    }
    if (turned_away_) {
        finish(1);  // the server is full: the error above said so
        return;
    }
    phase_ = phase::offline;
    if (said_bye) {
        show(renderer_.notice(fmt::format("disconnected from {}", connection_.peer())));
    } else {
        const std::string why = ec == boost::asio::error::eof
                                    ? std::string("the server closed it without a goodbye")
                                    : ec.message();
        show(
            renderer_.error(fmt::format("lost the connection to {}: {}", connection_.peer(), why)));
    }
    if (retry_in) {
        show(renderer_.notice(
            fmt::format("reconnecting in {} (Ctrl+C or /quit to leave)", seconds_text(*retry_in))));
    }
    update_prompt();
}

// ---------------------------------------------------------------------------------------------
// The keyboard

void interactive_client::on_input(std::string line) {
    const bool quit = parse_command(line).kind == command_kind::quit;
    switch (phase_) {
        case phase::leaving:
            return;
        case phase::connecting:
        case phase::offline:
            if (quit) {
                finish(0);
            } else if (!trim(line).empty()) {
                show(renderer_.error("not connected, so that was not sent (Up brings it back)"));
            }
            return;
        case phase::naming:
            if (quit) {
                finish(0);  // not in the room yet: nobody to say goodbye to
            } else if (name_sent_) {
                show(renderer_.notice("still waiting for the server to accept the name"));
            } else {
                name_ = std::string(trim(line));
                send_name(*name_);
                update_prompt();
            }
            return;
        case phase::chatting:
            say(line);
            return;
    }
}

void interactive_client::say(std::string_view line) {
    const command cmd = parse_command(line);
    if (cmd.kind == command_kind::empty) {
        return;
    }
    if (cmd.kind == command_kind::quit) {
        leave(line);
        return;
    }
    if (line.size() > max_line_) {
        // The server would refuse it; say so now rather than show it as sent first.
        show(renderer_.error(
            fmt::format("that line is {} bytes, over the server's limit of {}; it was not sent",
                        line.size(), max_line_)));
        return;
    }
    if (!connection_.send(line)) {
        show(renderer_.error("not connected, so that was not sent"));
        return;
    }
    if (config_.raw) {
        return;
    }
    const auto now = std::chrono::system_clock::now();
    switch (cmd.kind) {
        case command_kind::say:
            show(renderer_.own_message(cmd.text, now));
            break;
        case command_kind::me:
            show(renderer_.own_action(cmd.text, now));
            break;
        case command_kind::private_message:
            show(renderer_.own_private(cmd.target, cmd.text, now));
            break;
        default:
            break;  // commands: the server's answer is what we show
    }
}

void interactive_client::on_input_end() {
    leave("/quit");
}

std::optional<completion> interactive_client::on_complete(std::string_view line,
                                                          std::size_t cursor) {
    if (phase_ != phase::chatting) {
        return std::nullopt;
    }
    return complete_name(state_.roster(), line, cursor, state_.self());
}

// ---------------------------------------------------------------------------------------------

void interactive_client::leave(std::string_view quit_line) {
    if (phase_ != phase::chatting || !connection_.connected()) {
        finish(0);
        return;
    }
    phase_ = phase::leaving;
    connection_.send(quit_line);
    connection_.close(leave_bound);
    update_prompt();
}

void interactive_client::update_prompt() {
    const bool color = renderer_.color();
    switch (phase_) {
        case phase::chatting:
        case phase::leaving:
            ui_.set_prompt(fmt::format("{}> ", renderer_.name(state_.self())));
            return;
        case phase::naming:
            ui_.set_prompt(name_sent_ ? "joining... " : "name> ");
            return;
        case phase::connecting:
        case phase::offline:
            ui_.set_prompt(color ? "\x1b[2m(offline)\x1b[0m> " : "(offline)> ");
            return;
    }
}

void interactive_client::show(std::string_view text) {
    ui_.print(text);
}

void interactive_client::finish(int code) {
    if (done_) {
        return;
    }
    done_ = true;
    exit_code_ = code;
    connection_.stop();
    boost::system::error_code ignored;
    signals_.cancel(ignored);
    ui_.stop();
    io_.stop();
}

}  // namespace chat
