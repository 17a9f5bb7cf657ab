#pragma once

#include <string>
#include <variant>

#include "test/bench/bench_config.hpp"

namespace chat::bench {

/// What the command line asked for when it was not a run: help, a free port, or a usage error.
struct options_exit {
    int code = 0;
    std::string output;
};

/// Parses argv; never throws. The first positional word is the mode (`throughput`, `latency`,
/// `connections`, `rooms`, `joins`, `resume`); `free-port` prints an unused loopback port and
/// exits.
std::variant<bench_config, options_exit> parse_bench_options(int argc, const char* const* argv);

}  // namespace chat::bench
