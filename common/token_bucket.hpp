#pragma once

#include <chrono>

namespace chat {

/// Flood control: `rate` tokens per second refill a bucket of `burst`; each message takes one.
/// Time is passed in, so tests drive it without sleeping. A rate of 0 means unlimited.
class token_bucket {
  public:
    using clock = std::chrono::steady_clock;

    /// The longest wait `wait_time` reports; a longer one is reported as this.
    static constexpr clock::duration max_wait = std::chrono::hours(1);

    token_bucket(double rate, double burst, clock::time_point now)
        : rate_(rate), burst_(burst < 1.0 ? 1.0 : burst), tokens_(burst_), last_(now) {}

    /// Takes a token if one is there.
    bool try_take(clock::time_point now) {
        if (rate_ <= 0.0) {
            return true;
        }
        refill(now);
        if (tokens_ >= 1.0) {
            tokens_ -= 1.0;
            return true;
        }
        return false;
    }

    /// Takes `n` tokens if that many are there (for budgets counted in bytes).
    bool try_take(double n, clock::time_point now) {
        if (rate_ <= 0.0) {
            return true;
        }
        refill(now);
        if (tokens_ >= n) {
            tokens_ -= n;
            return true;
        }
        return false;
    }

    /// Takes `tokens` more for a line that cost more than one (a big reply): the bucket may go
    /// below zero, and the sender then waits until it has paid it back.
    void charge(double tokens, clock::time_point now) {
        if (rate_ <= 0.0 || tokens <= 0.0) {
            return;
        }
        refill(now);
        tokens_ -= tokens;
    }

    /// How long until a token will be there (zero if one is there now), at most `max_wait`: the
    /// caller asks again when the wait is over.
    clock::duration wait_time(clock::time_point now) {
        if (rate_ <= 0.0) {
            return clock::duration::zero();
        }
        refill(now);
        if (tokens_ >= 1.0) {
            return clock::duration::zero();
        }
        // A tiny rate gives a wait past what the clock's 64-bit nanosecond count holds (about
        // 292 years; 1e-10 lines/s needs 317): converting it would wrap to a negative wait that
        // reads as "a token is there", and flood control would be off. Clamped, a long wait
        // costs one extra wake-up.
        const double seconds = (1.0 - tokens_) / rate_;
        if (!(seconds < max_wait_seconds)) {
            return max_wait;
        }
        return std::chrono::ceil<clock::duration>(std::chrono::duration<double>(seconds));
    }

  private:
    static constexpr double max_wait_seconds = std::chrono::duration<double>(max_wait).count();

    void refill(clock::time_point now) {
        const std::chrono::duration<double> elapsed = now - last_;
        last_ = now;
        if (elapsed.count() > 0) {
            tokens_ += elapsed.count() * rate_;
            if (tokens_ > burst_) {
                tokens_ = burst_;
            }
        }
    }

    double rate_;
    double burst_;
    double tokens_;
    clock::time_point last_;
};

}  // namespace chat
