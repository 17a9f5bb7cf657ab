#pragma once

#include <string>

namespace chat {

/// An exclusive lock on a file (flock), held until destruction: one daemon per history file.
/// flock locks are apart from the fcntl locks SQLite takes on the same file, and the descriptor
/// stays open as long as the lock is held, so SQLite's own locking is not disturbed.
class file_lock {
  public:
    file_lock() = default;
    /// Locks `path` (creating it if missing); throws std::runtime_error with a one-line reason
    /// when another process holds it or it cannot be opened.
    explicit file_lock(const std::string& path);
    ~file_lock();
    file_lock(const file_lock&) = delete;
    file_lock& operator=(const file_lock&) = delete;
    file_lock(file_lock&& other) noexcept;
    file_lock& operator=(file_lock&& other) noexcept;

  private:
    int fd_ = -1;
};

}  // namespace chat
