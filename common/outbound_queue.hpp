#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "common/frame_arena.hpp"

namespace chat {

/// The bytes waiting to be sent to one connection, as ranges of shared chunks. A frame that
/// directly follows the last queued one in the same chunk only lengthens that range, so a
/// connection that receives every room message holds one range per chunk, not one per frame.
///
/// A range keeps its whole chunk alive, and a chunk holds everyone's frames: a queue that is not
/// drained (a peer that stopped reading) and receives a few bytes from each of many chunks would
/// pin far more memory than it is charged for. So the queue also counts what it pins, and once
/// that passes its bytes by more than two chunks it copies its ranges, all but the newest, into a
/// chunk of its own and lets the shared chunks go: after any push it pins at most its bytes, an
/// eighth more (the unused ends of chunks), and two chunks. A queue that is drained as it should be
/// never gets there, and room fan-out stays zero-copy.
class outbound_queue {
  public:
    outbound_queue() = default;
    outbound_queue(const outbound_queue&) = delete;
    outbound_queue& operator=(const outbound_queue&) = delete;
    ~outbound_queue() { clear(); }

    /// Queues `f` behind everything queued before.
    void push(const frame& f);

    /// Fills `out` with the queued ranges from the front, at most `out.size()` of them and about
    /// `max_bytes` in all (a range is never split, so one may go past it). Returns how many.
    std::size_t gather(std::span<std::string_view> out, std::size_t max_bytes) const;

    /// Drops the first `n` bytes, which have been sent.
    void consume(std::size_t n);

    /// Drops everything, e.g. when the connection is gone.
    void clear();

    std::size_t bytes() const { return bytes_; }
    /// Bytes of chunk memory this queue keeps alive (a run of ranges in one chunk counts once).
    /// Bytes of chunk memory this queue is the last to keep alive, past its own bytes, is kept to
    /// `bytes()` / 4 and six chunks (twice that while other queues also hold them).
    std::size_t pinned() const { return pinned_; }
    bool empty() const { return bytes_ == 0; }
    /// Ranges queued now; a measure of fragmentation for tests and stats.
    std::size_t ranges() const { return segments_.size() - head_; }

  private:
    struct segment {
        frame_chunk* chunk;  // holds one reference
        std::uint32_t offset;
        std::uint32_t size;
    };

    /// Copies the ranges that use little of a chunk nobody else holds into the private chunk.
    void compact();
    bool is_private(const segment& s) const { return s.chunk == own_; }

    std::vector<segment> segments_;
    std::size_t head_ = 0;  // segments before head_ are sent and released
    std::size_t bytes_ = 0;
    std::size_t pinned_ = 0;
    frame_chunk* own_ = nullptr;  // the private chunk copies are appended to, while it is queued
    std::size_t own_end_ = 0;     // where the next copy goes in own_
    std::size_t next_compaction_ = 0;  // pinned bytes at which compact() may run again
};

}  // namespace chat
