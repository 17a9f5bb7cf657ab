#pragma once

#include <cstddef>
#include <vector>

namespace chat {

/// Shrinks a vector that a crowd grew once the crowd has mostly gone (under a quarter of its
/// capacity in use), so the memory follows the load down. Halving at a quarter keeps a vector
/// that hovers around one size from being copied back and forth. Small vectors are left alone.
template <class T, class Allocator>
void give_back_spare_capacity(std::vector<T, Allocator>& v) {
    constexpr std::size_t keep = 1024;
    if (v.capacity() > keep && v.size() < v.capacity() / 4) {
        v.shrink_to_fit();
    }
}

}  // namespace chat
