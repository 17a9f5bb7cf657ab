#include "client/interactive_client.hpp"

#include <algorithm>
#include <charconv>
#include <csignal>

#include <fmt/format.h>

#include "client/greeting.hpp"
#include "common/protocol.hpp"
#include "common/text_util.hpp"

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

/// A number from HELLO's limits, if the key is there and its value is one.
std::optional<std::size_t> numeric_limit(std::string_view limits, std::string_view key) {
    const auto text = find_limit(limits, key);
    std::size_t value = 0;
    if (!text) {
        return std::nullopt;
    }
    const auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
    if (ec != std::errc{} || ptr != text->data() + text->size()) {
        return std::nullopt;
    }
    return value;
}

/// The message a command line is, or nothing for a line that is not a message.
std::optional<own_message> as_message(const command& cmd, std::string_view line) {
    own_message m;
    switch (cmd.kind) {
        case command_kind::say:
            m.what = own_message::kind::say;
            break;
        case command_kind::me:
            m.what = own_message::kind::me;
            break;
        case command_kind::room_say:
            m.what = own_message::kind::room_say;
            break;
        case command_kind::private_message:
            m.what = own_message::kind::priv;
            break;
        default:
            return std::nullopt;
    }
    m.target = std::string(cmd.target);
    m.text = std::string(cmd.text);
    m.line = std::string(line);
    return m;
}

/// The token of the `/ping` sent after WELCOME on a reconnection: its PONG comes after the
/// server has put us in its default room, so we then know which rooms to join again.
constexpr std::string_view rejoin_token = "chat-client-rejoin";

/// `/switch #room` is the client's own word for `/join #room`, which the server answers by making
/// a room we are in current (and joins it first if we are not).
constexpr std::string_view switch_command = "switch";

/// `/history` is passed to the server as typed; named here for Tab.
constexpr std::string_view history_command = "history";

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
    greeted_ = false;
    show(renderer_.notice(fmt::format("connected to {}", connection_.peer())));
    update_prompt();
}

void interactive_client::on_line(std::string_view line) {
    if (!greeted_) {
        check_greeting(line);
        if (done_) {
            return;
        }
    }
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

void interactive_client::check_greeting(std::string_view line) {
    const greeting g = judge_greeting(connection_.peer(), line);
    switch (g.kind) {
        case greeting_kind::chat:
            greeted_ = true;
            ever_greeted_ = true;
            // Only a peer that proved to be a chat server is worth coming back to.
            connection_.set_reconnect(true);
            phase_ = phase::naming;
            return;
        case greeting_kind::refusal:
            greeted_ = true;  // a full server: its ERR and BYE follow the usual way
            return;
        case greeting_kind::other_version:
        case greeting_kind::not_chat:
            show(renderer_.error(g.problem));
            finish(1);
            return;
    }
}

void interactive_client::handle(const server_line& line) {
    const auto now = std::chrono::system_clock::now();
    // Rendered before the state learns from it, so that our own NICK reads "you are now ...".
    std::string text = config_.raw ? std::string() : renderer_.render(line, now);
    const bool new_room = line.tag == server_tag::joined && state_.find_room(line.room) == nullptr;
    if (const auto reply = state_.observe(line)) {
        connection_.send(*reply);  // a /pong: never answered, so never an ERR to tell apart
    }
    resume_.observe(line);
    renderer_.set_self(state_.self());
    if (const auto released = replay_.history(line)) {
        on_history(*released);
        update_prompt();
        return;
    }
    if (resume_.resuming()) {
        if (const auto outcome = resume_.resumed(line)) {
            on_resumed(*outcome, text);
        }
    }
    switch (line.tag) {
        case server_tag::hello:
            max_line_ = numeric_limit(line.limits, "max-line").value_or(max_line_);
            if (name_) {
                send_first_line();
                text.clear();  // answered with --name (or the name we had) already
            }
            break;
        case server_tag::welcome:
            on_welcome(line, text);
            break;
        case server_tag::joined:
            on_joined(line, new_room, text);
            break;
        case server_tag::sent:
            if (!config_.raw) {
                if (const auto m = outbox_.accepted()) {
                    text = show_accepted(*m, line.time);
                }
            }
            break;
        case server_tag::pong:
            if (!config_.raw && outbox_.marker_answered(line.text)) {
                text.clear();
            } else if (const auto released = replay_.marker_answered(line.text)) {
                text.clear();
                show(*released);
            } else if (line.text == rejoin_token && !rejoin_.empty()) {
                text.clear();
                rejoin();
            }
            break;
        case server_tag::err: {
            const auto code = parse_protocol_error(line.code);
            if (phase_ == phase::naming && name_sent_ && resume_.resuming() &&
                code == protocol_error::resume_failed) {
                // The session is gone (its time ran out, or the server lost it): register afresh
                // as before resumes existed; WELCOME and the rejoin follow the usual way.
                resume_.refused();
                const std::string name = name_.value_or(state_.self());
                if (!config_.raw) {
                    text = renderer_.resume_refused(line.text, name);
                }
                send_name(name);
                break;
            }
            if (!ever_joined_ && (code == protocol_error::server_full ||
                                  code == protocol_error::too_many_from_address ||
                                  code == protocol_error::too_many_connections)) {
                turned_away_ = true;  // never got in: retrying on our own would only nag
            }
            if (phase_ == phase::naming && name_sent_ &&
                (code == protocol_error::name_taken || code == protocol_error::name_invalid)) {
                name_sent_ = false;
                name_.reset();  // whatever was asked for, the user picks the next one
            } else if (phase_ == phase::chatting && !config_.raw) {
                if (const auto m = outbox_.refused()) {
                    text = renderer_.refused(line, m->line);
                }
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
                text = renderer_.notice("you left the chat");  // our /quit, answered
            }
            break;
        default:
            break;
    }
    if (!config_.raw) {
        show(replay_.show(renderer_.replay_item(line, std::move(text), now)));
    }
    if (phase_ == phase::naming && !name_sent_ && line.tag == server_tag::err && !config_.raw) {
        show(renderer_.notice("type the name you want and press Enter"));
    }
    update_prompt();
}

void interactive_client::on_welcome(const server_line& line, std::string& text) {
    phase_ = phase::chatting;
    name_sent_ = false;
    name_ = state_.self();
    connection_.reset_backoff();
    // Only a server that gives resume tokens (chat/2.1) replays history; with --raw every line
    // is printed as it comes, so nothing is held back.
    replay_.set_enabled(!config_.raw && !line.token.empty());
    const bool again = ever_joined_;
    ever_joined_ = true;
    if (resume_.resuming()) {
        // The session is back: the server restores its rooms (JOINED each) and replays what we
        // missed, then says RESUMED, which is when the user is told. No rejoining by hand.
        text.clear();
        replay_.expect(replay_view::request::resume);
        return;
    }
    if (again && !config_.raw) {
        text = renderer_.notice(fmt::format("back as {}", state_.self()));
    }
    if (const auto marker = replay_.expect(replay_view::request::welcome)) {
        connection_.send(*marker);  // behind the default room's replay, if any
    }
    if (!rejoin_.empty()) {
        send_command(fmt::format("/ping {}", rejoin_token));
    }
}

void interactive_client::on_history(const replay_view::release& released) {
    show(released.lines);
    if (released.end && !config_.raw) {
        if (const auto summary = renderer_.history_summary(*released.end); !summary.empty()) {
            show(summary);
        }
    }
}

void interactive_client::on_resumed(const resume_state::outcome& outcome, std::string& text) {
    show(replay_.resumed());
    if (!config_.raw) {
        text = renderer_.resumed(outcome);
    }
    // The server restored our rooms; if the one that was current is not current now, make it
    // so (a /join of a room we are in only switches), so that plain lines go where they did.
    const auto* current = state_.current_room();
    if (!rejoin_current_.empty() && state_.find_room(rejoin_current_) != nullptr &&
        (current == nullptr || !equal_ignoring_case(current->name, rejoin_current_))) {
        send_command(fmt::format("/join {}", rejoin_current_));
    }
    rejoin_.clear();
    rejoin_current_.clear();
}

void interactive_client::rejoin() {
    // The rooms we were in, in the order we joined them, except the default one the server has
    // put us in again; then the one that was current, if the last /join did not make it so.
    std::string_view last;
    for (const auto& room : rejoin_) {
        if (state_.find_room(room) == nullptr) {
            send_command(fmt::format("/join {}", room));
            last = room;
        }
    }
    const auto* current = state_.current_room();
    if (last.empty() && current != nullptr) {
        last = current->name;
    }
    if (!rejoin_current_.empty() && !equal_ignoring_case(rejoin_current_, last)) {
        send_command(fmt::format("/join {}", rejoin_current_));
    }
    rejoin_.clear();
    rejoin_current_.clear();
}

void interactive_client::on_joined(const server_line& line, bool new_room, std::string& text) {
    if (new_room) {
        send_command(fmt::format("/who {}", line.room));  // who is there, and names for Tab
    } else if (!config_.raw) {
        text = renderer_.switched(line.room, std::chrono::system_clock::now());
    }
}

std::string interactive_client::show_accepted(const own_message& m, std::string_view wire_time) {
    const auto at = parse_timestamp(wire_time).value_or(std::chrono::system_clock::now());
    // The server answers in order, so the current room now is the one it had when it took the
    // line: a /join typed just before has been answered already, one typed after has not.
    const auto* current = state_.current_room();
    const std::string_view here = current != nullptr ? std::string_view(current->name) : "?";
    switch (m.what) {
        case own_message::kind::say:
            return renderer_.own_message(here, m.text, at);
        case own_message::kind::me:
            return renderer_.own_action(here, m.text, at);
        case own_message::kind::room_say: {
            const auto* room = state_.find_room(m.target);
            return renderer_.own_message(room != nullptr ? room->name : m.target, m.text, at);
        }
        case own_message::kind::priv:
            return renderer_.own_private(m.target, m.text, at);
    }
    return {};
}

void interactive_client::send_first_line() {
    // A session the server keeps for us is taken back whole; otherwise, or when it refuses
    // (ERR resume-failed), the name is asked for as before.
    if (const auto resume = resume_.resume_line(*name_)) {
        connection_.send(*resume);
        name_sent_ = true;
        return;
    }
    send_name(*name_);
}

void interactive_client::send_name(std::string_view name) {
    connection_.send(name);
    name_sent_ = true;
}

void interactive_client::send_command(std::string_view line) {
    if (!connection_.send(line)) {
        return;
    }
    outbox_.command_sent();
    if (const auto request = replay_request(line)) {
        if (const auto marker = replay_.expect(*request)) {
            connection_.send(*marker);  // its PONG comes after the whole answer
        }
    }
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
    show(replay_.reset());
    replay_.set_enabled(false);
    // A resume cut short keeps the rooms it was to restore: the state has only some of them.
    if (state_.registered() && !resume_.resuming()) {
        rejoin_.clear();
        for (const auto& r : state_.rooms()) {
            rejoin_.push_back(r.name);
        }
        const auto* current = state_.current_room();
        rejoin_current_ = current != nullptr ? current->name : std::string();
    }
    state_.reset();
    resume_.connection_lost();
    name_sent_ = false;
    if (phase_ == phase::leaving) {
        finish(0);
        return;
    }
    if (!greeted_ && !ever_greeted_) {
        show(renderer_.error(no_greeting_problem(connection_.peer(),
                                                 ec == boost::asio::error::timed_out,
                                                 client_connection::first_line_timeout.count())));
        finish(1);
        return;
    }
    if (turned_away_) {
        finish(1);  // the server is full: the error above said so
        return;
    }
    phase_ = phase::offline;
    for (const auto& m : outbox_.drop_all()) {
        show(renderer_.error(fmt::format("not confirmed by the server: {}", m.line)));
    }
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
            } else if (!trim(line, " \t").empty()) {
                show(renderer_.error("not connected, so that was not sent (Up brings it back)"));
            }
            return;
        case phase::naming:
            if (quit) {
                finish(0);  // not in the room yet: nobody to say goodbye to
            } else if (name_sent_) {
                show(renderer_.notice("still waiting for the server to accept the name"));
            } else {
                name_ = std::string(trim(line, " \t"));
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
    std::string switched;
    if (cmd.kind == command_kind::unknown && cmd.target == switch_command) {
        const auto room = trim(split_word(line).second);
        if (room.empty()) {
            show(renderer_.error("usage: /switch #ROOM"));
            return;
        }
        switched = fmt::format("/join {}", room);
        line = switched;
    }
    if (line.size() > max_line_) {
        // The server would refuse it; say so now rather than let it go out at all.
        show(renderer_.error(
            fmt::format("that line is {} bytes, over the server's limit of {}; it was not sent",
                        line.size(), max_line_)));
        return;
    }
    if (!connection_.connected()) {
        show(renderer_.error("not connected, so that was not sent"));
        return;
    }
    if (config_.raw) {
        connection_.send(line);  // the server's lines are all there is to see
        return;
    }
    auto message = as_message(cmd, line);
    if (!message) {
        send_command(line);  // commands: the server's answer is what we show
        return;
    }
    if (const auto marker = outbox_.message_sent(std::move(*message))) {
        connection_.send(*marker);
    }
    connection_.send(line);  // shown when its SENT arrives
}

void interactive_client::on_input_end() {
    leave("/quit");
}

std::optional<completion> interactive_client::on_complete(std::string_view line,
                                                          std::size_t cursor) {
    if (phase_ != phase::chatting) {
        return std::nullopt;
    }
    completion_sources from;
    from.names = state_.everyone();
    for (const auto& r : state_.rooms()) {
        from.rooms.push_back(r.name);
    }
    from.known_rooms = state_.known_rooms();
    for (const auto c : command_names) {
        from.commands.emplace_back(c);
    }
    from.commands.emplace_back(switch_command);
    if (std::ranges::find(command_names, history_command) == command_names.end()) {
        from.commands.emplace_back(history_command);  // until common/protocol lists it
    }
    from.self = state_.self();
    return complete_line(from, line, cursor);
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
        case phase::leaving: {
            const auto* room = state_.current_room();
            if (room == nullptr) {
                ui_.set_prompt(color ? "\x1b[2m(no room)\x1b[0m> " : "(no room)> ");
            } else {
                ui_.set_prompt(fmt::format("{}> ", renderer_.room(room->name)));
            }
            return;
        }
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

void interactive_client::show(const std::vector<std::string>& lines) {
    for (const auto& l : lines) {
        ui_.print(l);
    }
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
