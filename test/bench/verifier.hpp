#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace chat::bench {

/// Checks that every receiver gets every message of the senders it should hear exactly once and
/// in the order sent. Per (receiver, sender) it keeps the next sequence number expected; anything
/// else is a fault.
///
/// In one room every receiver hears every sender. In many rooms, clients are numbered room by
/// room, each both a receiver and a sender with the same number: receiver r hears exactly the
/// senders of its own room, so only `room size` streams are kept per receiver, not one per
/// sender of the whole run (10,000 x 10,000 would not fit).
class verifier {
  public:
    static constexpr std::uint32_t nobody = UINT32_MAX;

    /// Starts over with one room: `receivers` x `senders` streams, each expecting nothing yet.
    void reset(std::size_t receivers, std::size_t senders);

    /// Starts over with `clients` / `room_size` rooms of `room_size` clients.
    void reset_rooms(std::size_t clients, std::size_t room_size);

    /// Sender `s` sends `count` messages in all, numbered 0..count-1. A run of several phases
    /// raises it phase by phase: the streams go on where they were.
    void expect(std::size_t s, std::uint64_t count) { expected_[s] = count; }
    std::uint64_t expected(std::size_t s) const { return expected_[s]; }

    /// Receiver `r` is sender `s` itself, which the server never echoes to.
    void set_self(std::size_t r, std::uint32_t s) { self_[r] = s; }

    /// Records that receiver `r` got message `seq` of sender `s`; false if that is a fault.
    bool record(std::size_t r, std::uint32_t s, std::uint64_t seq) {
        const std::size_t first = first_sender(r);
        if (s >= senders_ || s < first || s - first >= width_ || s == self_[r]) {
            note_fault(r, s, seq, "a message from a sender it should not hear");
            ++foreign_;
            return false;
        }
        std::uint64_t& next = next_[r * width_ + (s - first)];
        ++received_;
        if (seq == next) {
            ++next;
            return true;
        }
        if (seq > next) {
            note_fault(r, s, seq, "a gap");
            lost_ += seq - next;
            next = seq + 1;
        } else {
            note_fault(r, s, seq, "a repeat or late message");
            ++reordered_;
        }
        return false;
    }

    std::size_t receivers() const { return receivers_; }

    /// Deliveries the run should see in all.
    std::uint64_t expected_total() const;

    /// Deliveries seen so far, faulty ones included.
    std::uint64_t received() const { return received_; }

    /// Messages that never arrived: gaps seen so far plus, per stream, the missing tail.
    std::uint64_t lost() const;
    std::uint64_t reordered() const { return reordered_; }
    std::uint64_t foreign() const { return foreign_; }
    bool ok() const { return lost() == 0 && reordered_ == 0 && foreign_ == 0; }

    /// The first fault in words, or empty.
    const std::string& first_fault() const { return first_fault_; }

  private:
    /// The first sender receiver `r` hears; it hears `width_` of them.
    std::size_t first_sender(std::size_t r) const {
        return room_size_ == 0 ? 0 : r - r % room_size_;
    }
    void start(std::size_t receivers, std::size_t senders, std::size_t width);
    void note_fault(std::size_t r, std::uint32_t s, std::uint64_t seq, const char* what);

    std::size_t receivers_ = 0;
    std::size_t senders_ = 0;
    std::size_t room_size_ = 0;            // 0: one room
    std::size_t width_ = 0;                // senders each receiver hears
    std::vector<std::uint64_t> next_;      // receivers_ x width_
    std::vector<std::uint64_t> expected_;  // per sender
    std::vector<std::uint32_t> self_;      // per receiver: its own sender slot, or nobody
    std::uint64_t received_ = 0;
    std::uint64_t lost_ = 0;
    std::uint64_t reordered_ = 0;
    std::uint64_t foreign_ = 0;
    std::string first_fault_;
};

}  // namespace chat::bench
