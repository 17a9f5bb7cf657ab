#include "server/name_directory.hpp"

#include "server/connection.hpp"

namespace chat {

connection* name_directory::look_alike(std::string_view name) const {
    const auto it = by_key_.find(name_skeleton(name));
    return it == by_key_.end() ? nullptr : it->second;
}

connection* name_directory::find(std::string_view name) const {
    connection* holder = look_alike(name);
    return holder != nullptr && name_key(holder->name()) == name_key(name) ? holder : nullptr;
}

bool name_directory::claim(std::string_view name, connection& owner) {
    return by_key_.try_emplace(name_skeleton(name), &owner).second;
}

bool name_directory::rename(std::string_view old_name, std::string_view new_name,
                            connection& owner) {
    std::string new_key = name_skeleton(new_name);
    std::string old_key = name_skeleton(old_name);
    if (new_key == old_key) {
        return true;
    }
    if (!by_key_.try_emplace(std::move(new_key), &owner).second) {
        return false;
    }
    by_key_.erase(old_key);
    return true;
}

void name_directory::transfer(std::string_view name, connection& owner) {
    by_key_[name_skeleton(name)] = &owner;
}

void name_directory::release(std::string_view name) {
    by_key_.erase(name_skeleton(name));
}

std::string name_directory::generate() {
    // The generator has about 50,000 names; after a run of collisions (a huge or hostile
    // server) a counter guarantees progress.
    for (int attempt = 0; attempt < 32; ++attempt) {
        std::string name = generator_.next();
        if (look_alike(name) == nullptr) {
            return name;
        }
    }
    for (std::uint64_t n = by_key_.size();; ++n) {
        std::string name = "guest-" + std::to_string(n);
        if (look_alike(name) == nullptr) {
            return name;
        }
    }
}

}  // namespace chat
