#include "common/reply_text.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include <fmt/format.h>

#include "common/names.hpp"
#include "common/protocol.hpp"

namespace chat {

std::string format_limits(const hello_limits& l) {
    return fmt::format(
        "max-line={},max-name={},max-rooms={},max-room-name={},max-topic={},rate={},burst={},"
        "max-send-queue={},idle-timeout={},handshake-timeout={}",
        l.max_line, l.max_name, l.max_rooms, l.max_room_name, l.max_topic, l.rate, l.burst,
        l.max_send_queue, l.idle_timeout, l.handshake_timeout);
}

namespace reply_text {

std::string welcome(std::string_view name) {
    return fmt::format("Hello {}! /help lists the commands.", name);
}

std::string joined(std::string_view room) {
    return fmt::format("you are now talking in {}", room);
}

std::string name_taken(std::string_view wanted, std::string_view holder, bool asking_again) {
    return fmt::format("{}{}", name_taken_text(wanted, holder),
                       asking_again ? "; send another" : "");
}

std::string name_invalid(name_fault fault, bool asking_again) {
    return fmt::format("{}{}", explain(fault), asking_again ? "; send another" : "");
}

std::string no_such_user(std::string_view name) {
    return fmt::format("nobody here is called {}", name);
}

std::string unknown_command(std::string_view word) {
    return fmt::format("there is no command /{}; /help lists them", word);
}

std::string usage(std::string_view command) {
    return fmt::format("usage: {}", usage_of(command));
}

std::string line_too_long(std::size_t max_line) {
    return fmt::format("lines are limited to {} bytes; that one was dropped", max_line);
}

std::string_view bad_encoding(text_fault fault) {
    switch (fault) {
        case text_fault::bad_utf8:
            return "that line was not valid UTF-8; it was dropped";
        case text_fault::nul:
            return "that line held a NUL byte; it was dropped";
        case text_fault::layout_control:
            return "that line held a line separator or bidi override (U+2028, U+2029, U+202A to "
                   "U+202E); it was dropped";
        default:
            return "that line held a control character; it was dropped";
    }
}

std::string room_name_invalid(std::string_view name) {
    return fmt::format("{} is no room name: # then 1 to 32 of A-Z a-z 0-9 _ - .", name);
}

std::string not_in_room(std::string_view room) {
    return fmt::format(
        "you are not in {}; /join {} first (a line starting with # names a room: "
        "start it with a space to send it as text)",
        room, room);
}

std::string_view not_in_any_room() {
    return "you are in no room; /join #ROOM first, /rooms lists them";
}

std::string too_many_rooms(std::size_t max_rooms) {
    return fmt::format("you are in {} rooms, the most allowed; /part one first", max_rooms);
}

std::string no_such_room(std::string_view room) {
    return fmt::format("there is no room {}; /rooms lists them", room);
}

std::string no_topic(std::string_view room) {
    return fmt::format("{} has no topic", room);
}

std::string target_busy(std::string_view name) {
    return fmt::format(
        "{} is getting more private messages than they can read; nothing was sent, "
        "try again in a moment",
        name);
}

std::string more_rooms(std::size_t listed) {
    return fmt::format(
        "there are more rooms than the {} listed; /rooms #PREFIX lists those whose "
        "names start with PREFIX",
        listed);
}

std::string topic_too_long(std::size_t max) {
    return fmt::format("a topic is at most {} bytes", max);
}

std::string ignoring(std::string_view name) {
    return fmt::format("ignoring {}: their private messages will not reach you", name);
}

std::string not_ignoring(std::string_view name) {
    return fmt::format("no longer ignoring {}", name);
}

std::string ignore_list(std::string_view names) {
    return names.empty() ? std::string("you ignore nobody") : fmt::format("you ignore: {}", names);
}

std::string ignore_list_full(std::size_t max) {
    return fmt::format("you already ignore {} names, the most allowed", max);
}

std::string stats(std::size_t connections, std::size_t users, std::size_t rooms,
                  std::uint64_t messages) {
    return fmt::format("connections={} users={} rooms={} messages={}", connections, users, rooms,
                       messages);
}

std::string server_full() {
    return "the server is full; try again later";
}

std::string too_many_from_address(std::size_t max_per_ip) {
    return fmt::format("too many connections from your address (at most {}); close one first",
                       max_per_ip);
}

std::string too_many_connections(double rate, double retry_seconds) {
    return fmt::format(
        "too many new connections from your address (at most {:g} a second); try again in {:g} s",
        rate, std::max(1.0, std::ceil(retry_seconds)));
}

std::string_view resume_unknown() {
    return "that session cannot be resumed: the token is unknown, expired or already used, "
           "or not for that name";
}

std::string_view resume_registered() {
    return "/resume is only for the first line of a connection, instead of a name";
}

std::string_view wait_for_resume() {
    return "too much sent while your missed messages are replayed; wait for RESUMED";
}

std::string resume_name_taken(std::string_view name) {
    return "that session cannot be resumed: the name " + std::string(name) +
           " is now someone else's";
}

std::span<const std::string_view> help() {
    static constexpr std::array<std::string_view, 11> lines = {
        "Type a line to talk to your current room. Commands:",
        "/join #ROOM - join (or create) a room and talk there; /part [#ROOM] [REASON] - leave it",
        "#ROOM TEXT - talk to another room you are in; /rooms [#PREFIX] - rooms and their sizes",
        "/who [#ROOM] - who is in a room; /topic [#ROOM [TEXT]] - show or set a room's topic",
        "@NAME TEXT or /msg NAME TEXT - a private message",
        "/me ACTION - an action, shown as '* you ACTION'",
        "/history [#ROOM] [before ID | after ID] [LIMIT] - earlier messages of a room",
        "/nick NAME - change your name",
        "/ping [TOKEN] - PONG back; /stats - server figures",
        "/ignore [NAME] - hide a user's private messages (or list); /unignore NAME",
        "/quit [REASON] - leave; //TEXT sends /TEXT",
    };
    return lines;
}

}  // namespace reply_text

}  // namespace chat
