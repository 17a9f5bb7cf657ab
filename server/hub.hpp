#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <memory_resource>
#include <string>
#include <vector>

#include "common/frame_arena.hpp"
#include "common/timestamp.hpp"
#include "server/config.hpp"
#include "server/history.hpp"
#include "server/history_store.hpp"
#include "server/name_directory.hpp"
#include "server/resume_tokens.hpp"
#include "server/room_directory.hpp"

namespace chat {

class connection;

/// Hands out message ids: server-wide and increasing across rooms and private messages, so one
/// number says "everything after this" for history and resume. A small class of its own so
/// that another source of ordered ids (a shared log several daemons append to) can replace it.
class message_ids {
  public:
    std::uint64_t next() { return ++last_; }
    /// Continues above `id` (the largest stored before a restart): no id is ever reused.
    void continue_after(std::uint64_t id) { last_ = std::max(last_, id); }
    /// The last id handed out; 0 before the first.
    std::uint64_t last() const { return last_; }

  private:
    std::uint64_t last_ = 0;
};

/// What every connection core works on, owned by the server and outliving every connection:
/// the names, the rooms, the ids, and the arenas frames are encoded into. Knows no socket.
struct hub {
    /// Frames for many members are encoded into `broadcasts`, frames for one into `directs`, so
    /// that what a room's members receive lies back to back and goes out as one range.
    /// `store`: where the history is kept on disk; null: in memory only.
    hub(const server_config& c, frame_arena& broadcasts_arena, frame_arena& directs_arena,
        std::uint64_t name_seed, std::pmr::memory_resource* memory,
        std::unique_ptr<history_store> store = nullptr);
    ~hub();
    hub(const hub&) = delete;
    hub& operator=(const hub&) = delete;

    const server_config& config;
    frame_arena& broadcasts;
    frame_arena& directs;
    name_directory names;
    room_directory rooms;
    message_ids ids;
    /// Every message kept, for joins, /history and resumes.
    history messages;
    resume_tokens tokens;
    /// Sessions whose connection was lost, waiting for /resume until their grace ends: each
    /// keeps its name and rooms, and receives nothing (what it misses is in `messages`).
    std::vector<std::unique_ptr<connection>> detached;
    /// Formats the times of replayed messages (apart from `clock_text`, whose cache follows
    /// the present).
    timestamp_formatter replay_clock_text;
    /// Where connections keep their membership arrays.
    std::pmr::memory_resource* memory_resource;
    timestamp_formatter clock_text;
    /// `HELLO`'s limits, formatted once.
    std::string hello_limits;
    /// Connection cores alive, registered or not.
    std::size_t connections = 0;
    /// The last PING token handed out.
    std::uint64_t ping_tokens = 0;
    /// The last connection serial handed out: an identity that survives renames (`/ignore`).
    std::uint64_t serials = 0;
    /// Marks connections already told in a walk over several rooms (a NICK goes once to each).
    std::uint64_t visit_mark = 0;
};

}  // namespace chat
