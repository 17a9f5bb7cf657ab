#pragma once

#include <cstddef>
#include <memory>
#include <memory_resource>
#include <unordered_map>
#include <vector>

#include <boost/asio/ip/address.hpp>

namespace chat {

class session;

/// Every open connection, registered or not, and how many come from each address. The server
/// walks it for timeouts and shutdown; a session leaves it when its socket is closed.
class session_registry {
  public:
    /// Per-address counts are allocated from `memory`.
    explicit session_registry(std::pmr::memory_resource* memory = std::pmr::get_default_resource())
        : per_address_(memory) {}

    void add(const std::shared_ptr<session>& s, const boost::asio::ip::address& from);
    /// Idempotent.
    void remove(session& s);

    std::size_t size() const { return sessions_.size(); }
    std::size_t count_from(const boost::asio::ip::address& from) const;
    /// A copy, for walks during which sessions may close.
    std::vector<std::shared_ptr<session>> snapshot() const { return sessions_; }
    const std::vector<std::shared_ptr<session>>& all() const { return sessions_; }

  private:
    std::vector<std::shared_ptr<session>> sessions_;
    std::pmr::unordered_map<boost::asio::ip::address, std::size_t> per_address_;
};

}  // namespace chat
