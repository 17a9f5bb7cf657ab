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
    // The eighth allows for the unused ends of chunks (at most a line each) in a queue that is
    // simply behind on frames of its own, which copying would not make smaller.
    if (pinned_ > bytes_ + bytes_ / 8 + 2 * chunk->capacity()) {
        compact();
    }
}

void outbound_queue::compact() {
    // Everything but the newest range goes into the private chunk, in order. The private chunk,
    // when there is one, is the head range, whose end is own_end_: copies are appended there.
    const std::size_t newest = segments_.size() - 1;
    const std::size_t step = segments_[newest].chunk->capacity();
    const bool head_private = is_private(segments_[head_]);
    const std::size_t from = head_private ? head_ + 1 : head_;
    segment merged = head_private ? segments_[head_] : segment{nullptr, 0, 0};
    std::size_t to_copy = 0;
    for (std::size_t i = from; i < newest; ++i) {
        to_copy += segments_[i].size;
    }
    // A new private chunk when there is none, when the copies do not fit, or when more than a
    // chunk of it has been sent already: exactly what is kept plus one chunk of room, so what is
    // pinned stays within two chunks of what is queued. Appends fill the room; each byte is
    // copied again once per chunk of new bytes at most, and only while the peer is not reading.
    if (!head_private || own_end_ + to_copy > own_->capacity() || merged.offset > step) {
        const std::size_t capacity = merged.size + to_copy + step;
        frame_chunk* fresh = segments_[newest].chunk->home().private_chunk(capacity).detach();
        if (head_private) {
            std::memcpy(fresh->data(), merged.chunk->data() + merged.offset, merged.size);
            chunk_ref::adopt(merged.chunk);  // drops the old private chunk
        }
        merged = segment{fresh, 0, merged.size};
        own_ = fresh;
        own_end_ = merged.size;
    }
    for (std::size_t i = from; i < newest; ++i) {
        const segment& s = segments_[i];
        std::memcpy(own_->data() + own_end_, s.chunk->data() + s.offset, s.size);
        own_end_ += s.size;
        merged.size += s.size;
        chunk_ref::adopt(s.chunk);  // drops this range's share of the shared chunk
    }
    const segment last = segments_[newest];
    segments_.clear();
    segments_.push_back(merged);
    segments_.push_back(last);
    head_ = 0;
    pinned_ = own_->capacity() + last.chunk->capacity();
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
        if (is_private(s)) {
            own_ = nullptr;
            own_end_ = 0;
        }
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
    pinned_ = 0;
    own_ = nullptr;
    own_end_ = 0;
}

}  // namespace chat
