#pragma once

#include <cstdint>
#include <vector>

namespace chat::bench {

/// Latencies in two fixed-resolution tiers: 100 ns steps up to 10 ms, then 100 us steps up to
/// 10 s; longer ones land in the last bucket. The exact maximum is kept apart. Memory is fixed
/// (1.6 MB) however many samples arrive, and recording is one increment.
class latency_histogram {
  public:
    latency_histogram();

    void record(std::uint64_t ns);

    std::uint64_t count() const { return count_; }
    std::uint64_t max_ns() const { return max_; }

    /// The smallest bucket bound at or above the `q` quantile (0 < q <= 1), in ns.
    std::uint64_t quantile_ns(double q) const;

  private:
    std::vector<std::uint64_t> fine_;    // [i*100ns, (i+1)*100ns)
    std::vector<std::uint64_t> coarse_;  // [10ms + i*100us, ...)
    std::uint64_t count_ = 0;
    std::uint64_t max_ = 0;
};

}  // namespace chat::bench
