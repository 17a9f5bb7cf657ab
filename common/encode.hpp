#pragma once

#include <array>
#include <charconv>
#include <cstdint>
#include <initializer_list>
#include <string_view>

#include "common/frame_arena.hpp"

namespace chat {

/// Encodes one protocol line: `fields` joined by single spaces, then `\n`, as one frame in
/// `arena`. Callers pass already-valid fields; the last one may contain spaces (free text).
frame encode_line(frame_arena& arena, std::initializer_list<std::string_view> fields);

/// A number as decimal text without allocating, for building fields.
class decimal {
  public:
    explicit decimal(std::uint64_t value) {
        const auto* end = std::to_chars(buf_.data(), buf_.data() + buf_.size(), value).ptr;
        size_ = static_cast<std::size_t>(end - buf_.data());
    }
    std::string_view view() const { return {buf_.data(), size_}; }

  private:
    std::array<char, 20> buf_;
    std::size_t size_;
};

}  // namespace chat
