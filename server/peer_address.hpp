#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace chat {

/// The address as people think of it: an IPv4 client reaching a `::` listener is shown and
/// counted as `1.2.3.4`, not `::ffff:1.2.3.4`, so logs and per-address limits agree.
boost::asio::ip::address normalized(const boost::asio::ip::address& address);

/// `1.2.3.4:5678` or `[::1]:5678`, for log lines.
std::string describe(const boost::asio::ip::tcp::endpoint& peer);

}  // namespace chat
