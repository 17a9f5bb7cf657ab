#pragma once

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
        size_ = static_cast<std::size_t>(std::to_chars(buf_, buf_ + sizeof buf_, value).ptr - buf_);
    }
    std::string_view view() const { return {buf_, size_}; }

  private:
    char buf_[20];
    std::size_t size_;
};

}  // namespace chat
