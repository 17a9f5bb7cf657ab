#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cstdio>
#include <variant>

#include "test/bench/bench_options.hpp"
#include "test/bench/scenarios.hpp"

namespace {

/// Lifts the soft open-file limit to the hard one: a connections run holds one descriptor per
/// client.
void raise_fd_limit() {
    rlimit lim{};
    if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &lim);
    }
}

}  // namespace

int main(int argc, char** argv) {
    auto parsed = chat::bench::parse_bench_options(argc, argv);
    if (const auto* exit = std::get_if<chat::bench::options_exit>(&parsed)) {
        std::fputs(exit->output.c_str(), exit->code == 0 ? stdout : stderr);
        if (exit->code != 0 && !exit->output.empty() && exit->output.back() != '\n') {
            std::fputc('\n', stderr);
        }
        return exit->code;
    }
    ::signal(SIGPIPE, SIG_IGN);
    raise_fd_limit();
    // Paced sends wake on a timer; the default 50 us slack would blur sub-millisecond latency.
    ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    return chat::bench::run_scenario(std::get<chat::bench::bench_config>(parsed));
}
