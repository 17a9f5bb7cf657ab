#include "server/slab_pool.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <new>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CHAT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) || defined(CHAT_ASAN)
#include <sanitizer/asan_interface.h>
#define CHAT_POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define CHAT_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define CHAT_POISON(p, n) static_cast<void>(0)
#define CHAT_UNPOISON(p, n) static_cast<void>(0)
#endif

namespace chat {

/// The header at the start of every slab; its blocks follow. A block's slab is found by masking
/// the block's address, which is why slabs are aligned to their size.
struct slab_pool::slab {
    slab* prev = nullptr;
    slab* next = nullptr;
    void* free_list = nullptr;  // freed blocks, each holding the address of the next
    char* fresh = nullptr;      // the first block never handed out
    std::size_t block_size = 0;
    std::size_t live = 0;
    bool listed = false;  // in its class's with_room list

    char* first_block() { return reinterpret_cast<char*>(this) + header_bytes; }
    char* end() { return reinterpret_cast<char*>(this) + slab_bytes; }
    bool full() {
        return free_list == nullptr && static_cast<std::size_t>(end() - fresh) < block_size;
    }

    static constexpr std::size_t header_bytes = 64;
};

slab_pool::slab* slab_pool::slab_of(void* block) {
    const std::uintptr_t offset = reinterpret_cast<std::uintptr_t>(block) & (slab_bytes - 1);
    return reinterpret_cast<slab*>(static_cast<char*>(block) - offset);
}

slab_pool::~slab_pool() {
    // Slabs that still hold blocks are left mapped rather than pulled from under their owners;
    // freeing such a block after this point would be a bug of the owner's (see main.cpp).
    for (size_class& c : classes_) {
        if (c.spare != nullptr) {
            unmap_slab(c.spare);
        }
        for (slab* s = c.with_room; s != nullptr;) {
            slab* next = s->next;
            if (s->live == 0) {
                unmap_slab(s);
            }
            s = next;
        }
    }
}

void* slab_pool::do_allocate(std::size_t bytes, std::size_t alignment) {
    if (bytes > max_block || alignment > granule) {
        return ::operator new (bytes, std::align_val_t{alignment});
    }
    const std::size_t index = bytes == 0 ? 1 : (bytes + granule - 1) / granule;
    size_class& c = classes_[index];
    slab* s = c.with_room;
    if (s == nullptr) {
        s = c.spare != nullptr ? c.spare : map_slab(index * granule);
        c.spare = nullptr;
        push_front(c, s);
    }
    void* block = nullptr;
    if (s->free_list != nullptr) {
        block = s->free_list;
        CHAT_UNPOISON(block, sizeof(void*));
        s->free_list = *static_cast<void**>(block);
    } else {
        block = s->fresh;
        s->fresh += s->block_size;
    }
    CHAT_UNPOISON(block, s->block_size);
    ++s->live;
    if (s->full()) {
        unlink(c, s);
    }
    return block;
}

void slab_pool::do_deallocate(void* block, std::size_t bytes, std::size_t alignment) {
    if (block == nullptr) {
        return;
    }
    if (bytes > max_block || alignment > granule) {
        ::operator delete (block, std::align_val_t{alignment});
        return;
    }
    slab* s = slab_of(block);
    size_class& c = classes_[s->block_size / granule];
    *static_cast<void**>(block) = s->free_list;
    s->free_list = block;
    CHAT_POISON(block, s->block_size);
    --s->live;
    if (s->live != 0) {
        if (!s->listed) {
            push_front(c, s);
        }
        return;
    }
    if (s->listed) {
        unlink(c, s);
    }
    if (c.spare != nullptr) {
        unmap_slab(s);
        return;
    }
    s->free_list = nullptr;
    s->fresh = s->first_block();
    c.spare = s;
}

slab_pool::slab* slab_pool::map_slab(std::size_t block_size) {
    // mmap aligns to pages only: map twice the size and cut the slab out at a multiple of it.
    const std::size_t span = 2 * slab_bytes;
    void* mapped =
        ::mmap(nullptr, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mapped == MAP_FAILED) {
        throw std::bad_alloc();
    }
    const std::uintptr_t misalignment = reinterpret_cast<std::uintptr_t>(mapped) & (slab_bytes - 1);
    const std::size_t head = misalignment == 0 ? 0 : slab_bytes - misalignment;
    char* const start = static_cast<char*>(mapped) + head;
    if (head > 0) {
        ::munmap(mapped, head);
    }
    if (const std::size_t tail = span - head - slab_bytes; tail > 0) {
        ::munmap(start + slab_bytes, tail);
    }
    static_assert(sizeof(slab) <= slab::header_bytes);
    auto* s = new (start) slab;
    s->block_size = block_size;
    s->fresh = s->first_block();
    CHAT_POISON(s->first_block(), slab_bytes - slab::header_bytes);
    ++slabs_mapped_;
    return s;
}

void slab_pool::unmap_slab(slab* s) noexcept {
    // Shadow memory outlives the mapping: a later mmap at this address must not start poisoned.
    CHAT_UNPOISON(s, slab_bytes);
    ::munmap(s, slab_bytes);
    --slabs_mapped_;
}

void slab_pool::unlink(size_class& c, slab* s) noexcept {
    if (s->prev != nullptr) {
        s->prev->next = s->next;
    } else {
        c.with_room = s->next;
    }
    if (s->next != nullptr) {
        s->next->prev = s->prev;
    }
    s->prev = s->next = nullptr;
    s->listed = false;
}

void slab_pool::push_front(size_class& c, slab* s) noexcept {
    s->prev = nullptr;
    s->next = c.with_room;
    if (c.with_room != nullptr) {
        c.with_room->prev = s;
    }
    c.with_room = s;
    s->listed = true;
}

}  // namespace chat
