#pragma once

#include <map>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>

#include "common/room_names.hpp"

#include "server/room.hpp"

namespace chat {

/// Every room on the server by name (compared without regard to case). A room exists while it
/// has members: the last one out removes it, its topic with it. Kept in name order, so that
/// `/rooms` lists a few hundred from any prefix without sorting them all.
class room_directory {
  public:
    /// The index and the rooms' member arrays are allocated from `memory`.
    explicit room_directory(std::pmr::memory_resource* memory = std::pmr::get_default_resource())
        : by_key_(memory), memory_(memory) {}

    /// The room called `name`, or null.
    room* find(std::string_view name) const;

    /// The room called `name`, made (spelled as given) if there is none. `name` is valid.
    room& find_or_create(std::string_view name);

    /// Removes `r` if it has no members left; `r` is then gone.
    void remove_if_empty(room& r);

    std::size_t size() const { return by_key_.size(); }

    /// Calls `f(const room&)` for each room whose name starts with `prefix` (any case), in name
    /// order without regard to case, until `f` returns false.
    template <class F>
    void for_each_from(std::string_view prefix, F&& f) const {
        const std::string key = room_key(prefix);
        for (auto it = by_key_.lower_bound(key); it != by_key_.end(); ++it) {
            if (!it->first.starts_with(key) || !f(*it->second)) {
                return;
            }
        }
    }

  private:
    // unique_ptr: members hold room pointers, which must survive rehashing.
    std::pmr::map<std::string, std::unique_ptr<room>, std::less<>> by_key_;
    std::pmr::memory_resource* memory_;
};

}  // namespace chat
