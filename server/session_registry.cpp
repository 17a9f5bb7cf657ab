#include "server/session_registry.hpp"

#include "server/memory_policy.hpp"
#include "server/peer_address.hpp"
#include "server/session.hpp"

namespace chat {

void session_registry::add(const std::shared_ptr<session>& s) {
    s->registry_slot_ = sessions_.size();
    sessions_.push_back(s);
    ++per_client_[client_key(s->peer().address(), ipv6_prefix_)];
}

void session_registry::remove(session& s) {
    const std::size_t slot = s.registry_slot_;
    if (slot >= sessions_.size() || sessions_[slot].get() != &s) {
        return;
    }
    const auto it = per_client_.find(client_key(s.peer().address(), ipv6_prefix_));
    if (it != per_client_.end() && --it->second == 0) {
        per_client_.erase(it);
    }
    // Callers run inside the session's own handlers, which hold a reference of their own, so
    // dropping ours here never destroys the session under its feet.
    if (slot + 1 != sessions_.size()) {
        sessions_[slot] = std::move(sessions_.back());
        sessions_[slot]->registry_slot_ = slot;
    }
    sessions_.pop_back();
    give_back_spare_capacity(sessions_);
    s.registry_slot_ = SIZE_MAX;
}

std::size_t session_registry::count_from(const boost::asio::ip::address& client) const {
    const auto it = per_client_.find(client);
    return it == per_client_.end() ? 0 : it->second;
}

}  // namespace chat
