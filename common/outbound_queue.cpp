#include "common/outbound_queue.hpp"

#include <algorithm>
#include <cstring>

namespace chat {

void outbound_queue::push(const frame& f) {
    frame_chunk* const chunk = f.chunk.get();
    if (head_ < segments_.size()) {
        segment& last = segments_.back();
        if (last.chunk == chunk && last.offset + last.size == f.offset) {
            last.size += f.size;
            bytes_ += f.size;
            return;
        }
    }
    if (head_ == segments_.size() || segments_.back().chunk != chunk) {
        pinned_ += chunk->capacity();
    }
    chunk_ref share = f.chunk;
    segments_.push_back(segment{share.detach(), f.offset, f.size});
    bytes_ += f.size;
    // After compact() what this queue alone keeps alive is at most its bytes, an eighth more for
    // the unused ends of chunks kept as they are, the head's chunk, the private chunk's room and
    // the newest chunk: a quarter and three chunks of slack leave room above that. A walk that
    // frees little (other queues still hold the chunks) makes the next wait until twice as much
    // is pinned, so a queue behind on shared traffic is not walked on every push.
    if (pinned_ > bytes_ + bytes_ / 4 + 3 * chunk->capacity() && pinned_ >= next_compaction_) {
        const std::size_t before = pinned_;
        compact();
        const std::size_t step = 2 * chunk->capacity();
        const bool freed_little = before - pinned_ < step;
        next_compaction_ = pinned_ + (freed_little ? std::max(step, pinned_) : step);
    }
}

void outbound_queue::compact() {
    // Walks the runs (consecutive ranges in one chunk) between the head and the newest range. A
    // run that uses most of its chunk is this queue's own traffic (or an earlier copy) and stays
    // where it is: copying it would free nothing. A run that uses little of its chunk (a reply in
    // a chunk full of others' frames) is copied to the end of the private chunk, which lets the
    // shared one go. A full private chunk is left as it is and a new one started, so every byte
    // is copied at most once. The head run is being sent and the newest is still being written
    // to by the arena: both stay.
    const std::size_t newest = segments_.size() - 1;
    std::vector<segment> kept;
    kept.reserve(segments_.size() - head_);
    std::size_t i = head_;
    while (i < newest) {
        std::size_t end = i;
        std::size_t run_bytes = 0;
        while (end < newest && segments_[end].chunk == segments_[i].chunk) {
            run_bytes += segments_[end].size;
            ++end;
        }
        frame_chunk* chunk = segments_[i].chunk;
        const std::size_t capacity = chunk->capacity();
        // Ours alone: every holder of the chunk is one of this run's ranges.
        const bool only_ours = chunk->use_count() == end - i;
        if (i == head_ || chunk == own_ || !only_ours || run_bytes >= capacity - capacity / 8) {
            kept.insert(kept.end(), segments_.begin() + static_cast<std::ptrdiff_t>(i),
                        segments_.begin() + static_cast<std::ptrdiff_t>(end));
            i = end;
            continue;
        }
        const bool after_own = own_ != nullptr && !kept.empty() && kept.back().chunk == own_;
        if (!after_own || own_end_ + run_bytes > own_->capacity()) {
            frame_arena& home = chunk->home();
            own_ = home.private_chunk(std::max(run_bytes, home.chunk_size())).detach();
            own_end_ = 0;
            kept.push_back(segment{own_, 0, 0});
        }
        for (; i < end; ++i) {
            const segment& s = segments_[i];
            std::memcpy(own_->data() + own_end_, s.chunk->data() + s.offset, s.size);
            own_end_ += s.size;
            kept.back().size += s.size;
            chunk_ref::adopt(s.chunk);  // drops this range's share of the shared chunk
        }
    }
    kept.push_back(segments_[newest]);
    segments_ = std::move(kept);
    head_ = 0;
    pinned_ = 0;
    for (std::size_t k = 0; k < segments_.size(); ++k) {
        if (k == 0 || segments_[k].chunk != segments_[k - 1].chunk) {
            pinned_ += segments_[k].chunk->capacity();
        }
    }
}

std::size_t outbound_queue::gather(std::span<std::string_view> out, std::size_t max_bytes) const {
    std::size_t count = 0;
    std::size_t total = 0;
    for (std::size_t i = head_; i < segments_.size() && count < out.size() && total < max_bytes;
         ++i) {
        const segment& s = segments_[i];
        out[count++] = std::string_view{s.chunk->data() + s.offset, s.size};
        total += s.size;
    }
    return count;
}

void outbound_queue::consume(std::size_t n) {
    n = std::min(n, bytes_);
    bytes_ -= n;
    while (n > 0) {
        segment& s = segments_[head_];
        if (n < s.size) {
            s.offset += static_cast<std::uint32_t>(n);
            s.size -= static_cast<std::uint32_t>(n);
            break;
        }
        n -= s.size;
        const bool run_ends =
            head_ + 1 == segments_.size() || segments_[head_ + 1].chunk != s.chunk;
        if (run_ends) {
            pinned_ -= s.chunk->capacity();
        }
        if (is_private(s) && run_ends) {
            own_ = nullptr;
            own_end_ = 0;
        }
        chunk_ref::adopt(s.chunk);  // the temporary drops the queue's share
        ++head_;
    }
    if (head_ == segments_.size()) {
        next_compaction_ = 0;
        // Give the array back whenever the queue runs dry: most connections are idle most of
        // the time, and a busy one empties its queue once per write, so the cost is one
        // allocation per write, not per message.
        std::vector<segment>().swap(segments_);
        head_ = 0;
    } else if (head_ >= 64 && head_ * 2 >= segments_.size()) {
        segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(head_));
        head_ = 0;
    }
}

void outbound_queue::clear() {
    for (std::size_t i = head_; i < segments_.size(); ++i) {
        chunk_ref::adopt(segments_[i].chunk);
    }
    std::vector<segment>().swap(segments_);
    head_ = 0;
    bytes_ = 0;
    pinned_ = 0;
    next_compaction_ = 0;
    own_ = nullptr;
    own_end_ = 0;
}

}  // namespace chat
