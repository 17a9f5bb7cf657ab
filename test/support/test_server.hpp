#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace chat::test {

/// The real `chat-server` binary, started on 127.0.0.1 with `--port 0` (unless the arguments
/// name a port) and stopped with SIGTERM when this goes out of scope. Its stderr goes to a file
/// that tests can read, so a chatty log can never block the daemon on a full pipe. With
/// `--log-file PATH` among the arguments, `log()` (and the wait for the port) reads PATH instead;
/// the test owns that file.
class test_server {
  public:
    /// Starts the server with `args` added to the defaults (`--history-file none` unless `args`
    /// name one) and waits (bounded) until it logs the
    /// port it bound. Throws std::runtime_error if it does not come up.
    explicit test_server(std::vector<std::string> args = {});
    ~test_server();
    test_server(const test_server&) = delete;
    test_server& operator=(const test_server&) = delete;

    std::uint16_t port() const { return port_; }
    /// The room new users are put in: `--default-room` if the arguments give it, else the
    /// daemon's default, `#lobby`. Empty when it puts nobody anywhere.
    const std::string& default_room() const { return default_room_; }
    pid_t pid() const { return pid_; }

    /// Sends `signal` to the daemon.
    void signal(int signal_number) const;
    /// Waits up to `limit` for the daemon to exit; returns its exit code, or -1 on time-out
    /// (or -signal if a signal ended it).
    int wait_exit(std::chrono::milliseconds limit);
    /// Everything it has logged so far (to stderr, or to the file named by `--log-file`).
    std::string log() const;
    /// What it wrote to stderr so far.
    std::string stderr_text() const;
    /// Open file descriptors of the daemon now (from /proc).
    std::size_t open_fds() const;

  private:
    pid_t pid_ = -1;
    std::uint16_t port_ = 0;
    std::string default_room_ = "#lobby";
    std::string stderr_path_;
    std::string log_path_;  ///< the `--log-file`, or `stderr_path_`
    bool exited_ = false;
};

/// Path of the built `chat-server` binary.
std::string server_binary();

/// Runs `binary` with `args` to completion (bounded by `limit`), capturing stdout and stderr. The
/// server binary gets `--history-file none` unless `args` name a file.
struct run_result {
    int exit_code = -1;
    std::string out;
    std::string err;
};
run_result run_command(const std::string& binary, const std::vector<std::string>& args,
                       std::chrono::milliseconds limit = std::chrono::seconds(10));

}  // namespace chat::test
