#include "test/bench/proc_stats.hpp"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>
#include <string>

namespace chat::bench {

namespace {

std::optional<std::string> slurp(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return std::nullopt;
    }
    std::ostringstream all;
    all << in.rdbuf();
    return all.str();
}

/// The number after "key" at the start of a line of `text`, e.g. "syscw: 12" or "VmRSS:  4 kB".
std::uint64_t field(const std::string& text, const char* key) {
    const std::string needle = std::string("\n") + key;
    std::size_t at = text.compare(0, needle.size() - 1, key) == 0 ? 0 : text.find(needle);
    if (at == std::string::npos) {
        return 0;
    }
    at = text.find_first_of("0123456789", at + needle.size() - 1);
    return at == std::string::npos ? 0 : std::stoull(text.substr(at, 20));
}

/// CPU time of every thread of `pid` in nanoseconds from /proc/PID/task/*/schedstat (its first
/// field is the time the thread has run), or nothing where the kernel does not keep it. Clock
/// ticks (10 ms) are too coarse for a join storm that costs the server 50 ms in all.
std::optional<std::uint64_t> schedstat_ns(int pid) {
    const std::string dir = "/proc/" + std::to_string(pid) + "/task";
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
        return std::nullopt;
    }
    std::uint64_t total = 0;
    bool any = false;
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] == '.') {
            continue;
        }
        std::ifstream in(dir + "/" + e->d_name + "/schedstat");
        std::uint64_t ns = 0;
        if (in >> ns) {
            total += ns;
            any = true;
        }
    }
    ::closedir(d);
    return any ? std::optional<std::uint64_t>(total) : std::nullopt;
}

}  // namespace

std::optional<process_sample> sample_process(int pid) {
    const std::string dir = "/proc/" + std::to_string(pid) + "/";
    const auto stat = slurp(dir + "stat");
    const auto io = slurp(dir + "io");
    const auto status = slurp(dir + "status");
    if (!stat || !io || !status) {
        return std::nullopt;
    }
    // The command name may hold spaces and parentheses: fields are counted after the last ')'.
    const std::size_t close = stat->rfind(')');
    if (close == std::string::npos) {
        return std::nullopt;
    }
    std::istringstream fields(stat->substr(close + 2));
    std::string word;
    std::uint64_t utime = 0;
    std::uint64_t stime = 0;
    for (int i = 3; i <= 15 && fields >> word; ++i) {
        if (i == 14) {
            utime = std::stoull(word);
        } else if (i == 15) {
            stime = std::stoull(word);
        }
    }
    process_sample s;
    if (const auto ns = schedstat_ns(pid)) {
        s.cpu_seconds = static_cast<double>(*ns) * 1e-9;
    } else {
        s.cpu_seconds =
            static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
    }
    s.read_calls = field(*io, "syscr:");
    s.write_calls = field(*io, "syscw:");
    s.bytes_written = field(*io, "wchar:");
    s.rss_kib = field(*status, "VmRSS:");
    s.voluntary_switches = field(*status, "voluntary_ctxt_switches:");
    s.forced_switches = field(*status, "nonvoluntary_ctxt_switches:");
    return s;
}

double machine_busy_seconds() {
    std::ifstream in("/proc/stat");
    std::string cpu;
    std::uint64_t user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0,
                  steal = 0;
    if (!(in >> cpu >> user >> nice >> system >> idle >> iowait >> irq >> softirq >> steal)) {
        return 0;
    }
    return static_cast<double>(user + nice + system + irq + softirq + steal) /
           static_cast<double>(::sysconf(_SC_CLK_TCK));
}

double self_cpu_seconds() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    const auto secs = [](const timeval& tv) {
        return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) * 1e-6;
    };
    return secs(ru.ru_utime) + secs(ru.ru_stime);
}

std::uint64_t monotonic_ns() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ULL +
           static_cast<std::uint64_t>(ts.tv_nsec);
}

}  // namespace chat::bench
