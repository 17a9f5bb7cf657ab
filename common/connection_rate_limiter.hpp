#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <functional>
#include <list>
#include <unordered_map>

#include "common/token_bucket.hpp"

namespace chat {

/// How often one address may open a connection: a token bucket per key (`rate` connections per
/// second, `burst` at once); a key that finds its bucket empty is refused for at least `refusal`,
/// and longer if its next token is further off. Time is passed in, so tests drive it without
/// sleeping. A rate of 0 admits everything and tracks nothing.
///
/// Memory is bounded twice over. A key unseen for `horizon()` is forgotten: by then its bucket is
/// full and its refusal over, so it is no different from a key never seen. And at most
/// `max_tracked` keys are kept: a new key past that evicts the one seen longest ago, so an
/// attacker with many addresses cannot grow the table. The price is that an evicted key starts
/// again with a full bucket; with the server's cap that takes thousands of addresses connecting
/// within the horizon.
///
/// `Key` is whatever names "one client" (the server passes an address cut to --ipv6-prefix);
/// `Hash` hashes it.
template <class Key, class Hash = std::hash<Key>>
class connection_rate_limiter {
  public:
    using clock = std::chrono::steady_clock;

    /// What `admit` decided.
    struct verdict {
        bool admitted = true;
        /// When refused: how long until the key is let in again (at least `refusal`).
        clock::duration retry_after{};
    };

    /// `max_tracked` is at least 1.
    connection_rate_limiter(double rate, double burst, clock::duration refusal,
                            std::size_t max_tracked)
        : rate_(rate),
          burst_(std::max(burst, 1.0)),
          refusal_(refusal),
          max_tracked_(std::max<std::size_t>(max_tracked, 1)),
          horizon_(rate > 0 ? std::max(refusal_, seconds_clamped(burst_ / rate_))
                            : clock::duration::zero()) {}

    /// Counts a connection attempt from `key` at `now` and says whether to let it in. A refused
    /// attempt takes no token, and attempts during a refusal do not extend it: a host that
    /// keeps hammering is let in again at `rate`, never locked out for good.
    verdict admit(const Key& key, clock::time_point now) {
        if (rate_ <= 0) {
            return {};
        }
        expire(now);
        auto it = entries_.find(key);
        if (it == entries_.end()) {
            if (entries_.size() >= max_tracked_) {
                drop_oldest();
            }
            it = entries_.emplace(key, entry{token_bucket(rate_, burst_, now), now, now, {}}).first;
            it->second.position = order_.insert(order_.end(), &it->first);
        } else {
            order_.splice(order_.end(), order_, it->second.position);
        }
        entry& e = it->second;
        e.last_seen = now;
        if (now < e.refused_until) {
            return {false, e.refused_until - now};
        }
        if (e.bucket.try_take(now)) {
            return {};
        }
        e.refused_until = now + std::max(refusal_, e.bucket.wait_time(now));
        return {false, e.refused_until - now};
    }

    /// Forgets the keys unseen for `horizon()` at `now`. `admit` does it too; calling it when
    /// nobody connects lets the memory of a past storm go. O(1) amortised.
    void expire(clock::time_point now) {
        // `order_` runs from least to most recently seen: stop at the first key still fresh.
        while (!order_.empty() &&
               now - entries_.find(*order_.front())->second.last_seen >= horizon_) {
            drop_oldest();
        }
    }

    /// Keys now held.
    std::size_t tracked() const { return entries_.size(); }

    /// How long an unseen key is remembered: long enough for its bucket to fill and its refusal
    /// to end (at most an hour: a longer one forgets a little early, which only lets in sooner).
    clock::duration horizon() const { return horizon_; }

  private:
    struct entry {
        token_bucket bucket;
        clock::time_point last_seen;
        clock::time_point refused_until;
        typename std::list<const Key*>::iterator position;  ///< in order_
    };

    static clock::duration seconds_clamped(double seconds) {
        constexpr double max_seconds = 3600;
        return std::chrono::ceil<clock::duration>(
            std::chrono::duration<double>(std::min(seconds, max_seconds)));
    }

    void drop_oldest() {
        // Found first and erased by iterator: the key `order_` points to dies with the entry.
        const auto it = entries_.find(*order_.front());
        order_.pop_front();
        entries_.erase(it);
    }

    double rate_;
    double burst_;
    clock::duration refusal_;
    std::size_t max_tracked_;
    clock::duration horizon_;
    /// The keys in `entries_` (whose nodes do not move), from least to most recently seen.
    std::list<const Key*> order_;
    std::unordered_map<Key, entry, Hash> entries_;
};

}  // namespace chat
