#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chat::test {

using namespace std::chrono_literals;

/// The room the daemon puts every new user in unless told otherwise (`--default-room`).
inline constexpr std::string_view lobby = "#lobby";

/// A plain TCP client for tests: sends raw bytes, reads lines under a deadline. Never blocks
/// without a bound, so a server that stays silent fails the test instead of hanging it.
class line_client {
  public:
    /// Connects to 127.0.0.1:`port` (or `host`), from the local IPv4 address `source` if one is
    /// given (127.0.0.2 is another client to the server); throws std::runtime_error on failure.
    explicit line_client(std::uint16_t port, const std::string& host = "127.0.0.1",
                         const std::string& source = "");
    /// Takes over `fd`, a socket connected already (accepted by a test's own listener).
    static line_client adopt(int fd);
    ~line_client();
    line_client(const line_client&) = delete;
    line_client& operator=(const line_client&) = delete;
    line_client(line_client&& other) noexcept;

    /// Sends exactly these bytes (no newline added); false if the connection is gone.
    bool send_raw(std::string_view bytes);
    /// Sends `line` and a `\n`.
    bool send_line(std::string_view line) { return send_raw(std::string(line) + "\n"); }

    /// The next line (without `\n`), or nothing if none came within `limit` or the peer closed.
    std::optional<std::string> read_line(std::chrono::milliseconds limit = 3s);
    /// Reads lines until one starts with `prefix`; returns it, or nothing on time-out. The lines
    /// skipped are kept in `skipped()`.
    std::optional<std::string> read_until(std::string_view prefix,
                                          std::chrono::milliseconds limit = 3s);
    /// True if no line arrives within `quiet` (the connection stays open).
    bool silent_for(std::chrono::milliseconds quiet);
    /// True once the peer has closed (EOF or reset) within `limit`; lines before it are skipped.
    bool closed_within(std::chrono::milliseconds limit);

    /// Reads HELLO, sends `name`, reads up to WELCOME and then, when `default_room` is not
    /// empty, the `JOINED <default_room> ...` line that must follow it at once (pass the
    /// server's `--default-room`; empty when it puts nobody anywhere). Returns the accepted
    /// name; throws if any of those lines does not come.
    std::string register_as(std::string_view name, std::string_view default_room = lobby);

    /// The resume token of the WELCOME `register_as` read.
    const std::string& token() const { return token_; }

    /// Half-closes: sends FIN, keeps reading.
    void shutdown_send();
    /// Closes the socket at once (abortive if `reset`).
    void close(bool reset = false);
    int fd() const { return fd_; }
    const std::vector<std::string>& skipped() const { return skipped_; }

  private:
    line_client() = default;

    /// Fills the buffer; false on time-out, EOF or error (eof_ tells which).
    bool fill(std::chrono::steady_clock::time_point deadline);

    int fd_ = -1;
    std::string buffer_;
    std::string token_;
    std::vector<std::string> skipped_;
    bool eof_ = false;
};

}  // namespace chat::test
