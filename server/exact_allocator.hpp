#pragma once

#include <cstddef>
#include <new>

namespace chat {

/// A plain allocator that Asio does not replace with its recycling allocator. Asio keeps freed
/// operation memory in a per-thread cache and hands it to the next operation of any type that
/// fits; bound to the accept handler, this stops every accepted connection from parking its
/// idle read-wait in a block sized for an accept operation (about 290 bytes instead of 100).
template <class T>
struct exact_allocator {
    using value_type = T;

    exact_allocator() = default;
    template <class U>
    explicit exact_allocator(const exact_allocator<U>& /*other*/) noexcept {}

    T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T))); }
    void deallocate(T* p, std::size_t /*n*/) noexcept { ::operator delete(p); }

    template <class U>
    bool operator==(const exact_allocator<U>& /*other*/) const noexcept {
        return true;
    }
};

}  // namespace chat
