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

}  // namespace chat
