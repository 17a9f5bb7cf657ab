#include "server/room_directory.hpp"

#include "common/room_names.hpp"

namespace chat {

room* room_directory::find(std::string_view name) const {
    const auto it = by_key_.find(room_key(name));
    return it == by_key_.end() ? nullptr : it->second.get();
}

room& room_directory::find_or_create(std::string_view name) {
    auto [it, inserted] = by_key_.try_emplace(room_key(name));
    if (inserted) {
        it->second = std::make_unique<room>(std::string(name), it->first, memory_);
    }
    return *it->second;
}

void room_directory::remove_if_empty(room& r) {
    if (r.empty()) {
        by_key_.erase(r.key());
    }
}

}  // namespace chat
