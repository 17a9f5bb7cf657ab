#pragma once

#include <memory>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace chat {

class session;

/// Defers writes to the end of the current batch of ready handlers, as Redis writes its replies
/// just before the event loop sleeps: a session that receives many frames in one batch sends
/// them all with one `writev` instead of one each.
class write_scheduler {
  public:
    explicit write_scheduler(boost::asio::io_context& io) : io_(io) {}

    /// Asks for `s->flush()` after the handlers that are ready now. The caller keeps a flag so a
    /// session is scheduled at most once per batch.
    void schedule(std::shared_ptr<session> s);

  private:
    void run();

    boost::asio::io_context& io_;
    std::vector<std::shared_ptr<session>> pending_;
    std::vector<std::shared_ptr<session>> running_;
    bool posted_ = false;
};

}  // namespace chat
