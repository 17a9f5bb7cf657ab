#include "server/peer_address.hpp"

#include <fmt/format.h>

namespace chat {

boost::asio::ip::address normalized(const boost::asio::ip::address& address) {
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
    }
    return address;
}

std::string describe(const boost::asio::ip::tcp::endpoint& peer) {
    const auto address = normalized(peer.address());
    if (address.is_v6()) {
        return fmt::format("[{}]:{}", address.to_string(), peer.port());
    }
    return fmt::format("{}:{}", address.to_string(), peer.port());
}

boost::asio::ip::address client_key(const boost::asio::ip::address& address, unsigned ipv6_prefix) {
    const auto plain = normalized(address);
    if (plain.is_v4() || ipv6_prefix >= 128) {
        return plain;
    }
    auto bytes = plain.to_v6().to_bytes();
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const std::size_t kept = ipv6_prefix > i * 8 ? ipv6_prefix - i * 8 : 0;
        if (kept < 8) {
            bytes[i] &= static_cast<unsigned char>(0xFF00U >> kept);
        }
    }
    // No scope id: fe80::1%eth0 and fe80::1%eth1 are in the same /64 as far as counting goes.
    return boost::asio::ip::address_v6(bytes);
}

std::string describe_client(const boost::asio::ip::address& key, unsigned ipv6_prefix) {
    if (key.is_v4() || ipv6_prefix >= 128) {
        return key.to_string();
    }
    return fmt::format("{}/{}", key.to_string(), ipv6_prefix);
}

}  // namespace chat
