#pragma once

#include <string>
#include <variant>

#include "server/config.hpp"

namespace chat {

/// The outcome of reading the command line: a configuration to run with, or an exit.
struct options_exit {
    int code;            ///< 0 after --help/--version, 2 for a usage error
    std::string output;  ///< for stdout when code is 0, else the one-line error for stderr
};

/// Reads flags, then the `--config` file if one is named (the command line wins). Unknown flags
/// and unknown keys in the file, bad values and out-of-range numbers, a config path that is not a
/// regular file of at most 1 MiB: all are usage errors, each reported in one line.
std::variant<server_config, options_exit> parse_server_options(int argc, const char* const* argv);

}  // namespace chat
