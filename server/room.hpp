#pragma once

#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/frame_arena.hpp"
#include "common/names.hpp"
#include "common/protocol.hpp"
#include "common/timestamp.hpp"
#include "server/participant.hpp"

namespace chat {

/// What a routing request came to, for the caller to answer with WELCOME/ERR.
enum class route_result { ok, name_invalid, name_taken, no_such_user };

/// A chat room: its members by name, and every routing decision (broadcast, private message,
/// rename, join and leave notices). Each message is encoded once into the arena and the same
/// frame is queued on every recipient. Holds members by `shared_ptr`; no I/O of its own.
class room {
  public:
    /// Frames for many members are encoded into `broadcasts`, frames for one into `directs`, so
    /// that what every member receives stays contiguous in memory and goes out as one range.
    /// `name_seed` seeds generated names; the name index is allocated from `memory`.
    room(frame_arena& broadcasts, frame_arena& directs, std::uint64_t name_seed = 1,
         std::pmr::memory_resource* memory = std::pmr::get_default_resource());

    /// Adds `p` as `name` (checked and made unique here) and tells the others `JOIN`.
    /// On success the name is `p->name()`. An empty `name` asks for a generated one. A name is
    /// taken while a member's name has the same `name_skeleton`: `aIice` while `alice` is in.
    route_result join(const std::shared_ptr<participant>& p, std::string_view name);

    /// Removes `p` and tells the others `LEAVE <name> <reason> [text]`; `notify` false skips the
    /// notice (at shutdown everyone is leaving anyway). Idempotent: no-op when `p` is not in.
    void leave(participant& p, leave_reason reason, std::string_view text, bool notify = true);

    /// `MSG` from `from` to every other member.
    void say(participant& from, std::string_view text);
    /// `ME` from `from` to every other member.
    void act(participant& from, std::string_view text);
    /// `PRIV` from `from` to the member named `to` only.
    route_result whisper(participant& from, std::string_view to, std::string_view text);
    /// Renames `p` and tells everyone, `p` included, `NICK <old> <new>`. A name like another
    /// member's is taken, as in `join`; one like `p`'s own is not.
    route_result rename(participant& p, std::string_view new_name);
    /// `USERS` with every member's name, sorted without regard to case, queued to `to`.
    void who(participant& to);

    std::size_t size() const { return members_.size(); }
    /// True if a member's name is `name` or looks like it (same skeleton).
    bool has_name(std::string_view name) const;
    /// The name of the member `name` is taken by (same skeleton), or empty if none: for the
    /// `ERR name-taken` text.
    std::string_view taken_by(std::string_view name) const;
    /// Messages (MSG, PRIV, ME) routed since start.
    std::uint64_t messages_routed() const { return next_id_ - 1; }

  private:
    void broadcast(const frame& f, const participant* except,
                   participant::urgency when = participant::urgency::now);
    /// Assigns the id and receive time of a MSG/PRIV/ME and encodes it.
    frame encode_message(frame_arena& arena, std::string_view tag, std::string_view from,
                         std::string_view text);
    std::string generate_name();

    frame_arena& arena_;
    frame_arena& directs_;
    std::vector<std::shared_ptr<participant>> members_;
    std::pmr::unordered_map<std::string, participant*> by_key_;  ///< by name_skeleton
    name_generator names_;
    timestamp_formatter clock_text_;
    std::uint64_t next_id_ = 1;
    std::size_t next_first_ = 0;  // where the next broadcast starts in members_
};

}  // namespace chat
