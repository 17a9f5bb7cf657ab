#include "test/bench/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace chat::bench {

namespace {

constexpr std::uint64_t fine_step = 100;
constexpr std::uint64_t fine_buckets = 100'000;  // up to 10 ms
constexpr std::uint64_t fine_limit = fine_step * fine_buckets;
constexpr std::uint64_t coarse_step = 100'000;
constexpr std::uint64_t coarse_buckets = 100'000;  // up to 10 s more

}  // namespace

latency_histogram::latency_histogram() : fine_(fine_buckets), coarse_(coarse_buckets) {}

void latency_histogram::record(std::uint64_t ns) {
    ++count_;
    max_ = std::max(max_, ns);
    if (ns < fine_limit) {
        ++fine_[ns / fine_step];
    } else {
        ++coarse_[std::min<std::uint64_t>((ns - fine_limit) / coarse_step, coarse_buckets - 1)];
    }
}

std::uint64_t latency_histogram::quantile_ns(double q) const {
    if (count_ == 0) {
        return 0;
    }
    const auto rank = static_cast<std::uint64_t>(std::ceil(q * static_cast<double>(count_)));
    std::uint64_t seen = 0;
    for (std::uint64_t i = 0; i < fine_buckets; ++i) {
        seen += fine_[i];
        if (seen >= rank) {
            return std::min(max_, (i + 1) * fine_step);
        }
    }
    for (std::uint64_t i = 0; i < coarse_buckets; ++i) {
        seen += coarse_[i];
        if (seen >= rank) {
            return std::min(max_, fine_limit + (i + 1) * coarse_step);
        }
    }
    return max_;
}

}  // namespace chat::bench
