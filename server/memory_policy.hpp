#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace chat {

class frame_arena;

// How the daemon gives memory back after a burst, in one place. A crowd that came and went, or
// a burst of deep send queues, must not leave its peak resident for good; but giving back too
// eagerly costs a busy loop. Measured reasons for each number are in docs/architecture.md
// ("Memory after a crowd leaves").
namespace memory_policy {

/// Vectors up to this capacity are never shrunk: small ones cost nothing worth the copies.
inline constexpr std::size_t keep_capacity = 1024;
/// Idle 64 KiB chunks an arena keeps for the next burst (until a quiet second).
inline constexpr std::size_t idle_chunks_per_arena = 4;
/// How often the heap is looked at, and how much more must be free than after the last trim.
inline constexpr std::chrono::seconds trim_check_interval{1};
inline constexpr std::size_t trim_floor_bytes = std::size_t{1} << 20;
/// Emptied room buffers the history store keeps for the next turn (each up to a 32 KiB chunk):
/// a turn speaks in a few rooms, and one that spoke in hundreds leaves no more than this.
inline constexpr std::size_t history_buffers_kept = 8;

}  // namespace memory_policy

/// Shrinks a vector that a crowd grew once the crowd has mostly gone (under a quarter of its
/// capacity in use), so the memory follows the load down. Halving at a quarter keeps a vector
/// that hovers around one size from being copied back and forth.
template <class T, class Allocator>
void give_back_spare_capacity(std::vector<T, Allocator>& v) {
    if (v.capacity() > memory_policy::keep_capacity && v.size() < v.capacity() / 4) {
        v.shrink_to_fit();
    }
}

/// Makes room for one more element, growing by half rather than doubling: memberships are
/// many small vectors that mostly stop growing early (a connection in 50 rooms, a room of 10),
/// where doubling would leave a third of each unused.
template <class T, class Allocator>
void reserve_one_more(std::vector<T, Allocator>& v) {
    if (v.size() == v.capacity()) {
        v.reserve(v.capacity() + v.capacity() / 2 + 4);
    }
}

/// Empties a batch vector; one as large as a crowd's does not keep its array once it is gone.
template <class T, class Allocator>
void clear_and_give_back(std::vector<T, Allocator>& v) {
    if (v.capacity() > memory_policy::keep_capacity) {
        std::vector<T, Allocator>().swap(v);
    } else {
        v.clear();
    }
}

/// Gives free heap memory and idle arena chunks back to the system after a quiet second.
/// glibc hands freed heap memory back only from the top of the heap, so after a burst most of
/// it would stay resident; jemalloc's decay does this for Redis. Trimming walks the heap, so it
/// waits for a second in which no message was routed rather than stall a busy loop.
class memory_trimmer {
  public:
    /// Called once per `trim_check_interval` with the number of messages routed so far.
    void check(std::uint64_t messages_routed, frame_arena& a, frame_arena& b);

  private:
    std::size_t free_after_trim_ = 0;  // free heap bytes left by the last trim
    std::uint64_t routed_at_check_ = 0;
};

}  // namespace chat
