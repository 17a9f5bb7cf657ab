#pragma once

#include "test/bench/bench_config.hpp"

namespace chat::bench {

/// Runs the scenario `config` names against the server on 127.0.0.1:`config.port`, prints a
/// human summary and one final `RESULT key=value ...` line on stdout, and returns the exit
/// code: 0 when every message arrived once and in order, 1 otherwise.
int run_scenario(const bench_config& config);

}  // namespace chat::bench
