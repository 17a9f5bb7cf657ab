#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace chat {

/// A TCP socket on the io_context's own executor rather than a type-erased one: 48 bytes less
/// on every connection, and less in each of its pending operations.
using tcp_socket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

}  // namespace chat
