#include "common/line_framer.hpp"

namespace chat {

void line_framer::release_carry() {
    // Idle connections are the common case: give back the heap block of a line that straddled
    // reads rather than keep up to max_line bytes per connection forever.
    constexpr std::size_t keep_capacity = 256;
    if (carry_.capacity() > keep_capacity) {
        std::string().swap(carry_);
    } else {
        carry_.clear();
    }
}

}  // namespace chat
