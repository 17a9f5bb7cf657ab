#include <csignal>
#include <exception>
#include <filesystem>
#include <iostream>
#include <stdexcept>
#include <variant>

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "server/options.hpp"
#include "server/server.hpp"

namespace {

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
            const auto dir = std::filesystem::path(config.log_file).parent_path();
            if (!dir.empty() && !std::filesystem::is_directory(dir)) {
                std::cerr << "chat-server: cannot open log file '" << config.log_file
                          << "': no such directory\n";
                return 1;
            }
        }
        auto logger = config.log_file.empty()
                          ? spdlog::stderr_logger_st("chat-server")
                          : spdlog::basic_logger_st("chat-server", config.log_file);
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
        boost::asio::io_context io(1);
        chat::server server(io, config, connection_memory);
        boost::asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
            if (!ec) {
                spdlog::info("received signal {}", signal_number);
                server.stop();
            }
        });
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
