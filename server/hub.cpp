#include "server/hub.hpp"

#include "server/connection.hpp"

namespace chat {

namespace {

/// Messages per room in memory: with a store, enough for a join's replay (the store answers
/// deeper pages); without one, the whole history of the room.
history make_history(const server_config& c, std::unique_ptr<history_store> store) {
    const std::size_t capacity =
        store != nullptr ? std::max<std::size_t>(c.history_on_join, 64) : c.history_memory;
    return {std::move(store), capacity, c.history_memory_bytes};
}

}  // namespace

hub::hub(const server_config& c, frame_arena& broadcasts_arena, frame_arena& directs_arena,
         std::uint64_t name_seed, std::pmr::memory_resource* memory,
         std::unique_ptr<history_store> store)
    : config(c),
      broadcasts(broadcasts_arena),
      directs(directs_arena),
      names(name_seed, memory),
      rooms(memory),
      messages(make_history(c, std::move(store))),
      tokens(messages.store()),
      memory_resource(memory) {
    ids.continue_after(messages.max_stored_id());
    if (history_store* s = messages.store()) {
        // Sessions live when the process last ended (a crash) can be resumed from now on, for
        // --resume-grace and then --resume-ttl; while running, only ended sessions' records are
        // looked up in the store (a live one is found by its holder).
        s->close_open_tokens(
            std::chrono::duration_cast<std::chrono::milliseconds>(
                std::chrono::system_clock::now().time_since_epoch() + c.resume_grace + c.resume_ttl)
                .count());
        s->commit();
    }
}

hub::~hub() {
    // Detached sessions leave their rooms silently before the rooms and names go.
    detached.clear();
    messages.commit(ids.last());  // their resume records, kept for a /resume after a restart
}

}  // namespace chat
