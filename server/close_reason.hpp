#pragma once

#include <string_view>

#include "common/protocol.hpp"

namespace chat {

/// Every way a connection can end. Each has a name for the log and maps to what the room is told.
enum class close_reason {
    quit,                   ///< the client sent /quit
    disconnected,           ///< the peer closed the connection (EOF): it left
    connection_lost,        ///< a reset, abort or broken pipe: the network failed, not the user,
                            ///< who may resume within --resume-grace
    idle_timeout,           ///< no sign of life for --idle-timeout
    handshake_timeout,      ///< no name within --handshake-timeout
    slow_consumer,          ///< unsent output passed --max-send-queue
    shutdown,               ///< the daemon is stopping
    io_error,               ///< any other socket error
    server_full,            ///< refused at accept: --max-clients
    too_many_from_address,  ///< refused at accept: --max-per-ip
    too_many_connections,   ///< refused at accept: --connect-rate
    resumed_elsewhere,      ///< another connection resumed this one's session
};

/// The reason as logged, e.g. `slow-consumer`.
std::string_view to_string(close_reason reason);

/// What the room says in `LEAVE` for a member that ends this way.
leave_reason to_leave_reason(close_reason reason);

/// The text of the `BYE` a connection that ends this way is sent.
std::string_view bye_text(close_reason reason);

/// Whether the peer is still worth a `BYE` and a flush before the socket closes.
bool says_goodbye(close_reason reason);

/// Whether the user may come back with `/resume` and find its name and rooms as it left them:
/// the network failed (a reset, an I/O error), the user did not choose to go.
bool keeps_session(close_reason reason);

}  // namespace chat
