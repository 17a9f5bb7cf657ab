#include <csignal>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <stdexcept>
#include <utility>
#include <variant>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/dist_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "server/options.hpp"
#include "server/server.hpp"

namespace {

namespace asio = boost::asio;

/// True unless `path` names a file in a directory that does not exist.
bool log_dir_exists(const std::string& path) {
    const auto dir = std::filesystem::path(path).parent_path();
    return dir.empty() || std::filesystem::is_directory(dir);
}

/// SIGUSR1: opens `log_file` again by name, so that logrotate can rename it and have the next
/// line start a new file (no copytruncate, so no lines lost between copy and truncate). If the
/// new file cannot be opened, the daemon logs why and goes on with the old one.
/// The logger's one sink, whose own sink can be replaced while another thread logs: the history
/// maintenance thread is the one other thread, and a log file is reopened on SIGUSR1.
std::shared_ptr<spdlog::sinks::dist_sink_mt>& log_switch() {
    static std::shared_ptr<spdlog::sinks::dist_sink_mt> sink;
    return sink;
}

void reopen_log(const std::string& log_file) {
    if (log_file.empty()) {
        spdlog::info("received SIGUSR1; logging to stderr, so there is no log file to reopen");
        return;
    }
    spdlog::info("received SIGUSR1; reopening the log file {}", log_file);
    // As at start: spdlog would create a missing directory, hiding that it has gone.
    if (!log_dir_exists(log_file)) {
        spdlog::error("cannot reopen the log file {}: no such directory; logging on to the old one",
                      log_file);
        return;
    }
    try {
        auto sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(log_file);
        // The history maintenance thread may be logging: the swap happens under the dist sink's
        // lock, and the old file closes here.
        log_switch()->set_sinks({std::move(sink)});
        spdlog::info("reopened the log file {} on SIGUSR1", log_file);
    } catch (const spdlog::spdlog_ex& e) {
        spdlog::error("cannot reopen the log file {}: {}; logging on to the old one", log_file,
                      e.what());
    }
}

/// Waits for the next signal of `signals`. SIGINT and SIGTERM stop `server` and end the wait, so
/// that `io.run()` returns once the last connection is closed; every other signal is handled and
/// waited for again. A signal in the set can no longer end the process on the spot.
void wait_for_signal(asio::signal_set& signals, chat::server& server,
                     const chat::server_config& config) {
    signals.async_wait([&signals, &server, &config](const boost::system::error_code& ec,
                                                    int signal_number) {
        if (ec) {
            return;
        }
        switch (signal_number) {
            case SIGINT:
            case SIGTERM:
                spdlog::info("received signal {}", signal_number);
                server.stop();
                return;
            case SIGUSR1:
                reopen_log(config.log_file);
                break;
            case SIGHUP:
                spdlog::info(
                    "received SIGHUP; ignored for now (a later version reloads the config file)");
                break;
            case SIGUSR2:
                spdlog::info("received SIGUSR2; ignored");
                break;
            case SIGALRM:
                spdlog::info("received SIGALRM; ignored");
                break;
            default:
                spdlog::info("received signal {}; ignored", signal_number);
                break;
        }
        wait_for_signal(signals, server, config);
    });
}

int run(int argc, char** argv) {
    auto parsed = chat::parse_server_options(argc, argv);
    if (const auto* exit = std::get_if<chat::options_exit>(&parsed)) {
        (exit->code == 0 ? std::cout : std::cerr) << exit->output << (exit->code == 0 ? "" : "\n");
        return exit->code;
    }
    const auto& config = std::get<chat::server_config>(parsed);

    try {
        if (!config.log_file.empty()) {
            // spdlog would create missing directories: a typo in the path must be an error.
            if (!log_dir_exists(config.log_file)) {
                std::cerr << "chat-server: cannot open log file '" << config.log_file
                          << "': no such directory\n";
                return 1;
            }
        }
        spdlog::sink_ptr first;
        if (config.log_file.empty()) {
            first = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        } else {
            first = std::make_shared<spdlog::sinks::basic_file_sink_mt>(config.log_file);
        }
        log_switch() = std::make_shared<spdlog::sinks::dist_sink_mt>(
            std::vector<spdlog::sink_ptr>{std::move(first)});
        auto logger = std::make_shared<spdlog::logger>("chat-server", log_switch());
        spdlog::set_default_logger(logger);
        spdlog::set_level(spdlog::level::from_str(config.log_level));
        spdlog::flush_on(spdlog::level::trace);
    } catch (const spdlog::spdlog_ex& e) {
        std::cerr << "chat-server: cannot open log: " << e.what() << '\n';
        return 1;
    }

    // A peer that vanishes while we write must be an error code, never a signal.
    std::signal(SIGPIPE, SIG_IGN);

    try {
        // Declared before the io_context: handlers still pending when it is destroyed (after an
        // exception) free their sessions into this pool.
        chat::slab_pool connection_memory;
        asio::io_context io(1);
        chat::server server(io, config, connection_memory);
        // Registered before the port is announced: from then on none of these kills the daemon.
        asio::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
        for (const int more : {SIGUSR1, SIGUSR2, SIGALRM}) {
            signals.add(more);
        }
        wait_for_signal(signals, server, config);
        server.start();
        // Returns once stop() has closed the last connection: nothing else ends the accept loop.
        io.run();
        return 0;
    } catch (const std::runtime_error& e) {
        spdlog::critical("cannot start: {}", e.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::cerr << "chat-server: fatal: " << e.what() << '\n';
        return 1;
    } catch (...) {
        std::cerr << "chat-server: fatal: unknown error\n";
        return 1;
    }
}
