#include "server/write_scheduler.hpp"

#include <algorithm>

#include <boost/asio/post.hpp>

#include "server/flush_target.hpp"
#include "server/memory_policy.hpp"

namespace chat {

void write_scheduler::schedule(std::shared_ptr<flush_target> t) {
    pending_.push_back(std::move(t));
    if (!posted_) {
        posted_ = true;
        boost::asio::post(io_, [this] { run(); });
    }
}

void write_scheduler::run() {
    if (next_ == running_.size()) {
        clear_and_give_back(running_);
        next_ = 0;
        // A flush can close a session, whose LEAVE schedules more flushes: those go to the fresh
        // pending list and a later batch, never into the list being walked.
        running_.swap(pending_);
    }
    const std::size_t end = std::min(running_.size(), next_ + flushes_per_slice);
    while (next_ < end) {
        running_[next_++]->flush();
    }
    if (next_ < running_.size() || !pending_.empty()) {
        run_after_input();
        return;
    }
    clear_and_give_back(running_);
    next_ = 0;
    posted_ = false;
}

void write_scheduler::run_after_input() {
    // With one thread, a handler posted from a handler runs after the reactor's next poll but
    // before the read handlers that poll makes ready. Posting twice puts the next slice after
    // them. Were Asio to order its queue differently, the slices would simply run back to back.
    boost::asio::post(io_, [this] { boost::asio::post(io_, [this] { run(); }); });
}

void write_scheduler::schedule_soon(std::shared_ptr<flush_target> t) {
    soon_.push_back(std::move(t));
    if (soon_.size() == 1) {
        soon_timer_.expires_after(soon_delay);
        soon_timer_.async_wait([this](const boost::system::error_code& ec) {
            if (!ec) {
                run_soon();
            }
        });
    }
}

void write_scheduler::run_soon() {
    soon_running_.swap(soon_);
    for (const auto& t : soon_running_) {
        t->flush();
    }
    clear_and_give_back(soon_running_);
}

}  // namespace chat
