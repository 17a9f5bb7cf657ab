#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

namespace chat {

/// Reads stdin line by line for the scripted mode, on the `io_context`: asynchronously from a
/// pipe, socket or terminal; by posted plain reads from a regular file or /dev/null, which epoll
/// cannot watch but which never block. A last line without `\n` still counts; `\r\n` is taken as
/// `\n`. Restores stdin's file flags when stopped (Asio makes the descriptor non-blocking, and a
/// terminal's flags are shared with the shell).
class stdin_reader {
  public:
    using line_handler = std::function<void(std::string_view line)>;
    using end_handler = std::function<void()>;

    explicit stdin_reader(boost::asio::io_context& io);
    ~stdin_reader();
    stdin_reader(const stdin_reader&) = delete;
    stdin_reader& operator=(const stdin_reader&) = delete;

    /// Starts reading; `on_line` for every line, then `on_end` once at end of input (or on a
    /// read error). Neither is called after `stop`.
    void start(line_handler on_line, end_handler on_end);

    /// Stops reading. Idempotent.
    void stop();

  private:
    void read_async();
    void read_sync();
    void consume(std::string_view bytes);
    void finish();

    boost::asio::io_context& io_;
    boost::asio::posix::stream_descriptor input_;
    line_handler on_line_;
    end_handler on_end_;
    std::vector<char> buffer_;
    std::string partial_;
    int saved_flags_ = -1;
    bool running_ = false;
};

}  // namespace chat
