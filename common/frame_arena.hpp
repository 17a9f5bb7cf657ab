#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <utility>

namespace chat {

class frame_arena;

/// A block of encoded frames. Frames are appended and never changed, so any number of outbound
/// queues can send from it at once. Reference-counted without atomics: one thread owns it all.
class frame_chunk {
  public:
    frame_chunk(const frame_chunk&) = delete;
    frame_chunk& operator=(const frame_chunk&) = delete;

    char* data() { return reinterpret_cast<char*>(this + 1); }
    const char* data() const { return reinterpret_cast<const char*>(this + 1); }
    /// Bytes the chunk can hold.
    std::size_t capacity() const { return capacity_; }
    /// How many holders the chunk has (frames, queue ranges, the arena while it fills it).
    std::size_t use_count() const { return refs_; }
    /// The arena the chunk goes back to.
    frame_arena& home() const { return *home_; }

  private:
    friend class frame_arena;
    friend class chunk_ref;
    frame_chunk(frame_arena* home, std::size_t capacity) : home_(home), capacity_(capacity) {}
    ~frame_chunk() = default;

    void add_ref() { ++refs_; }
    void release();

    frame_arena* home_;
    frame_chunk* next_free_ = nullptr;
    std::size_t capacity_;
    std::size_t used_ = 0;
    std::size_t refs_ = 0;
};

/// An owning handle on a chunk; copying it shares the chunk.
class chunk_ref {
  public:
    chunk_ref() = default;
    explicit chunk_ref(frame_chunk* chunk) : chunk_(chunk) {
        if (chunk_ != nullptr) {
            chunk_->add_ref();
        }
    }
    chunk_ref(const chunk_ref& other) : chunk_ref(other.chunk_) {}
    chunk_ref(chunk_ref&& other) noexcept : chunk_(std::exchange(other.chunk_, nullptr)) {}
    chunk_ref& operator=(chunk_ref other) noexcept {
        std::swap(chunk_, other.chunk_);
        return *this;
    }
    ~chunk_ref() {
        if (chunk_ != nullptr) {
            chunk_->release();
        }
    }

    frame_chunk* get() const { return chunk_; }
    /// Gives up ownership without releasing; the caller now holds the reference.
    frame_chunk* detach() { return std::exchange(chunk_, nullptr); }

    /// Takes back a reference given up by `detach`.
    static chunk_ref adopt(frame_chunk* chunk) {
        chunk_ref ref;
        ref.chunk_ = chunk;
        return ref;
    }

  private:
    frame_chunk* chunk_ = nullptr;
};

/// One encoded frame (a whole protocol line, `\n` included) and a share of the chunk it is in.
struct frame {
    chunk_ref chunk;
    std::uint32_t offset = 0;
    std::uint32_t size = 0;

    std::string_view bytes() const { return {chunk.get()->data() + offset, size}; }
};

/// Where frames are encoded: into large shared chunks, one after another, so that a run of frames
/// queued to the same connection is one contiguous range, sent with one iovec. Chunks come back to
/// a bounded free list when the last queue lets go of them, so the steady state allocates nothing.
/// Must outlive every `frame` and queue that holds its chunks.
class frame_arena {
  public:
    /// `chunk_size`: bytes per pooled chunk; `max_free_chunks`: how many idle chunks to keep.
    explicit frame_arena(std::size_t chunk_size = std::size_t{64} * 1024,
                         std::size_t max_free_chunks = 4);
    ~frame_arena();
    frame_arena(const frame_arena&) = delete;
    frame_arena& operator=(const frame_arena&) = delete;

    /// Room for one frame of at most `max_size` bytes; write it, then call `commit` with the size
    /// really written. Frames larger than a chunk get a chunk of their own.
    char* reserve(std::size_t max_size);

    /// Ends the frame begun by the last `reserve`.
    frame commit(std::size_t size);

    /// A chunk of exactly `capacity` bytes that nobody else shares, for one holder's private
    /// copies (see `outbound_queue`); it is never the chunk frames are encoded into.
    chunk_ref private_chunk(std::size_t capacity) { return chunk_ref{new_chunk(capacity)}; }

    /// Bytes of a pooled chunk.
    std::size_t chunk_size() const { return chunk_size_; }

    /// Chunks in use anywhere (held by queues, frames or the arena itself).
    std::size_t live_chunks() const { return live_; }
    /// Idle chunks kept for reuse.
    std::size_t free_chunks() const { return free_count_; }
    /// Frees the idle chunks, for when the daemon gives memory back after a burst.
    void release_free_chunks();

  private:
    friend class frame_chunk;
    frame_chunk* new_chunk(std::size_t capacity);
    void recycle(frame_chunk* chunk);

    std::size_t chunk_size_;
    std::size_t max_free_;
    chunk_ref current_;
    frame_chunk* reserved_ = nullptr;  // where the frame begun by reserve() is being written
    frame_chunk* free_list_ = nullptr;
    std::size_t free_count_ = 0;
    std::size_t live_ = 0;
};

inline void frame_chunk::release() {
    if (--refs_ == 0) {
        home_->recycle(this);
    }
}

}  // namespace chat
