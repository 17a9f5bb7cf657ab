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
/// their owners are in, and `@name` reaches a user in any room or in none. Names are kept apart
/// by their look-alike skeleton (`name_skeleton`): `aIice` cannot join next to `alice`.
class name_directory {
  public:
    /// The index is allocated from `memory`; `seed` seeds generated names.
    explicit name_directory(std::uint64_t seed,
                            std::pmr::memory_resource* memory = std::pmr::get_default_resource())
        : by_key_(memory), generator_(seed) {}

    /// Who has `name` itself (compared without regard to case), or null: a private message goes
    /// only to the name typed, never to a look-alike of it.
    connection* find(std::string_view name) const;

    /// Who holds a name that looks like `name` (the same skeleton), or null.
    connection* look_alike(std::string_view name) const;

    /// Gives `name` to `owner`; false when someone has it or a look-alike.
    bool claim(std::string_view name, connection& owner);

    /// Moves `owner` from `old_name` to `new_name`; false (and nothing changes) when someone else
    /// has `new_name` or a look-alike. One's own look-alikes are always allowed.
    bool rename(std::string_view old_name, std::string_view new_name, connection& owner);

    /// Hands `name`, held now by someone, to `owner` (a session resumed by a new connection).
    void transfer(std::string_view name, connection& owner);

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
