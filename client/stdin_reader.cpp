#include "client/stdin_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <boost/asio/post.hpp>

namespace chat {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

constexpr std::size_t read_chunk = std::size_t{64} * 1024;
// A "line" longer than this is handed on in pieces; the server refuses anything past its
// max-line (4096 by default) with ERR line-too-long anyway, and memory stays bounded.
constexpr std::size_t max_partial = 1U << 20;

}  // namespace

stdin_reader::stdin_reader(asio::io_context& io) : io_(io), input_(io), buffer_(read_chunk) {}

stdin_reader::~stdin_reader() {
    stop();
}

void stdin_reader::start(line_handler on_line, end_handler on_end) {
    on_line_ = std::move(on_line);
    on_end_ = std::move(on_end);
    running_ = true;
    saved_flags_ = ::fcntl(STDIN_FILENO, F_GETFL);
    const int fd = ::dup(STDIN_FILENO);
    error_code ec;
    if (fd >= 0) {
        input_.assign(fd, ec);
    }
    if (fd < 0 || ec) {
        // A regular file or /dev/null: epoll refuses them (EPERM), and reading never blocks.
        if (fd >= 0) {
            ::close(fd);
        }
        asio::post(io_, [this] { read_sync(); });
        return;
    }
    read_async();
}

void stdin_reader::stop() {
    if (!running_) {
        return;
    }
    running_ = false;
    error_code ignored;
    input_.close(ignored);
    if (saved_flags_ >= 0) {
        ::fcntl(STDIN_FILENO, F_SETFL, saved_flags_);
    }
}

void stdin_reader::read_async() {
    input_.async_read_some(asio::buffer(buffer_), [this](const error_code& ec, std::size_t n) {
        if (!running_) {
            return;
        }
        if (n > 0) {
            consume(std::string_view{buffer_.data(), n});
        }
        if (!running_) {
            return;
        }
        if (ec) {
            finish();  // eof, or an error that ends the input all the same
            return;
        }
        read_async();
    });
}

void stdin_reader::read_sync() {
    if (!running_) {
        return;
    }
    const ssize_t n = ::read(STDIN_FILENO, buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) {
        asio::post(io_, [this] { read_sync(); });
        return;
    }
    if (n <= 0) {
        finish();
        return;
    }
    consume(std::string_view{buffer_.data(), static_cast<std::size_t>(n)});
    // One chunk per turn, so that the socket is served between chunks of a big file.
    asio::post(io_, [this] { read_sync(); });
}

void stdin_reader::consume(std::string_view bytes) {
    while (running_ && !bytes.empty()) {
        const auto nl = bytes.find('\n');
        if (nl == std::string_view::npos) {
            partial_.append(bytes);
            if (partial_.size() >= max_partial) {
                std::string piece;
                piece.swap(partial_);
                on_line_(piece);
            }
            return;
        }
        std::string_view line = bytes.substr(0, nl);
        bytes.remove_prefix(nl + 1);
        if (!partial_.empty()) {
            partial_.append(line);
            line = partial_;
        }
        if (!line.empty() && line.back() == '\r') {
            line.remove_suffix(1);
        }
        const std::string keep(line);  // the handler may stop us, which clears partial_
        partial_.clear();
        on_line_(keep);
    }
}

void stdin_reader::finish() {
    if (!partial_.empty()) {
        std::string last;
        last.swap(partial_);
        if (!last.empty() && last.back() == '\r') {
            last.pop_back();
        }
        on_line_(last);
    }
    if (!running_) {
        return;
    }
    stop();
    on_end_();
}

}  // namespace chat
