#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <string_view>

namespace chat {

/// Formats instants as RFC 3339 UTC with milliseconds (`2026-11-21T14:03:12.345Z`). The
/// date-and-seconds part is cached, so the usual call only rewrites the three millisecond digits.
class timestamp_formatter {
  public:
    /// The text for `t`; valid until the next call.
    std::string_view format(std::chrono::system_clock::time_point t);

  private:
    std::int64_t cached_second_ = INT64_MIN;
    std::array<char, 24> text_{};  // "YYYY-MM-DDTHH:MM:SS.mmmZ"
};

}  // namespace chat
