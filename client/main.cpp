#include <langinfo.h>
#include <unistd.h>

#include <clocale>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <variant>

#include <boost/asio/io_context.hpp>

#include "client/client_options.hpp"
#include "client/interactive_client.hpp"
#include "client/scripted_client.hpp"

namespace {

/// The protocol is UTF-8, and libedit decodes keys by the locale: make sure it is a UTF-8 one.
void use_utf8_locale() {
    std::setlocale(LC_CTYPE, "");
    if (std::strcmp(nl_langinfo(CODESET), "UTF-8") != 0) {
        std::setlocale(LC_CTYPE, "C.UTF-8");
    }
}

int run(int argc, char** argv) {
    auto parsed = chat::parse_client_options(argc, argv);
    if (const auto* exit = std::get_if<chat::client_exit>(&parsed)) {
        std::fputs(exit->output.c_str(), exit->code == 0 ? stdout : stderr);
        if (exit->code != 0) {
            std::fputc('\n', stderr);
        }
        return exit->code;
    }
    const auto& config = std::get<chat::client_config>(parsed);

    // A server that vanishes while we write must be an error code, never a signal.
    std::signal(SIGPIPE, SIG_IGN);
    use_utf8_locale();

    // Interactive only when both ends are a terminal: with stdout redirected, a prompt and
    // redraws would only litter the output, so it is a filter reading the terminal's lines.
    const bool interactive = ::isatty(STDIN_FILENO) == 1 && ::isatty(STDOUT_FILENO) == 1;
    const chat::render_options style{chat::want_color(config.no_color, ::isatty(STDOUT_FILENO) == 1,
                                                      std::getenv("NO_COLOR"), std::getenv("TERM")),
                                     false};

    boost::asio::io_context io(1);
    if (interactive) {
        chat::interactive_client client(io, config, style);
        client.start();
        io.run();
        return client.exit_code();
    }
    chat::scripted_client client(io, config, style);
    client.start();
    io.run();
    return client.exit_code();
}

}  // namespace

#if defined(__SANITIZE_ADDRESS__)
// libedit (3.1-20221030) keeps wide copies of the names and help texts of functions added with
// EL_ADDFN, and el_end() does not free them. The leak is the library's, once per process; the
// sanitizer build of the client is told so here, so that it runs clean from any environment.
extern "C" const char* __lsan_default_suppressions() {
    return "leak:wcsdup\n";
}
#endif

int main(int argc, char** argv) {
    try {
        return run(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "chat-client: %s\n", e.what());
        return 1;
    } catch (...) {
        return 1;
    }
}
