#include "test/bench/resume_check.hpp"

#include <charconv>

#include <fmt/format.h>

namespace chat::bench {

void resume_check::start(std::size_t senders) {
    next_.assign(senders, 0);
    expected_.assign(senders, 0);
    expected_total_ = 0;
    sent_ns_ = resumed_ns_ = 0;
    replayed_ = live_ = reported_ = 0;
    status_.clear();
    first_id_ = last_id_ = last_replayed_id_ = 0;
    gaps_ = faults_ = 0;
    first_fault_.clear();
}

void resume_check::expect(std::size_t s, std::uint64_t count) {
    if (s >= expected_.size()) {
        return;  // no resume in this run
    }
    expected_total_ = expected_total_ - expected_[s] + count;
    expected_[s] = count;
}

std::string resume_check::request(std::string_view name, std::uint64_t now_ns) {
    sent_ns_ = now_ns;
    last_id_ = last_seen_;
    return fmt::format("/resume {} {} {}\n", name, token_, last_seen_);
}

void resume_check::on_message(std::uint64_t id, std::uint32_t sender, std::uint64_t seq) {
    const bool replay = !resumed();
    ++(replay ? replayed_ : live_);
    if (replay) {
        first_id_ = first_id_ == 0 ? id : first_id_;
        last_replayed_id_ = id;
    }
    // One room, one thread on the server: ids only grow, in the replay, across RESUMED and in
    // the live lines after it, and the first must be above the id the resume asked after.
    if (id <= last_id_) {
        fault(fmt::format("{} line {} has id {} after id {}: {}", replay ? "replayed" : "live",
                          replay ? replayed_ : live_, id, last_id_,
                          id == last_id_ ? "a repeat" : "not increasing"));
    } else {
        last_id_ = id;
    }
    if (sender >= next_.size()) {
        fault(fmt::format("message id {} names sender {}, not one of the run's", id, sender));
        return;
    }
    std::uint64_t& next = next_[sender];
    if (seq == next) {
        ++next;
    } else if (seq > next) {
        fault(fmt::format("message {} of sender {} (id {}) while expecting {}: a gap", seq, sender,
                          id, next));
        gaps_ += seq - next;
        next = seq + 1;
    } else {
        fault(fmt::format("message {} of sender {} (id {}) while expecting {}: a repeat", seq,
                          sender, id, next));
    }
}

void resume_check::on_resumed(std::string_view count, std::string_view status,
                              std::uint64_t now_ns) {
    if (resumed()) {
        fault("a second RESUMED");
        return;
    }
    resumed_ns_ = now_ns > sent_ns_ ? now_ns : sent_ns_ + 1;
    status_ = std::string(status);
    const auto [ptr, ec] = std::from_chars(count.data(), count.data() + count.size(), reported_);
    if (ec != std::errc{} || ptr != count.data() + count.size()) {
        fault(fmt::format("RESUMED count '{}' is not a number", count));
    } else if (reported_ != replayed_) {
        fault(fmt::format("RESUMED says {} but {} message lines came before it", reported_,
                          replayed_));
    }
    if (status != "complete") {
        fault(fmt::format(
            "RESUMED {}: the server no longer kept all that was missed (raise --history-memory)",
            status));
    }
}

void resume_check::on_foreign(std::string_view line) {
    fault(fmt::format("a line that is not one of ours: '{}'", line.substr(0, 200)));
}

std::uint64_t resume_check::lost() const {
    std::uint64_t missing = gaps_;
    for (std::size_t s = 0; s < next_.size(); ++s) {
        if (next_[s] < expected_[s]) {
            missing += expected_[s] - next_[s];
        }
    }
    return missing;
}

void resume_check::fault(std::string what) {
    ++faults_;
    if (first_fault_.empty()) {
        first_fault_ = std::move(what);
    }
}

}  // namespace chat::bench
