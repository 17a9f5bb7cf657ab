#pragma once

#include <cstdio>
#include <cstdlib>

/// Fails the fuzz run when an invariant does not hold: libFuzzer sees the abort as a crash and
/// saves the input that caused it. A macro so the message names the condition and the line.
#define FUZZ_CHECK(cond)                                                                       \
    do {                                                                                       \
        if (!(cond)) {                                                                         \
            std::fprintf(stderr, "invariant broken: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                      \
        }                                                                                      \
    } while (false)
