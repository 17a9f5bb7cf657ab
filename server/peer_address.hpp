#pragma once

#include <string>

#include <boost/asio/ip/tcp.hpp>

namespace chat {

/// The address as people think of it: an IPv4 client reaching a `::` listener is shown and
/// counted as `1.2.3.4`, not `::ffff:1.2.3.4`, so logs and per-address limits agree.
boost::asio::ip::address normalized(const boost::asio::ip::address& address);

/// `1.2.3.4:5678` or `[::1]:5678`, for log lines.
std::string describe(const boost::asio::ip::tcp::endpoint& peer);

/// Who a connection counts as for the per-address limits (--max-per-ip, --connect-rate) and the
/// connection log's rate limit: an IPv4 address (a mapped one included) as itself, an IPv6
/// address cut to its first `ipv6_prefix` bits (0 to 128; more is taken as 128). One host is
/// routinely given a whole /64, so counting IPv6 per address would let it take any number of
/// turns.
boost::asio::ip::address client_key(const boost::asio::ip::address& address, unsigned ipv6_prefix);

/// A `client_key` for log lines: `1.2.3.4`, `2001:db8::/64`, or `2001:db8::1` for a /128.
std::string describe_client(const boost::asio::ip::address& key, unsigned ipv6_prefix);

}  // namespace chat
