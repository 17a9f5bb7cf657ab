#include "server/memory_policy.hpp"

#include <malloc.h>

#include <algorithm>

#include <spdlog/spdlog.h>

#include "common/frame_arena.hpp"

namespace chat {

void memory_trimmer::check(std::uint64_t messages_routed, frame_arena& a, frame_arena& b) {
    const bool quiet = messages_routed == routed_at_check_;
    routed_at_check_ = messages_routed;
    if (!quiet) {
        return;
    }
    a.release_free_chunks();
    b.release_free_chunks();
    // Free memory that trimming cannot return (parts of pages still in use) stays counted as
    // free, hence "more than after the last trim".
    const std::size_t free_now = ::mallinfo2().fordblks;
    free_after_trim_ = std::min(free_after_trim_, free_now);
    if (free_now >= free_after_trim_ + memory_policy::trim_floor_bytes) {
        const auto started = std::chrono::steady_clock::now();
        ::malloc_trim(0);
        free_after_trim_ = ::mallinfo2().fordblks;
        spdlog::debug("gave free memory back in {} us",
                      std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count());
    }
}

}  // namespace chat
