#pragma once

#include <cstdint>
#include <memory_resource>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/names.hpp"

namespace chat {

class connection;

/// Every registered name on the server, so that names are unique server-wide whatever rooms
/// their owners are in, and `@name` reaches a user in any room or in none.
class name_directory {
  public:
    /// The index is allocated from `memory`; `seed` seeds generated names.
    explicit name_directory(std::uint64_t seed,
                            std::pmr::memory_resource* memory = std::pmr::get_default_resource())
        : by_key_(memory), generator_(seed) {}

    /// Who has `name` (compared without regard to case), or null.
    connection* find(std::string_view name) const;

    /// Gives `name` to `owner`; false when someone has it.
    bool claim(std::string_view name, connection& owner);

    /// Moves `owner` from `old_name` to `new_name`; false (and nothing changes) when someone else
    /// has `new_name`. A change of case only is always allowed.
    bool rename(std::string_view old_name, std::string_view new_name, connection& owner);

    /// Frees `name`. Idempotent.
    void release(std::string_view name);

    /// A readable name nobody has, such as `brave-otter-17`.
    std::string generate();

    std::size_t size() const { return by_key_.size(); }

  private:
    std::pmr::unordered_map<std::string, connection*> by_key_;
    name_generator generator_;
};

}  // namespace chat
