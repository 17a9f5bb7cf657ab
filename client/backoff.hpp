#pragma once

#include <algorithm>
#include <chrono>

namespace chat {

/// Exponential back-off for reconnecting: `first`, then doubling, never above `cap`. Pure.
class backoff {
  public:
    using duration = std::chrono::milliseconds;

    explicit backoff(duration first = std::chrono::seconds(1),
                     duration cap = std::chrono::seconds(30))
        : first_(first), cap_(cap), next_(first) {}

    /// The wait before the next attempt; each call doubles the one after, up to the cap.
    duration next() {
        const duration now = next_;
        next_ = std::min(cap_, next_ * 2);
        return now;
    }

    /// Starts again from `first`: called once a connection has proven good (the name accepted).
    void reset() { next_ = first_; }

  private:
    duration first_;
    duration cap_;
    duration next_;
};

}  // namespace chat
