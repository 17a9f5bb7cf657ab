#pragma once

namespace chat {

/// Whatever the write scheduler can tell to send its queued output: a TCP session today, a
/// WebSocket session later. The scheduler decides when; the target knows how.
class flush_target {
  public:
    /// Writes as much queued output as the transport takes now, without blocking.
    virtual void flush() = 0;

  protected:
    flush_target() = default;
    flush_target(const flush_target&) = default;
    flush_target& operator=(const flush_target&) = default;
    ~flush_target() = default;
};

}  // namespace chat
