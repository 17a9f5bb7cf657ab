#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace chat {

/// Whether `c` may be part of a name or a room name: `A-Z a-z 0-9 _ - .`.
constexpr bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

/// The longest name a user may take.
inline constexpr std::size_t max_name_length = 32;

/// Why a wanted name is refused, or `ok`.
enum class name_fault {
    ok,
    empty,
    too_long,
    bad_char,
    reserved,
    leading_dash,  ///< `-rf`, `--help`: reads as an option where a bot or shell script uses it
    only_dots,     ///< `.`, `..`: reads as a directory where a name becomes a path
};

/// A name is 1 to 32 of `A-Z a-z 0-9 _ - .`, does not start with `-`, is not only dots, and is
/// not `server` (any case), which is reserved for the daemon.
name_fault check_name(std::string_view name);

/// Why `fault` refuses a name, as a sentence for `ERR name-invalid`; empty for `ok`.
std::string_view explain(name_fault fault);

/// The key a name is addressed by: ASCII lower case, so `Alice` and `alice` are the same user.
std::string name_key(std::string_view name);

/// The key names must differ by to be told apart on screen: `alice`, `aIice` (capital i),
/// `al1ce` and `ALICE` all have the skeleton `allce`. The mapping is given in names.cpp. Two
/// names with equal keys have equal skeletons.
std::string name_skeleton(std::string_view name);

/// The reason `wanted` is refused while `holder` has the same skeleton: `the name X is taken`
/// if they differ only in case, else `the name X is too similar to Y`.
std::string name_taken_text(std::string_view wanted, std::string_view holder);

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
