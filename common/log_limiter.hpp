#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <unordered_map>

namespace chat {

/// Keeps a storm from writing an unbounded log: at most `per_window` events per key in a window
/// of `window`, the rest counted and reported once when the window ends. Time is passed in.
///
/// A key's window opens with its first event and ends at the first `expire` at or after
/// `window` later (the server calls it every 100 ms); the key is then forgotten, so memory holds
/// only keys active in the last window. At most `max_keys` keys are tracked; events of further
/// keys share one overflow window, so even many addresses at once give at most
/// (`max_keys` + 1) x `per_window` events and as many summaries per window.
template <class Key, class Hash = std::hash<Key>>
class log_limiter {
  public:
    using clock = std::chrono::steady_clock;

    /// `max_keys` is at least 1.
    log_limiter(std::size_t per_window, clock::duration window, std::size_t max_keys)
        : per_window_(per_window), window_(window), max_keys_(std::max<std::size_t>(max_keys, 1)) {}

    /// Counts an event about `key` at `now`; true if it is to be logged, false if it is
    /// suppressed (and counted for the summary).
    bool admit(const Key& key, clock::time_point now) {
        auto it = windows_.find(key);
        if (it == windows_.end()) {
            if (windows_.size() >= max_keys_) {
                return count(overflow_, now);
            }
            it = windows_.emplace(key, window_state{}).first;
            order_.push_back(&it->first);
        }
        return count(it->second, now);
    }

    /// Ends the windows that are over at `now`. For each that suppressed events, calls
    /// `report(key, suppressed)`, with a null `key` for the overflow window (other keys).
    template <class Report>
    void expire(clock::time_point now, Report&& report) {
        // Windows open in the order keys first come and are forgotten when they end, so
        // `order_` is also the order in which they end.
        while (!order_.empty()) {
            const auto it = windows_.find(*order_.front());
            if (now - it->second.start < window_) {
                break;
            }
            if (it->second.suppressed != 0) {
                report(&it->first, it->second.suppressed);
            }
            order_.pop_front();
            windows_.erase(it);
        }
        if (overflow_.events != 0 && now - overflow_.start >= window_) {
            if (overflow_.suppressed != 0) {
                report(static_cast<const Key*>(nullptr), overflow_.suppressed);
            }
            overflow_ = window_state{};
        }
    }

    /// Keys now tracked (the overflow window not counted).
    std::size_t tracked() const { return windows_.size(); }

  private:
    struct window_state {
        clock::time_point start;
        std::size_t events = 0;
        std::size_t suppressed = 0;
    };

    bool count(window_state& w, clock::time_point now) {
        if (w.events++ == 0) {
            w.start = now;
        }
        if (w.events <= per_window_) {
            return true;
        }
        ++w.suppressed;
        return false;
    }

    std::size_t per_window_;
    clock::duration window_;
    std::size_t max_keys_;
    /// The keys in `windows_` (whose nodes do not move), in the order their windows opened.
    std::deque<const Key*> order_;
    std::unordered_map<Key, window_state, Hash> windows_;
    window_state overflow_;
};

}  // namespace chat
