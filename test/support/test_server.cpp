#include "test/support/test_server.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>

namespace chat::test {

namespace {

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string temp_path(const char* tag) {
    std::string pattern = std::string("/tmp/chat-test-") + tag + "-XXXXXX";
    const int fd = ::mkstemp(pattern.data());
    if (fd < 0) {
        throw std::runtime_error("mkstemp failed");
    }
    ::close(fd);
    return pattern;
}

pid_t spawn(const std::string& binary, const std::vector<std::string>& args, int out_fd,
            int err_fd) {
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const auto& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    const pid_t pid = ::fork();
    if (pid == 0) {
        const int null_fd = ::open("/dev/null", O_RDONLY);
        ::dup2(null_fd, 0);
        ::dup2(out_fd, 1);
        ::dup2(err_fd, 2);
        // Only 0-2 are the daemon's: any other descriptor of the test would skew its fd count.
        ::close_range(3, ~0U, 0);
        ::execv(binary.c_str(), argv.data());
        ::_exit(127);
    }
    return pid;
}

int wait_for(pid_t pid, std::chrono::milliseconds limit, bool& exited) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            exited = true;
            if (WIFEXITED(status)) {
                return WEXITSTATUS(status);
            }
            return WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
}

}  // namespace

std::string server_binary() {
    return CHAT_SERVER_BINARY;
}

test_server::test_server(std::vector<std::string> args)
    : stderr_path_(temp_path("server-log")), log_path_(stderr_path_) {
    bool has_port = false;
    bool has_history_file = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& a = args[i];
        has_port = has_port || a == "--port" || a.rfind("--port=", 0) == 0;
        has_history_file = has_history_file || a.rfind("--history-file", 0) == 0;
        if (a == "--log-file" && i + 1 < args.size()) {
            log_path_ = args[i + 1];
        } else if (a.rfind("--log-file=", 0) == 0) {
            log_path_ = a.substr(std::string_view("--log-file=").size());
        } else if (a == "--default-room" && i + 1 < args.size()) {
            default_room_ = args[i + 1];
        } else if (a.rfind("--default-room=", 0) == 0) {
            default_room_ = a.substr(std::string_view("--default-room=").size());
        }
    }
    if (!has_port) {
        args.insert(args.begin(), {"--port", "0"});
    }
    if (!has_history_file) {
        // Tests that keep history on disk name a file of their own; no other test leaves one
        // behind in the working directory.
        args.insert(args.begin(), {"--history-file", "none"});
    }
    const int log_fd = ::open(stderr_path_.c_str(), O_WRONLY | O_TRUNC);
    pid_ = spawn(server_binary(), args, log_fd, log_fd);
    ::close(log_fd);

    static const std::regex listening(R"(listening on \S*:(\d+))");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        std::smatch m;
        const std::string text = read_file(log_path_);
        if (std::regex_search(text, m, listening)) {
            port_ = static_cast<std::uint16_t>(std::stoi(m[1]));
            return;
        }
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
            exited_ = true;
            const std::string said = log_path_ == stderr_path_ ? text : text + stderr_text();
            throw std::runtime_error("chat-server exited at start: " + said);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ::kill(pid_, SIGKILL);
    throw std::runtime_error("chat-server did not report its port in time");
}

test_server::~test_server() {
    if (!exited_ && pid_ > 0) {
        ::kill(pid_, SIGTERM);
        if (wait_for(pid_, std::chrono::seconds(5), exited_) == -1 && !exited_) {
            ::kill(pid_, SIGKILL);
            ::waitpid(pid_, nullptr, 0);
        }
    }
    ::unlink(stderr_path_.c_str());
}

void test_server::signal(int signal_number) const {
    ::kill(pid_, signal_number);
}

int test_server::wait_exit(std::chrono::milliseconds limit) {
    return wait_for(pid_, limit, exited_);
}

std::string test_server::log() const {
    return read_file(log_path_);
}

std::string test_server::stderr_text() const {
    return read_file(stderr_path_);
}

std::size_t test_server::open_fds() const {
    const std::string dir = "/proc/" + std::to_string(pid_) + "/fd";
    std::size_t count = 0;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (const dirent* e = ::readdir(d)) {
            if (e->d_name[0] != '.') {
                ++count;
            }
        }
        ::closedir(d);
    }
    return count;
}

run_result run_command(const std::string& binary, const std::vector<std::string>& args,
                       std::chrono::milliseconds limit) {
    const std::string out_path = temp_path("out");
    const std::string err_path = temp_path("err");
    const int out_fd = ::open(out_path.c_str(), O_WRONLY | O_TRUNC);
    const int err_fd = ::open(err_path.c_str(), O_WRONLY | O_TRUNC);
    std::vector<std::string> all = args;
    const bool names_history = std::any_of(all.begin(), all.end(), [](const std::string& a) {
        return a.rfind("--history-file", 0) == 0;
    });
    if (binary == server_binary() && !names_history) {
        all.insert(all.begin(), {"--history-file", "none"});  // as test_server: no file left behind
    }
    const pid_t pid = spawn(binary, all, out_fd, err_fd);
    ::close(out_fd);
    ::close(err_fd);
    bool exited = false;
    run_result r;
    r.exit_code = wait_for(pid, limit, exited);
    if (!exited) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
    r.out = read_file(out_path);
    r.err = read_file(err_path);
    ::unlink(out_path.c_str());
    ::unlink(err_path.c_str());
    return r;
}

}  // namespace chat::test
