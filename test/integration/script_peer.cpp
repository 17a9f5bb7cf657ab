// A scripted stand-in for a chat server, for testing chat-client against lines the real server
// does not send (yet): it listens on 127.0.0.1 (an ephemeral port, printed first) and plays a
// script, one command per line:
//
//   accept            wait for the next connection (the previous one, if any, is closed)
//   send TEXT         send the line TEXT
//   expect TEXT       the next line from the client must be TEXT exactly
//   skip-until TEXT   read lines until one is TEXT exactly
//   reset             drop the connection abortively (the client sees a reset: a lost line)
//   close             close the connection in order, as a server does after BYE
//   await FILE        wait until FILE exists (the test creates it once the client has shown
//                     what it must before the next step, e.g. before a reset drops the lines
//                     still unread)
//   note TEXT         write `== TEXT` to the log
//
// A `/ping TOKEN` from the client is answered `PONG TOKEN` as it is read, as a server would, and
// is not matched by `expect` (unless TEXT is that ping). Everything sent and received goes to
// stdout, one line each (`> ` sent, `< ` received), so a test can check what the client said.
// Every wait is bounded (10 s); a failed step prints `!! ...` and exits 1. Usage:
//   chat-script-peer SCRIPT

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "test/support/line_client.hpp"

namespace {

using namespace std::chrono_literals;
using chat::test::line_client;

constexpr auto step_limit = 10s;

void log(std::string_view mark, std::string_view text) {
    std::printf("%.*s%.*s\n", static_cast<int>(mark.size()), mark.data(),
                static_cast<int>(text.size()), text.data());
    std::fflush(stdout);
}

int fail(std::size_t line_no, const std::string& why) {
    log("!! ", "script line " + std::to_string(line_no) + ": " + why);
    return 1;
}

class peer {
  public:
    bool listen() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = 0;
        ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
        socklen_t len = sizeof addr;
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
            ::listen(fd_, 4) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            return false;
        }
        log("listening on 127.0.0.1:", std::to_string(ntohs(addr.sin_port)));
        return true;
    }

    bool accept() {
        client_.reset();
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(std::chrono::milliseconds(step_limit).count())) != 1) {
            return false;
        }
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            return false;
        }
        client_.emplace(line_client::adopt(fd));
        log("== ", "accepted");
        return true;
    }

    bool send(std::string_view line) {
        log("> ", line);
        return client_ && client_->send_line(line);
    }

    /// The next line that is not a ping (pings are answered), or `ping_wanted` itself.
    std::optional<std::string> next(std::string_view ping_wanted) {
        if (!client_) {
            return std::nullopt;
        }
        const auto deadline = std::chrono::steady_clock::now() + step_limit;
        for (;;) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                return std::nullopt;
            }
            auto line = client_->read_line(left);
            if (!line) {
                return std::nullopt;
            }
            log("< ", *line);
            if (line->starts_with("/ping ") && *line != ping_wanted) {
                send("PONG " + line->substr(6));
                continue;
            }
            return line;
        }
    }

    void close(bool reset) {
        if (client_) {
            client_->close(reset);
            client_.reset();
        }
        log("== ", reset ? "reset" : "closed");
    }

  private:
    int fd_ = -1;
    std::optional<line_client> client_;
};

int run(const char* script_path) {
    std::ifstream script(script_path);
    if (!script) {
        log("!! ", std::string("cannot read ") + script_path);
        return 1;
    }
    peer p;
    if (!p.listen()) {
        log("!! ", "cannot listen");
        return 1;
    }
    std::string line;
    std::size_t line_no = 0;
    while (std::getline(script, line)) {
        ++line_no;
        const auto space = line.find(' ');
        const std::string word = line.substr(0, space);
        const std::string text =
            space == std::string::npos ? std::string() : line.substr(space + 1);
        if (word.empty()) {
            continue;
        }
        if (word == "note") {
            log("== ", text);
        } else if (word == "accept") {
            if (!p.accept()) {
                return fail(line_no, "no connection came");
            }
        } else if (word == "send") {
            if (!p.send(text)) {
                return fail(line_no, "could not send");
            }
        } else if (word == "expect") {
            const auto got = p.next(text);
            if (got != text) {
                return fail(line_no,
                            "expected '" + text + "', got '" + got.value_or("nothing") + "'");
            }
        } else if (word == "skip-until") {
            std::optional<std::string> got;
            while ((got = p.next(text)) && *got != text) {
            }
            if (!got) {
                return fail(line_no, "never got '" + text + "'");
            }
        } else if (word == "await") {
            const auto deadline = std::chrono::steady_clock::now() + step_limit;
            while (!std::filesystem::exists(text)) {
                if (std::chrono::steady_clock::now() > deadline) {
                    return fail(line_no, "no " + text + " came");
                }
                std::this_thread::sleep_for(20ms);
            }
            log("== ", "awaited " + text);
        } else if (word == "reset" || word == "close") {
            p.close(word == "reset");
        } else {
            return fail(line_no, "unknown command '" + word + "'");
        }
    }
    log("== ", "script done");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fputs("usage: chat-script-peer SCRIPT\n", stderr);
        return 2;
    }
    return run(argv[1]);
}
