#include "test/bench/verifier.hpp"

#include <fmt/format.h>

namespace chat::bench {

void verifier::reset(std::size_t receivers, std::size_t senders) {
    receivers_ = receivers;
    senders_ = senders;
    next_.assign(receivers * senders, 0);
    expected_.assign(senders, 0);
    self_.assign(receivers, nobody);
    received_ = lost_ = reordered_ = foreign_ = 0;
    first_fault_.clear();
}

std::uint64_t verifier::expected_total() const {
    std::uint64_t total = 0;
    for (std::size_t r = 0; r < receivers_; ++r) {
        for (std::size_t s = 0; s < senders_; ++s) {
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
        for (std::size_t s = 0; s < senders_; ++s) {
            const std::uint64_t next = next_[r * senders_ + s];
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
    const std::uint64_t next = s < senders_ ? next_[r * senders_ + s] : 0;
    first_fault_ = fmt::format("receiver {} got message {} of sender {} while expecting {}: {}", r,
                               seq, s, next, what);
}

}  // namespace chat::bench
