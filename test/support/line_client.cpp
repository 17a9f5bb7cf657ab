#include "test/support/line_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <utility>

namespace chat::test {

line_client::line_client(std::uint16_t port, const std::string& host, const std::string& source) {
    const bool v6 = host.find(':') != std::string::npos;
    fd_ = ::socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) {
        throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    }
    if (!source.empty() && !v6) {
        sockaddr_in from{};
        from.sin_family = AF_INET;
        ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
            const int err = errno;
            ::close(fd_);
            fd_ = -1;
            throw std::runtime_error(std::string("bind: ") + std::strerror(err));
        }
    }
    int rc = -1;
    if (v6) {
        sockaddr_in6 addr{};
        addr.sin6_family = AF_INET6;
        addr.sin6_port = htons(port);
        ::inet_pton(AF_INET6, host.c_str(), &addr.sin6_addr);
        rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    } else {
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port);
        ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
        rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    }
    if (rc != 0) {
        const int err = errno;
        ::close(fd_);
        fd_ = -1;
        throw std::runtime_error(std::string("connect: ") + std::strerror(err));
    }
    const int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

line_client line_client::adopt(int fd) {
    line_client c;
    c.fd_ = fd;
    return c;
}

line_client::~line_client() {
    close();
}

line_client::line_client(line_client&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      buffer_(std::move(other.buffer_)),
      skipped_(std::move(other.skipped_)),
      eof_(other.eof_) {}

bool line_client::send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
        const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN) {
                pollfd p{fd_, POLLOUT, 0};
                ::poll(&p, 1, 100);
                continue;
            }
            return false;
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
}

bool line_client::fill(std::chrono::steady_clock::time_point deadline) {
    if (eof_ || fd_ < 0) {
        return false;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
        return false;
    }
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(left.count()));
    if (ready <= 0) {
        return false;
    }
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) {
            return true;
        }
        eof_ = true;
        return false;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
    return true;
}

std::optional<std::string> line_client::read_line(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        const auto nl = buffer_.find('\n');
        if (nl != std::string::npos) {
            std::string line = buffer_.substr(0, nl);
            buffer_.erase(0, nl + 1);
            return line;
        }
        if (!fill(deadline)) {
            return std::nullopt;
        }
    }
}

std::optional<std::string> line_client::read_until(std::string_view prefix,
                                                   std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    for (;;) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        auto line = read_line(left.count() > 0 ? left : std::chrono::milliseconds(0));
        if (!line) {
            return std::nullopt;
        }
        if (line->rfind(prefix, 0) == 0) {
            return line;
        }
        skipped_.push_back(*line);
    }
}

bool line_client::silent_for(std::chrono::milliseconds quiet) {
    return !read_line(quiet).has_value() && !eof_;
}

bool line_client::closed_within(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        if (buffer_.find('\n') != std::string::npos) {
            skipped_.push_back(*read_line(0ms));
            continue;
        }
        if (!fill(deadline) && eof_) {
            return true;
        }
    }
    return eof_;
}

std::string line_client::register_as(std::string_view name, std::string_view default_room) {
    if (!read_until("HELLO ")) {
        throw std::runtime_error("no HELLO");
    }
    send_line(name);
    const auto welcome = read_until("WELCOME ");
    if (!welcome) {
        throw std::runtime_error("no WELCOME for " + std::string(name));
    }
    const auto rest = welcome->substr(8);
    std::string accepted = rest.substr(0, rest.find(' '));
    const auto after_name = rest.substr(std::min(rest.size(), accepted.size() + 1));
    token_ = after_name.substr(0, after_name.find(' '));
    if (!default_room.empty()) {
        // Queued with WELCOME in one step of the daemon: nothing can come between them.
        const std::string expected = "JOINED " + std::string(default_room) + " ";
        const auto joined = read_line();
        if (!joined || joined->rfind(expected, 0) != 0) {
            throw std::runtime_error("no " + expected + "right after WELCOME for " + accepted +
                                     " (got '" + joined.value_or("nothing") + "')");
        }
        // The room's latest messages and their HISTORY line were queued in the same step: when
        // the daemon replays history on join, they are here already.
        if (buffer_.starts_with("HISTORY ") || buffer_.starts_with("MSG ") ||
            buffer_.starts_with("ME ") || buffer_.starts_with("TOPIC ")) {
            if (!read_until("HISTORY " + std::string(default_room) + " ")) {
                throw std::runtime_error("no HISTORY after the join replay for " + accepted);
            }
        }
    }
    return accepted;
}

void line_client::shutdown_send() {
    ::shutdown(fd_, SHUT_WR);
}

void line_client::close(bool reset) {
    if (fd_ < 0) {
        return;
    }
    if (reset) {
        linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    ::close(fd_);
    fd_ = -1;
}

}  // namespace chat::test
