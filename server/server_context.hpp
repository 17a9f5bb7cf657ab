#pragma once

#include <cstdint>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "server/config.hpp"
#include "server/hub.hpp"

namespace chat {

class session_registry;
class slab_pool;
class write_scheduler;

/// What every session shares, owned by the server and outliving every session.
struct server_context {
    boost::asio::io_context& io;
    const server_config& config;
    /// Where sessions and their pending operations are allocated.
    slab_pool& memory;
    /// Names, rooms and ids: what the connection cores share.
    hub& chat;
    write_scheduler& writes;
    session_registry& sessions;
    /// One scratch buffer for every read: sessions keep only the unfinished line, so an idle
    /// connection holds no read buffer at all.
    std::vector<char>& read_buffer;
    /// Set by a receiver that a delivery left past its soft mark; the session handling the
    /// current line reads it and pauses that sender (back-pressure, see session::deliver).
    bool pressure = false;
    /// True while a session hands a line to its core: deliveries then have a sender to pause.
    bool handling_line = false;
};

}  // namespace chat
