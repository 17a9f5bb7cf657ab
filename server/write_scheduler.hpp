#pragma once

#include <chrono>
#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace chat {

class flush_target;

/// Defers writes so that each connection gets one `writev` for many frames. `schedule` runs the
/// flush after the handlers that are ready now, as Redis writes its replies just before the event
/// loop sleeps; `schedule_soon` runs it within a few milliseconds, for notices that can share a
/// write with whatever else comes in that time.
///
/// A batch is flushed in slices. Between slices the loop reads whatever input has arrived, so a
/// message that comes in while a large fan-out is being written joins the queues of the receivers
/// not yet written to and shares their write, instead of waiting for the whole batch and then
/// costing every receiver a write of its own.
class write_scheduler {
  public:
    /// How long a notice may wait for company.
    static constexpr std::chrono::milliseconds soon_delay{20};
    /// Flushes per slice: one slice is a few dozen microseconds of writes on loopback.
    static constexpr std::size_t flushes_per_slice = 16;

    explicit write_scheduler(boost::asio::io_context& io) : io_(io), soon_timer_(io) {}

    /// Asks for `t->flush()` after the handlers that are ready now. The caller keeps a flag so a
    /// target is scheduled at most once per batch.
    void schedule(std::shared_ptr<flush_target> t);

    /// Asks for `t->flush()` within `soon_delay`.
    void schedule_soon(std::shared_ptr<flush_target> t);

  private:
    void run();
    void run_after_input();
    void run_soon();

    boost::asio::io_context& io_;
    std::vector<std::shared_ptr<flush_target>> pending_;
    std::vector<std::shared_ptr<flush_target>> running_;
    std::size_t next_ = 0;  // the first target of running_ not yet flushed
    bool posted_ = false;
    boost::asio::steady_timer soon_timer_;
    std::vector<std::shared_ptr<flush_target>> soon_;
    std::vector<std::shared_ptr<flush_target>> soon_running_;
};

}  // namespace chat
