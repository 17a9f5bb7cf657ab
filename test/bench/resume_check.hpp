#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chat::bench {

/// Follows one resume (docs/protocol.md, "Resume") from the client's side and checks what the
/// protocol promises: no sockets, no clock (times are passed in), like `verifier`.
///
///   away registers --WELCOME: token--> away resets --/resume sent--> replaying --RESUMED--> live
///
/// The session is learnt from the client that goes away: the token of its WELCOME and the
/// largest message id it saw. The resumed connection must then get every message line it
/// missed with ids above that one, increasing and none twice, then `RESUMED <count> complete`
/// whose count is the lines that came before it, then live traffic. Over the replayed and the
/// live lines together each sender's stream must come exactly once and in order, from its first
/// message: the scenario sends nothing before the away client has gone.
class resume_check {
  public:
    /// The away client's session: its WELCOME token, and each message id it saw.
    void set_token(std::string_view token) { token_ = std::string(token); }
    void saw_id(std::uint64_t id) { last_seen_ = id > last_seen_ ? id : last_seen_; }
    const std::string& token() const { return token_; }
    std::uint64_t last_seen() const { return last_seen_; }

    /// Starts following the streams of `senders` senders, before any of them sends: the
    /// resume must bring every message they send from then on.
    void start(std::size_t senders);

    /// Sender `s` has sent `count` messages in all, numbered 0..count-1. Ignored before
    /// `start`: a run without a resume.
    void expect(std::size_t s, std::uint64_t count);

    /// The first line of the resuming connection, `/resume <name> <token> <last-id>`;
    /// `now_ns` is when it goes out, where the time to `RESUMED` starts.
    std::string request(std::string_view name, std::uint64_t now_ns);

    /// A message line on the resumed connection: its id, and the sender and sequence number in
    /// its payload.
    void on_message(std::uint64_t id, std::uint32_t sender, std::uint64_t seq);

    /// The `RESUMED <count> <status>` line, received at `now_ns`.
    void on_resumed(std::string_view count, std::string_view status, std::uint64_t now_ns);

    /// A line the resumed connection should not get (a message that is not one of ours).
    void on_foreign(std::string_view line);

    bool requested() const { return sent_ns_ != 0; }
    bool resumed() const { return resumed_ns_ != 0; }

    /// RESUMED has come and so has every message `expect`ed, replayed or live, or a later one
    /// of its stream (a gap: it will not come).
    bool settled() const { return resumed() && replayed_ + live_ + gaps_ >= expected_total_; }

    /// Whether a message sent at `sent_ns` was sent while the replay ran: after `/resume` went
    /// out and before `RESUMED` came.
    bool during_replay(std::uint64_t sent_ns) const {
        return sent_ns_ != 0 && sent_ns >= sent_ns_ && (resumed_ns_ == 0 || sent_ns <= resumed_ns_);
    }

    /// Nanoseconds from sending `/resume` to receiving `RESUMED`; 0 before it came.
    std::uint64_t elapsed_ns() const { return resumed() ? resumed_ns_ - sent_ns_ : 0; }
    std::uint64_t replayed() const { return replayed_; }  ///< message lines before RESUMED
    std::uint64_t live() const { return live_; }          ///< message lines after it
    std::uint64_t reported() const { return reported_; }  ///< RESUMED's count
    const std::string& status() const { return status_; }
    /// The first and the last id of the replayed lines (0 when none came).
    std::uint64_t first_id() const { return first_id_; }
    std::uint64_t last_replayed_id() const { return last_replayed_id_; }

    /// Messages expected and never received: gaps seen plus each stream's missing tail.
    std::uint64_t lost() const;
    /// Faults other than losses: ids not increasing, repeats, a wrong count or status,
    /// foreign lines.
    std::uint64_t faults() const { return faults_; }
    bool ok() const { return resumed() && faults_ == 0 && lost() == 0; }
    const std::string& first_fault() const { return first_fault_; }

  private:
    void fault(std::string what);

    std::string token_;
    std::uint64_t last_seen_ = 0;
    std::vector<std::uint64_t> next_;      // per sender: the next sequence number due
    std::vector<std::uint64_t> expected_;  // per sender: messages sent in all
    std::uint64_t expected_total_ = 0;
    std::uint64_t sent_ns_ = 0;
    std::uint64_t resumed_ns_ = 0;
    std::uint64_t replayed_ = 0;
    std::uint64_t live_ = 0;
    std::uint64_t reported_ = 0;
    std::string status_;
    std::uint64_t first_id_ = 0;
    std::uint64_t last_id_ = 0;  // the largest id so far, starting from last_seen_
    std::uint64_t last_replayed_id_ = 0;
    std::uint64_t gaps_ = 0;
    std::uint64_t faults_ = 0;
    std::string first_fault_;
};

}  // namespace chat::bench
