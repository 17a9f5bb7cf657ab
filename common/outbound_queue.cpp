#include "common/outbound_queue.hpp"

#include <algorithm>

namespace chat {

void outbound_queue::push(const frame& f) {
    if (head_ < segments_.size()) {
        segment& last = segments_.back();
        if (last.chunk == f.chunk.get() && last.offset + last.size == f.offset) {
            last.size += f.size;
            bytes_ += f.size;
            return;
        }
    }
    chunk_ref share = f.chunk;
    segments_.push_back(segment{share.detach(), f.offset, f.size});
    bytes_ += f.size;
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
        chunk_ref::adopt(s.chunk);  // the temporary drops the queue's share
        ++head_;
    }
    if (head_ == segments_.size()) {
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
}

}  // namespace chat
