#include "common/frame_arena.hpp"

#include <cassert>
#include <new>

namespace chat {

frame_arena::frame_arena(std::size_t chunk_size, std::size_t max_free_chunks)
    : chunk_size_(chunk_size), max_free_(max_free_chunks) {}

frame_arena::~frame_arena() {
    current_ = chunk_ref{};
    release_free_chunks();
    // A chunk still held elsewhere would now point at a dead arena: the owner must order
    // destruction so that every queue goes first.
    assert(live_ == 0);
}

frame_chunk* frame_arena::new_chunk(std::size_t capacity) {
    void* memory = ::operator new(sizeof(frame_chunk) + capacity);
    ++live_;
    return new (memory) frame_chunk(this, capacity);
}

char* frame_arena::reserve(std::size_t max_size) {
    if (max_size > chunk_size_) {
        reserved_ = new_chunk(max_size);
        return reserved_->data();
    }
    frame_chunk* chunk = current_.get();
    if (chunk == nullptr || chunk->capacity_ - chunk->used_ < max_size) {
        if (free_list_ != nullptr) {
            chunk = free_list_;
            free_list_ = chunk->next_free_;
            --free_count_;
            ++live_;
            chunk->next_free_ = nullptr;
            chunk->used_ = 0;
        } else {
            chunk = new_chunk(chunk_size_);
        }
        current_ = chunk_ref{chunk};
    }
    reserved_ = chunk;
    return chunk->data() + chunk->used_;
}

frame frame_arena::commit(std::size_t size) {
    frame_chunk* chunk = reserved_;
    assert(chunk != nullptr && chunk->used_ + size <= chunk->capacity_);
    reserved_ = nullptr;
    frame f{chunk_ref{chunk}, static_cast<std::uint32_t>(chunk->used_),
            static_cast<std::uint32_t>(size)};
    chunk->used_ += size;
    return f;
}

void frame_arena::release_free_chunks() {
    while (free_list_ != nullptr) {
        frame_chunk* next = free_list_->next_free_;
        free_list_->~frame_chunk();
        ::operator delete(free_list_);
        free_list_ = next;
    }
    free_count_ = 0;
}

void frame_arena::recycle(frame_chunk* chunk) {
    --live_;
    if (chunk->capacity_ == chunk_size_ && free_count_ < max_free_) {
        chunk->next_free_ = free_list_;
        free_list_ = chunk;
        ++free_count_;
        return;
    }
    chunk->~frame_chunk();
    ::operator delete(chunk);
}

}  // namespace chat
