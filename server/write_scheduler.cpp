#include "server/write_scheduler.hpp"

#include <boost/asio/post.hpp>

#include "server/session.hpp"

namespace chat {

void write_scheduler::schedule(std::shared_ptr<session> s) {
    pending_.push_back(std::move(s));
    if (!posted_) {
        posted_ = true;
        boost::asio::post(io_, [this] { run(); });
    }
}

void write_scheduler::run() {
    posted_ = false;
    // A flush can close a session, whose LEAVE schedules more flushes: those go to the fresh
    // pending list and a new batch, never into the list being walked.
    running_.swap(pending_);
    for (const auto& s : running_) {
        s->flush();
    }
    running_.clear();
}

}  // namespace chat
