#include "server/close_reason.hpp"

#include "common/reply_text.hpp"

namespace chat {

std::string_view to_string(close_reason reason) {
    switch (reason) {
        case close_reason::quit:
            return "quit";
        case close_reason::disconnected:
            return "disconnected";
        case close_reason::connection_lost:
            return "connection-lost";
        case close_reason::resumed_elsewhere:
            return "resumed-elsewhere";
        case close_reason::idle_timeout:
            return "idle-timeout";
        case close_reason::handshake_timeout:
            return "handshake-timeout";
        case close_reason::slow_consumer:
            return "slow-consumer";
        case close_reason::shutdown:
            return "shutdown";
        case close_reason::io_error:
            return "io-error";
        case close_reason::server_full:
            return "server-full";
        case close_reason::too_many_from_address:
            return "too-many-from-address";
        case close_reason::too_many_connections:
            return "too-many-connections";
    }
    return "unknown";
}

leave_reason to_leave_reason(close_reason reason) {
    switch (reason) {
        case close_reason::quit:
            return leave_reason::quit;
        case close_reason::disconnected:
        case close_reason::connection_lost:
        case close_reason::resumed_elsewhere:  // never told: the session lives on elsewhere
            return leave_reason::disconnected;
        case close_reason::idle_timeout:
        case close_reason::handshake_timeout:
            return leave_reason::timeout;
        case close_reason::slow_consumer:
            return leave_reason::slow_consumer;
        case close_reason::shutdown:
            return leave_reason::shutdown;
        case close_reason::io_error:
        case close_reason::server_full:
        case close_reason::too_many_from_address:
        case close_reason::too_many_connections:
            return leave_reason::error;
    }
    return leave_reason::error;
}

bool says_goodbye(close_reason reason) {
    switch (reason) {
        case close_reason::disconnected:
        case close_reason::connection_lost:
        case close_reason::slow_consumer:
        case close_reason::io_error:
            return false;
        default:
            return true;
    }
}

bool keeps_session(close_reason reason) {
    return reason == close_reason::connection_lost || reason == close_reason::io_error;
}

std::string_view bye_text(close_reason reason) {
    switch (reason) {
        case close_reason::quit:
            return reply_text::bye_quit;
        case close_reason::idle_timeout:
            return reply_text::bye_idle;
        case close_reason::handshake_timeout:
            return reply_text::bye_handshake;
        case close_reason::shutdown:
            return reply_text::bye_shutdown;
        case close_reason::server_full:
            return reply_text::bye_server_full;
        case close_reason::too_many_from_address:
            return reply_text::bye_too_many;
        case close_reason::too_many_connections:
            return reply_text::bye_connecting_too_often;
        case close_reason::resumed_elsewhere:
            return reply_text::bye_resumed_elsewhere;
        case close_reason::disconnected:
        case close_reason::connection_lost:
        case close_reason::slow_consumer:
        case close_reason::io_error:
            return reply_text::bye_other;  // none is sent: the peer cannot or will not read it
    }
    return reply_text::bye_other;
}

}  // namespace chat
