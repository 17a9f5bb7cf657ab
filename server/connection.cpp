#include "server/connection.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/encode.hpp"
#include "common/names.hpp"
#include "common/reply_text.hpp"
#include "common/room_names.hpp"
#include "common/text_check.hpp"
#include "common/text_util.hpp"
#include "server/room.hpp"
#include "server/room_history.hpp"

namespace chat {

namespace {

/// The most names one connection may ignore.
constexpr std::size_t max_ignores = 100;
/// The most rooms one `/rooms` answer lists.
constexpr std::size_t max_rooms_listed = 500;
/// Messages a resume replays per turn of the event loop: a few hundred microseconds of work,
/// so that a resume of ten thousand never holds the loop for long.
constexpr std::size_t replay_part = 256;
/// Notices (JOIN, LEAVE, NICK, TOPIC) a resume replay holds back at most; more are dropped.
constexpr std::size_t max_held_notices = 4096;
/// Bytes of the user's own lines a resume replay holds back at most (flood control bounds how
/// fast they come); past it, the line is refused.
constexpr std::size_t max_waiting_bytes = std::size_t{64} * 1024;

std::int64_t epoch_ms(std::chrono::system_clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

/// What a detached session stands on: no peer, nothing sent.
class detached_transport final : public transport {
  public:
    void deliver(const frame& /*f*/, urgency /*when*/) override {}
    void close(close_reason /*reason*/, std::string_view /*text*/) override {}
    std::size_t queued_bytes() const override { return 0; }
    std::string describe_peer() const override { return "detached"; }
    bool logged() const override { return false; }
    void continue_later() override {}
};

detached_transport& no_transport() {
    static detached_transport t;
    return t;
}

/// Whether `f` is a message line (MSG, ME, PRIV), which a resume replays from the history.
bool is_message_frame(const frame& f) {
    const std::string_view b = f.bytes();
    return b.starts_with("MSG ") || b.starts_with("ME ") || b.starts_with("PRIV ");
}

}  // namespace

connection::connection(transport& t, hub& h, clock::time_point now)
    : transport_(t),
      hub_(h),
      rooms_(h.memory_resource),
      phase_started_(now),
      last_heard_(now),
      serial_(++h.serials),
      // Four seconds' worth at once, and never less than one longest line.
      private_budget_(
          h.config.private_rate,
          std::max(4 * h.config.private_rate, static_cast<double>(h.config.max_line) + 256), now) {
    ++hub_.connections;
}

connection::~connection() {
    // Every close path runs on_close first; this only guarantees that no room or directory
    // entry can outlive the connection whatever happens. After on_close it touches nothing
    // shared, so a session destroyed late (after the server, on an exceptional exit) is safe.
    on_close(close_reason::shutdown, {});
}

void connection::start() {
    reply(encode_hello(hub_.directs, hub_.hello_limits, reply_text::hello));
}

void connection::send_error(protocol_error code, std::string_view text) {
    reply(encode_error(hub_.directs, code, text));
}

void connection::on_line_too_long() {
    if (state_ != state::gone) {
        send_error(protocol_error::line_too_long, reply_text::line_too_long(hub_.config.max_line));
    }
}

void connection::on_line(std::string_view line, clock::time_point now) {
    if (state_ == state::gone) {
        return;
    }
    last_heard_ = now;  // a whole line is a sign of life; a trickle of bytes is not
    if (replay_ != nullptr) [[unlikely]] {
        // A resume is replaying: the user's lines wait for RESUMED, in order.
        if (replay_->waiting_bytes + line.size() > max_waiting_bytes) {
            send_error(protocol_error::usage, reply_text::wait_for_resume());
            return;
        }
        replay_->waiting_bytes += line.size();
        replay_->waiting_lines.emplace_back(line);
        return;
    }
    if (const auto fault = check_text(line); fault != text_fault::ok) {
        send_error(protocol_error::bad_encoding, reply_text::bad_encoding(fault));
        return;
    }
    if (state_ == state::handshake) {
        handle_name(line);
    } else {
        handle_command(line);
    }
}

void connection::handle_name(std::string_view line) {
    if (split_word(line).first == "/resume") {  // no name starts with '/'
        if (const auto req = parse_resume(line)) {
            resume(*req);
        } else {
            send_error(protocol_error::usage, reply_text::usage("resume"));
        }
        return;
    }
    const std::string_view wanted = trim(line, " \t");
    std::string chosen = wanted.empty() ? hub_.names.generate() : std::string(wanted);
    if (const auto fault = check_name(chosen); fault != name_fault::ok) {
        send_error(protocol_error::name_invalid, reply_text::name_invalid(fault, true));
        return;
    }
    if (!hub_.names.claim(chosen, *this)) {
        send_error(protocol_error::name_taken,
                   reply_text::name_taken(wanted, holder_of(wanted), true));
        return;
    }
    name_ = std::move(chosen);
    state_ = state::registered;
    first_id_ = hub_.ids.last();
    session_ = new_session_id();
    welcome();
    if (transport_.logged()) {
        spdlog::info("{} registered as {}", transport_.describe_peer(), name_);
    }
    if (!hub_.config.default_room.empty()) {
        join(hub_.config.default_room);
    }
}

std::string_view connection::holder_of(std::string_view name) const {
    const connection* holder = hub_.names.look_alike(name);
    return holder == nullptr ? std::string_view{} : std::string_view{holder->name_};
}

void connection::handle_command(std::string_view line) {
    const command cmd = parse_command(line);
    switch (cmd.kind) {
        case command_kind::empty:
            return;
        case command_kind::say:
        case command_kind::me:
            if (current_ == nullptr) {
                send_error(protocol_error::not_in_room, reply_text::not_in_any_room());
                return;
            }
            send_to_room(*current_, cmd.kind == command_kind::me ? server_tag::me : server_tag::msg,
                         cmd.text);
            return;
        case command_kind::room_say:
            if (room* r = member_room(cmd.target)) {
                send_to_room(*r, server_tag::msg, cmd.text);
            }
            return;
        case command_kind::private_message:
            send_private(cmd.target, cmd.text);
            return;
        case command_kind::nick:
            rename(cmd.target);
            return;
        case command_kind::join:
            join(cmd.target);
            return;
        case command_kind::part:
            part(cmd.target, cmd.text);
            return;
        case command_kind::rooms:
            list_rooms(cmd.text);
            return;
        case command_kind::topic:
            topic(cmd.target, cmd.text);
            return;
        case command_kind::who:
            who(cmd.target);
            return;
        case command_kind::ping:
            reply(encode_pong(hub_.directs, cmd.text));
            return;
        case command_kind::pong:
            if (cmd.text == decimal(ping_sent_).view()) {
                ping_sent_ = 0;
            }
            return;
        case command_kind::help:
            for (const auto text : reply_text::help()) {
                reply(encode_info(hub_.directs, text));
            }
            return;
        case command_kind::stats:
            stats();
            return;
        case command_kind::ignore:
            ignore(cmd.target);
            return;
        case command_kind::unignore:
            unignore(cmd.target);
            return;
        case command_kind::history:
            show_history(cmd.target, cmd.text);
            return;
        case command_kind::resume:
            send_error(protocol_error::usage, reply_text::resume_registered());
            return;
        case command_kind::quit:
            transport_.close(close_reason::quit, cmd.text);
            return;
        case command_kind::unknown:
            send_error(protocol_error::unknown_command, reply_text::unknown_command(cmd.target));
            return;
        case command_kind::usage:
            send_error(protocol_error::usage, reply_text::usage(cmd.target));
            return;
    }
}

// ---------------------------------------------------------------------------------------------
// Rooms

std::size_t connection::membership_of(const room& r) const {
    // A connection is in at most max-rooms (50 by default) rooms: a scan beats any index.
    const auto it = std::find_if(rooms_.begin(), rooms_.end(),
                                 [&](const membership& m) { return m.where == &r; });
    return static_cast<std::size_t>(it - rooms_.begin());
}

room* connection::member_room(std::string_view name) {
    if (name.empty()) {
        if (current_ == nullptr) {
            send_error(protocol_error::not_in_room, reply_text::not_in_any_room());
        }
        return current_;
    }
    if (check_room_name(name) != room_name_fault::ok) {
        send_error(protocol_error::room_name_invalid, reply_text::room_name_invalid(name));
        return nullptr;
    }
    room* r = hub_.rooms.find(name);
    if (r == nullptr || membership_of(*r) == rooms_.size()) {
        send_error(protocol_error::not_in_room, reply_text::not_in_room(name));
        return nullptr;
    }
    return r;
}

void connection::join(std::string_view room_name, bool replay) {
    if (check_room_name(room_name) != room_name_fault::ok) {
        send_error(protocol_error::room_name_invalid, reply_text::room_name_invalid(room_name));
        return;
    }
    room* existing = hub_.rooms.find(room_name);
    if (existing != nullptr && membership_of(*existing) < rooms_.size()) {
        // Already in: /join only makes it current again, and says so. Nobody else is told.
        current_ = existing;
        confirm_join(*existing);
        return;
    }
    if (rooms_.size() >= hub_.config.max_rooms) {
        send_error(protocol_error::too_many_rooms,
                   reply_text::too_many_rooms(hub_.config.max_rooms));
        return;
    }
    room& r = existing != nullptr ? *existing : hub_.rooms.find_or_create(room_name);
    if (r.recent() == nullptr) {
        // A new room: its recent history, and its topic if a store kept one.
        r.set_recent(&hub_.messages.open_room(r.key()));
        if (history_store* store = hub_.messages.store()) {
            if (auto t = store->load_topic(r.key())) {
                r.set_topic(std::move(*t));
            }
        }
    }
    // The joiner's confirmation comes before any other line of the room, then what was said
    // there last, then live traffic; the others' notice after. All are queued here, in this
    // order, on one thread, so nothing falls between the replay and the live lines.
    r.add(*this);
    current_ = &r;
    confirm_join(r);
    if (replay && hub_.config.history_on_join > 0) {
        replay_page(r, hub_.messages.latest(*r.recent(), r.key(), hub_.config.history_on_join));
    }
    r.broadcast(encode_join(hub_.broadcasts, r.name(), name_), this, urgency::soon);
    if (replay_ != nullptr) {
        replay_->room_keys.push_back(r.key());  // joined while a resume replays
    }
    if (hub_.messages.store() != nullptr) {
        save_resume_record(resume_tokens::open_ended);  // for a resume after a crash
    }
}

void connection::confirm_join(const room& r) {
    reply(encode_joined(hub_.directs, r.name(), r.size(), reply_text::joined(r.name())));
    if (const auto& t = r.topic()) {
        reply(encode_topic(hub_.directs, r.name(), t->setter, t->time, t->text));
    }
}

void connection::part(std::string_view room_name, std::string_view reason) {
    room* r = member_room(room_name);
    if (r == nullptr) {
        return;
    }
    reply(encode_parted(hub_.directs, r->name()));
    leave_room(membership_of(*r), leave_reason::part, reason, true);
    if (hub_.messages.store() != nullptr) {
        save_resume_record(resume_tokens::open_ended);
    }
}

void connection::leave_room(std::size_t membership_index, leave_reason reason,
                            std::string_view text, bool notify) {
    room& r = *rooms_[membership_index].where;
    room::remove(*this, membership_index);
    if (notify && !r.empty()) {
        r.broadcast(encode_leave(hub_.broadcasts, r.name(), name_, reason, text), nullptr,
                    urgency::soon);
    }
    if (current_ == &r) {
        current_ = rooms_.empty() ? nullptr : rooms_.back().where;
    }
    if (r.empty()) {
        hub_.messages.room_closed(r.key());
    }
    hub_.rooms.remove_if_empty(r);
}

void connection::send_to_room(room& r, server_tag tag, std::string_view text) {
    SPDLOG_DEBUG("{} {} {}: {}", to_string(tag), r.name(), name_, text);
    const std::uint64_t id = hub_.ids.next();
    // Milliseconds are what is kept and what the time text shows, so a replay shows the same.
    const std::int64_t at_ms = epoch_ms(std::chrono::system_clock::now());
    const auto time = hub_.clock_text.format(
        std::chrono::system_clock::time_point(std::chrono::milliseconds(at_ms)));
    const decimal id_text{id};
    // Recorded before it is queued for anyone; the server commits before any write.
    hub_.messages.record_room(*r.recent(), r.key(),
                              {id, tag == server_tag::me ? message_kind::me : message_kind::msg,
                               at_ms, r.name(), name_, std::string(text)});
    r.broadcast(
        encode_room_message(hub_.broadcasts, tag, r.name(), id_text.view(), time, name_, text),
        this, urgency::now);
    reply(encode_sent(hub_.directs, id_text.view(), time));
}

void connection::send_private(std::string_view to, std::string_view text) {
    connection* target = hub_.names.find(to);
    if (target == nullptr) {
        send_error(protocol_error::no_such_user, reply_text::no_such_user(to));
        return;
    }
    if (target == this || target->ignores(*this)) {
        // Nobody receives their own messages; an ignored sender is told nothing. Either way the
        // sender gets its SENT as if the message went through.
        const decimal id{hub_.ids.next()};
        reply(encode_sent(hub_.directs, id.view(),
                          hub_.clock_text.format(std::chrono::system_clock::now())));
        return;
    }
    if (!target->accept_private(text.size(), last_heard_)) {
        send_error(protocol_error::target_busy, reply_text::target_busy(target->name_));
        return;
    }
    // Private bodies never reach the log, at any level.
    const std::uint64_t id = hub_.ids.next();
    const std::int64_t at_ms = epoch_ms(std::chrono::system_clock::now());
    const auto time = hub_.clock_text.format(
        std::chrono::system_clock::time_point(std::chrono::milliseconds(at_ms)));
    const decimal id_text{id};
    // Kept for the recipient's resume (it may be detached right now) under both parties' keys,
    // the only two who can ever read it back.
    hub_.messages.record_private(session_text(session_), session_text(target->session_),
                                 {id, message_kind::priv, at_ms, {}, name_, std::string(text)});
    target->deliver(encode_private(hub_.directs, id_text.view(), time, name_, text), urgency::now);
    reply(encode_sent(hub_.directs, id_text.view(), time));
}

void connection::rename(std::string_view new_name) {
    if (const auto fault = check_name(new_name); fault != name_fault::ok) {
        send_error(protocol_error::name_invalid, reply_text::name_invalid(fault, false));
        return;
    }
    if (new_name == name_) {
        return;  // nothing changes, nobody needs telling
    }
    if (!hub_.names.rename(name_, new_name, *this)) {
        send_error(protocol_error::name_taken,
                   reply_text::name_taken(new_name, holder_of(new_name), false));
        return;
    }
    if (transport_.logged()) {
        spdlog::info("{} renamed {} -> {}", transport_.describe_peer(), name_, new_name);
    }
    const frame f = encode_nick(hub_.broadcasts, name_, new_name);
    name_ = std::string(new_name);
    if (hub_.messages.store() != nullptr) {
        save_resume_record(resume_tokens::open_ended);  // a resume after a crash: the new name
    }
    // Once to each connection that shares at least one room, and to the user: a mark per walk
    // instead of a set, so the walk allocates nothing whatever the rooms' sizes.
    const std::uint64_t mark = ++hub_.visit_mark;
    visit_mark_ = mark;
    deliver(f, urgency::soon);
    std::size_t visited = 0;
    for (const auto& m : rooms_) {
        m.where->member_list_changed();
        visited += m.where->size();
        m.where->for_each_member([&](connection& c) {
            if (c.visit_mark_ != mark) {
                c.visit_mark_ = mark;
                c.deliver(f, urgency::soon);
            }
        });
    }
    // A rename in many big rooms is a big broadcast: it costs flood budget like a long answer.
    extra_cost_bytes_ += visited * f.size;
}

void connection::who(std::string_view room_name) {
    if (!room_name.empty() && check_room_name(room_name) == room_name_fault::ok &&
        hub_.rooms.find(room_name) == nullptr) {
        send_error(protocol_error::no_such_room, reply_text::no_such_room(room_name));
        return;
    }
    room* r = member_room(room_name);
    if (r == nullptr) {
        return;
    }
    reply_list(r->member_list(hub_.directs, hub_.config.max_line));
}

void connection::reply_list(const std::vector<frame>& frames) {
    for (const frame& f : frames) {
        reply(f);
        extra_cost_bytes_ += f.size;
    }
}

void connection::list_rooms(std::string_view prefix) {
    if (!prefix.empty() && (prefix.front() != '#' || prefix.find(' ') != std::string_view::npos)) {
        send_error(protocol_error::usage, reply_text::usage("rooms"));
        return;
    }
    // A server may hold hundreds of thousands of rooms: the answer is at most a few hundred,
    // taken in name order from the prefix, and says when there are more.
    std::vector<std::string> entries;
    bool more = false;
    hub_.rooms.for_each_from(prefix, [&](const room& r) {
        if (entries.size() == max_rooms_listed) {
            more = true;
            return false;
        }
        entries.push_back(r.name() + ':' + std::to_string(r.size()));
        return true;
    });
    const std::vector<std::string_view> views(entries.begin(), entries.end());
    reply_list(encode_rooms(hub_.directs, views, hub_.config.max_line));
    if (more) {
        reply(encode_info(hub_.directs, reply_text::more_rooms(max_rooms_listed)));
    }
}

void connection::topic(std::string_view room_name, std::string_view text) {
    room* r = nullptr;
    if (room_name.empty()) {
        r = member_room({});
    } else if (check_room_name(room_name) != room_name_fault::ok) {
        send_error(protocol_error::room_name_invalid, reply_text::room_name_invalid(room_name));
    } else if (r = hub_.rooms.find(room_name); r == nullptr) {
        send_error(protocol_error::no_such_room, reply_text::no_such_room(room_name));
    }
    if (r == nullptr) {
        return;
    }
    if (text.empty()) {
        if (const auto& t = r->topic()) {
            reply(encode_topic(hub_.directs, r->name(), t->setter, t->time, t->text));
        } else {
            reply(encode_info(hub_.directs, reply_text::no_topic(r->name())));
        }
        return;
    }
    if (membership_of(*r) == rooms_.size()) {
        send_error(protocol_error::not_in_room, reply_text::not_in_room(r->name()));
        return;
    }
    if (text.size() > max_topic_length) {
        send_error(protocol_error::usage, reply_text::topic_too_long(max_topic_length));
        return;
    }
    const auto time = hub_.clock_text.format(std::chrono::system_clock::now());
    r->set_topic({std::string(text), name_, std::string(time)});
    if (history_store* store = hub_.messages.store()) {
        store->save_topic(r->key(), r->topic());
    }
    r->broadcast(encode_topic(hub_.broadcasts, r->name(), name_, time, text), nullptr,
                 urgency::now);
}

bool connection::accept_private(std::size_t bytes, clock::time_point now) {
    // Many senders, each within its own flood limit, could still bury one reader: the budget
    // is the reader's, and a reader already a quarter of its queue behind takes nothing more.
    const std::size_t limit = hub_.config.max_send_queue;
    if (limit != 0 && transport_.queued_bytes() > limit / 4) {
        return false;
    }
    return private_budget_.try_take(static_cast<double>(bytes), now);
}

bool connection::ignores(const connection& from) {
    if (ignores_.empty()) {
        return false;
    }
    const std::string key = name_key(from.name_);
    for (auto& i : ignores_) {
        if (i.serial == from.serial_) {
            return true;
        }
        if (i.key == key) {
            i.serial = from.serial_;  // ignored by name before: now follow this user's renames
            return true;
        }
    }
    return false;
}

void connection::ignore(std::string_view name) {
    if (name.empty()) {
        std::string names;
        for (const auto& i : ignores_) {
            names.append(names.empty() ? "" : " ").append(i.shown);
        }
        reply(encode_info(hub_.directs, reply_text::ignore_list(names)));
        return;
    }
    if (const auto fault = check_name(name); fault != name_fault::ok) {
        send_error(protocol_error::name_invalid, reply_text::name_invalid(fault, false));
        return;
    }
    const connection* who = hub_.names.find(name);
    const std::string key = name_key(name);
    const bool known = std::any_of(ignores_.begin(), ignores_.end(),
                                   [&](const ignored& i) { return i.key == key; });
    if (!known) {
        if (ignores_.size() >= max_ignores) {
            send_error(protocol_error::usage, reply_text::ignore_list_full(max_ignores));
            return;
        }
        ignores_.push_back({who != nullptr ? who->serial_ : 0, key, std::string(name)});
    }
    reply(encode_info(hub_.directs, reply_text::ignoring(name)));
}

void connection::unignore(std::string_view name) {
    const std::string key = name_key(name);
    const connection* who = hub_.names.find(name);
    std::erase_if(ignores_, [&](const ignored& i) {
        return i.key == key || (who != nullptr && i.serial == who->serial_);
    });
    reply(encode_info(hub_.directs, reply_text::not_ignoring(name)));
}

void connection::stats() {
    // Detached sessions have no connection: they are users (their names are held), not
    // connections.
    reply(encode_info(hub_.directs,
                      reply_text::stats(hub_.connections - hub_.detached.size(), hub_.names.size(),
                                        hub_.rooms.size(), hub_.ids.last())));
}

// ---------------------------------------------------------------------------------------------
// Leaving and deadlines

void connection::on_close(close_reason reason, std::string_view text) {
    if (state_ == state::gone) {
        return;
    }
    const bool was_registered = state_ == state::registered;
    if (was_registered && keeps_session(reason) && hub_.config.resume_grace.count() > 0 &&
        &transport_ != &no_transport()) {
        detach();
        return;
    }
    state_ = state::gone;
    replay_.reset();
    --hub_.connections;
    if (!was_registered) {
        return;
    }
    // The token stays good for --resume-ttl: a later /resume brings the user back to these rooms.
    save_resume_record(epoch_ms(std::chrono::system_clock::now()) +
                       std::chrono::milliseconds(hub_.config.resume_ttl).count());
    // At shutdown everyone leaves at once: nobody needs the others' LEAVE.
    const bool notify = reason != close_reason::shutdown;
    while (!rooms_.empty()) {
        leave_room(rooms_.size() - 1, to_leave_reason(reason), text, notify);
    }
    hub_.names.release(name_);
}

std::optional<close_reason> connection::check_deadlines(clock::time_point now) {
    const auto& c = hub_.config;
    switch (state_) {
        case state::handshake:
            if (c.handshake_timeout.count() > 0 && now - phase_started_ >= c.handshake_timeout) {
                return close_reason::handshake_timeout;
            }
            return std::nullopt;
        case state::registered: {
            if (c.idle_timeout.count() == 0) {
                return std::nullopt;
            }
            const auto quiet = now - last_heard_;
            if (quiet >= c.idle_timeout) {
                return close_reason::idle_timeout;
            }
            if (quiet < c.idle_timeout / 2) {
                ping_sent_ = 0;  // heard from since the last PING, which needs no answer now
            } else if (ping_sent_ == 0) {
                ping_sent_ = ++hub_.ping_tokens;
                reply(encode_ping(hub_.directs, decimal(ping_sent_).view()));
            }
            return std::nullopt;
        }
        case state::gone:
            return std::nullopt;
    }
    return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// History

void connection::replay_line(const stored_message& m) {
    const auto time = hub_.replay_clock_text.format(
        std::chrono::system_clock::time_point(std::chrono::milliseconds(m.at_ms)));
    const decimal id{m.id};
    frame f = m.kind == message_kind::priv
                  ? encode_private(hub_.directs, id.view(), time, m.sender, m.text)
                  : encode_room_message(
                        hub_.directs, m.kind == message_kind::me ? server_tag::me : server_tag::msg,
                        m.room, id.view(), time, m.sender, m.text);
    // History costs flood budget, at a quarter of what a list answer's bytes cost: paging back
    // through a room of long lines must not leave its reader unable to talk for a minute.
    extra_cost_bytes_ += f.size / 4;
    reply(f);
}

void connection::replay_page(const room& r, history_page page, bool keep_newest) {
    // At most a quarter of --max-send-queue in one answer: a page of long lines must not get its
    // own reader dropped as a slow consumer. What does not fit is left for the next page (more).
    const std::size_t budget = replay_byte_budget(hub_.config);
    std::size_t bytes = 0;
    std::size_t fits = 0;
    const auto line_bytes = [](const stored_message& m) {
        return m.room.size() + m.sender.size() + m.text.size() + 64;  // tag, id, time, spaces
    };
    for (std::size_t i = 0; i < page.messages.size(); ++i) {
        const auto& m =
            keep_newest ? page.messages[page.messages.size() - 1 - i] : page.messages[i];
        bytes += line_bytes(m);
        if (bytes > budget && fits > 0) {
            break;
        }
        ++fits;
    }
    if (fits < page.messages.size()) {
        const auto cut = static_cast<std::ptrdiff_t>(page.messages.size() - fits);
        if (keep_newest) {
            page.messages.erase(page.messages.begin(), page.messages.begin() + cut);
        } else {
            page.messages.erase(page.messages.end() - cut, page.messages.end());
        }
        // Kept, only not sent now: going back, what is left is `more` (a gap shows on the next
        // page); going forward, a gap at the start still stands.
        if (keep_newest || page.status == page_status::complete) {
            page.status = page_status::more;
        }
    }
    for (const auto& m : page.messages) {
        replay_line(m);
    }
    reply(encode_history(hub_.directs, r.name(), page.status, page.messages.size()));
}

void connection::show_history(std::string_view room_name, std::string_view args) {
    room* r = member_room(room_name);
    if (r == nullptr) {
        return;
    }
    const auto q = parse_history_query(args);
    if (!q) {
        send_error(protocol_error::usage, reply_text::usage("history"));
        return;
    }
    const std::size_t default_limit =
        hub_.config.history_on_join > 0 ? hub_.config.history_on_join : 50;
    const std::size_t limit = std::min<std::uint64_t>(q->limit == 0 ? default_limit : q->limit,
                                                      hub_.config.history_max_page);
    room_history& ring = *r->recent();
    switch (q->direction) {
        case history_direction::latest:
            replay_page(*r, hub_.messages.latest(ring, r->key(), limit));
            return;
        case history_direction::before:
            replay_page(*r, hub_.messages.before(ring, r->key(), q->id, limit));
            return;
        case history_direction::after:
            replay_page(*r, hub_.messages.after(ring, r->key(), q->id, limit), false);
            return;
    }
}

// ---------------------------------------------------------------------------------------------
// Resume

void connection::welcome() {
    const std::string token = new_resume_token();
    token_ = hash_token(token);
    if (hub_.messages.store() != nullptr) {
        save_resume_record(resume_tokens::open_ended);  // a resume after a crash needs it
    }
    reply(encode_welcome(hub_.directs, name_, token, reply_text::welcome(name_)));
}

void connection::save_resume_record(std::int64_t expires_ms) {
    std::vector<std::string> rooms;
    rooms.reserve(rooms_.size());
    for (const auto& m : rooms_) {
        if (m.where != current_) {
            rooms.push_back(m.where->name());
        }
    }
    if (current_ != nullptr) {
        rooms.push_back(current_->name());  // rejoined last, so current again
    }
    hub_.tokens.update(token_, name_, std::move(rooms), expires_ms, first_id_,
                       session_text(session_));
}

void connection::adopt(connection& from) {
    name_ = std::move(from.name_);
    rooms_ = std::move(from.rooms_);
    from.rooms_.clear();
    for (const membership& m : rooms_) {
        m.where->members_[m.slot].who = this;  // the room's entry for it, slot unchanged
    }
    current_ = std::exchange(from.current_, nullptr);
    ignores_ = std::move(from.ignores_);
    serial_ = from.serial_;  // /ignore follows the user, not the connection
    private_budget_ = from.private_budget_;
    token_ = from.token_;
    first_id_ = from.first_id_;
    session_ = from.session_;
    hub_.names.transfer(name_, *this);
    state_ = state::registered;
    from.state_ = state::gone;
    from.replay_.reset();
    --hub_.connections;  // `from` counted itself, and its on_close does nothing now
}

void connection::detach() {
    if (hub_.config.max_clients != 0 && hub_.detached.size() >= hub_.config.max_clients) {
        // A storm of lost connections must not keep unbounded state: the oldest grace ends now.
        expire_detached(hub_, clock::time_point::max(), 1);
    }
    auto d = std::make_unique<connection>(no_transport(), hub_, last_heard_);
    d->adopt(*this);
    d->phase_started_ = clock::now() + hub_.config.resume_grace;  // the end of its grace
    if (transport_.logged()) {
        spdlog::info(
            "{} lost the connection; {} may resume for {} s", transport_.describe_peer(), d->name_,
            std::chrono::duration_cast<std::chrono::seconds>(hub_.config.resume_grace).count());
    }
    hub_.detached.push_back(std::move(d));
}

std::size_t connection::expire_detached(hub& h, clock::time_point now, std::size_t at_most) {
    std::size_t ended = 0;
    std::erase_if(h.detached, [&](const std::unique_ptr<connection>& c) {
        if (ended >= at_most || c->phase_started_ > now) {
            return false;
        }
        ++ended;
        spdlog::info("{}: no resume within the grace; leaving", c->name_);
        c->on_close(close_reason::idle_timeout, {});  // LEAVE <room> <name> timeout
        return true;
    });
    return ended;
}

void connection::resume(const resume_request& req) {
    // Nothing but the error for a wrong token: the name alone must reveal nothing.
    if (!is_resume_token(req.token)) {
        send_error(protocol_error::resume_failed, reply_text::resume_unknown());
        return;
    }
    const token_hash hash = hash_token(req.token);
    connection* holder = hub_.names.find(req.name);
    if (holder == nullptr || holder->token_ != hash) {
        holder = nullptr;
    }
    std::optional<resume_record> record;
    if (holder == nullptr) {
        // Not a session that is alive or in its grace: one that ended, or from before a restart.
        record = hub_.tokens.find(hash, epoch_ms(std::chrono::system_clock::now()));
        if (!record || name_key(record->name) != name_key(req.name)) {
            send_error(protocol_error::resume_failed, reply_text::resume_unknown());
            return;
        }
        if (hub_.names.look_alike(record->name) != nullptr) {
            send_error(protocol_error::resume_failed, reply_text::resume_name_taken(record->name));
            return;
        }
    }
    hub_.tokens.erase(hash);  // a token is used once
    if (holder != nullptr) {
        // Detached in its grace, or still open (half-open after a network change, or another
        // device): take it over; the rooms see nothing.
        const bool detached = &holder->transport_ == &no_transport();
        transport& old = holder->transport_;
        adopt(*holder);
        if (detached) {
            std::erase_if(hub_.detached, [&](const auto& c) { return c.get() == holder; });
        } else {
            old.close(close_reason::resumed_elsewhere, {});
        }
        welcome();
        // The current room last, as after a rejoin: a client takes the last JOINED as current.
        for (const auto& m : rooms_) {
            if (m.where != current_) {
                confirm_join(*m.where);
            }
        }
        if (current_ != nullptr) {
            confirm_join(*current_);
        }
    } else {
        // After the grace, a clean leave or a restart: back into the rooms as a newcomer would
        // come (the others see JOIN), without their latest lines (the replay below has them).
        if (!hub_.names.claim(record->name, *this)) {
            send_error(protocol_error::resume_failed, reply_text::resume_name_taken(record->name));
            return;
        }
        name_ = record->name;
        state_ = state::registered;
        first_id_ = record->first_id;
        session_ = parse_session_text(record->session).value_or(new_session_id());
        welcome();
        for (const auto& name : record->rooms) {
            if (check_room_name(name) == room_name_fault::ok &&
                rooms_.size() < hub_.config.max_rooms) {
                join(name, false);
            }
        }
    }
    if (transport_.logged()) {
        spdlog::info("{} resumed as {} after id {}", transport_.describe_peer(), name_,
                     req.last_id);
    }
    replay_ = std::make_unique<replay_state>();
    replay_->self_key = name_key(name_);
    // Nothing from before the session began can have been missed: a low (or forged) last id
    // must not replay a room's whole history.
    replay_->after_id = std::max(req.last_id, first_id_);
    for (const auto& m : rooms_) {
        replay_->room_keys.push_back(m.where->key());
    }
    continue_replay();
}

bool connection::continue_replay() {
    if (replay_ == nullptr || state_ != state::registered) {
        replay_.reset();
        return false;
    }
    auto page = hub_.messages.missed(replay_->room_keys, replay_->self_key, session_text(session_),
                                     replay_->after_id, replay_part);
    replay_->gap = replay_->gap || page.status == page_status::gap;
    const std::size_t budget = replay_byte_budget(hub_.config);
    bool cut_short = false;
    for (const auto& m : page.messages) {
        if (transport_.queued_bytes() > budget) {
            cut_short = true;  // the rest once the peer has read this much
            break;
        }
        replay_->after_id = m.id;
        const bool hidden = m.kind == message_kind::priv &&
                            std::any_of(ignores_.begin(), ignores_.end(), [&](const ignored& i) {
                                return i.key == name_key(m.sender);
                            });
        if (!hidden) {
            replay_line(m);
            ++replay_->count;
        }
    }
    extra_cost_bytes_ = 0;  // a resume is not a flood: the replay costs no budget
    // A gap is reported once, at the start of what is kept; what follows it may still be more.
    const bool more = cut_short || page.status == page_status::more ||
                      (page.status == page_status::gap && !page.messages.empty());
    if (more) {
        transport_.continue_later();
        return true;
    }
    finish_replay();
    return false;
}

void connection::hold(const frame& f) {
    // Messages are in the history and come in the replay, in order; notices wait for its end.
    if (!is_message_frame(f) && replay_->held.size() < max_held_notices) {
        replay_->held.push_back(f);
    }
}

void connection::finish_replay() {
    reply(encode_resumed(hub_.directs, replay_->count,
                         replay_->gap ? page_status::gap : page_status::complete));
    const auto held = std::move(replay_->held);
    const auto waiting = std::move(replay_->waiting_lines);
    replay_.reset();
    for (const frame& f : held) {
        transport_.deliver(f, urgency::soon);
    }
    for (const auto& line : waiting) {
        if (state_ != state::registered) {
            break;  // a /quit among them
        }
        on_line(line, last_heard_);
    }
}

}  // namespace chat
