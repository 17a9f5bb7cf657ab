#pragma once

#include <cstdint>
#include <optional>

namespace chat::bench {

/// One look at another process through /proc: task/*/schedstat or stat (CPU), io (syscalls;
/// `syscw` counts write/writev but not send/sendmsg) and status (resident memory).
struct process_sample {
    double cpu_seconds = 0;  ///< run time of all threads: schedstat's, to the nanosecond, where
                             ///< the kernel keeps it, else utime + stime in clock ticks
    std::uint64_t read_calls = 0;     ///< syscr
    std::uint64_t write_calls = 0;    ///< syscw
    std::uint64_t bytes_written = 0;  ///< wchar
    std::uint64_t rss_kib = 0;        ///< VmRSS
    std::uint64_t voluntary_switches = 0;
    std::uint64_t forced_switches = 0;
};

/// Reads the figures of process `pid`; nothing if it is gone or unreadable.
std::optional<process_sample> sample_process(int pid);

/// CPU seconds all processes together have used on every core since boot (/proc/stat: user,
/// nice, system, irq, softirq and steal), to tell how much of a run's CPU went to others.
double machine_busy_seconds();

/// CPU seconds this process has used, user and system.
double self_cpu_seconds();

/// CLOCK_MONOTONIC in nanoseconds: the clock payload stamps and all run timing use.
std::uint64_t monotonic_ns();

}  // namespace chat::bench
