#include "test/bench/verifier.hpp"

#include <fmt/format.h>

namespace chat::bench {

void verifier::start(std::size_t receivers, std::size_t senders, std::size_t width) {
    receivers_ = receivers;
    senders_ = senders;
    width_ = width;
    next_.assign(receivers * width, 0);
    expected_.assign(senders, 0);
    self_.assign(receivers, nobody);
    received_ = lost_ = reordered_ = foreign_ = 0;
    first_fault_.clear();
}

void verifier::reset(std::size_t receivers, std::size_t senders) {
    room_size_ = 0;
    start(receivers, senders, senders);
}

void verifier::reset_rooms(std::size_t clients, std::size_t room_size) {
    room_size_ = room_size;
    start(clients, clients, room_size);
}

std::uint64_t verifier::expected_total() const {
    std::uint64_t total = 0;
    for (std::size_t r = 0; r < receivers_; ++r) {
        const std::size_t first = first_sender(r);
        for (std::size_t s = first; s < first + width_ && s < senders_; ++s) {
            if (self_[r] != s) {
                total += expected_[s];
            }
        }
    }
    return total;
}

std::uint64_t verifier::lost() const {
    std::uint64_t missing = lost_;
    for (std::size_t r = 0; r < receivers_; ++r) {
        const std::size_t first = first_sender(r);
        for (std::size_t s = first; s < first + width_ && s < senders_; ++s) {
            const std::uint64_t next = next_[r * width_ + (s - first)];
            if (self_[r] != s && next < expected_[s]) {
                missing += expected_[s] - next;
            }
        }
    }
    return missing;
}

void verifier::note_fault(std::size_t r, std::uint32_t s, std::uint64_t seq, const char* what) {
    if (!first_fault_.empty()) {
        return;
    }
    const std::size_t first = first_sender(r);
    const bool heard = s < senders_ && s >= first && s - first < width_;
    const std::uint64_t next = heard ? next_[r * width_ + (s - first)] : 0;
    first_fault_ = fmt::format("receiver {} got message {} of sender {} while expecting {}: {}", r,
                               seq, s, next, what);
}

}  // namespace chat::bench
