#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chat {

/// The longest name a user may take.
inline constexpr std::size_t max_name_length = 32;

/// Why a wanted name is refused, or `ok`.
enum class name_fault { ok, empty, too_long, bad_char, reserved };

/// A name is 1 to 32 of `A-Z a-z 0-9 _ - .`; `server` (any case) is reserved for the daemon.
name_fault check_name(std::string_view name);

/// The key names are compared by: ASCII lower case, so `Alice` and `alice` are the same user.
std::string name_key(std::string_view name);

/// Makes readable names such as `brave-otter-17`. Deterministic for a given seed, so tests can
/// reproduce a sequence; uniqueness against the names in use is the caller's check.
class name_generator {
  public:
    explicit name_generator(std::uint64_t seed) : state_(seed | 1U) {}

    /// A fresh candidate; always passes `check_name`.
    std::string next();

  private:
    std::uint64_t state_;
};

}  // namespace chat
