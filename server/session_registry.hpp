#pragma once

#include <cstddef>
#include <memory>
#include <memory_resource>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace chat {

class session;

/// Every open connection, registered or not, and how many come from each client: an IPv4
/// address, or an IPv6 address cut to `ipv6_prefix` bits (`client_key`). The server walks it for
/// timeouts and shutdown; a session leaves it when its socket is closed.
class session_registry {
  public:
    /// Per-client counts are allocated from `memory`.
    explicit session_registry(unsigned ipv6_prefix,
                              std::pmr::memory_resource* memory = std::pmr::get_default_resource())
        : ipv6_prefix_(ipv6_prefix), per_client_(memory) {}

    /// Counts `s` under the client its `peer()` belongs to.
    void add(const std::shared_ptr<session>& s);
    /// Idempotent.
    void remove(session& s);

    std::size_t size() const { return sessions_.size(); }
    /// Connections open from `client`, a `client_key` made with this registry's prefix.
    std::size_t count_from(const boost::asio::ip::address& client) const;
    /// A copy, for walks during which sessions may close.
    std::vector<std::shared_ptr<session>> snapshot() const { return sessions_; }
    const std::vector<std::shared_ptr<session>>& all() const { return sessions_; }

  private:
    // The key is worked out again on removal rather than stored: a session's peer never
    // changes, and this keeps the registry at no extra bytes per connection.
    unsigned ipv6_prefix_;
    std::vector<std::shared_ptr<session>> sessions_;
    std::pmr::unordered_map<boost::asio::ip::address, std::size_t> per_client_;
};

}  // namespace chat
