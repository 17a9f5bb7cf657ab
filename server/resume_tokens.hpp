#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/history_store.hpp"
#include "server/stored_message.hpp"

namespace chat {

/// A fresh resume token: 128 random bits (libsodium's CSPRNG) as 32 lower-case hex digits.
std::string new_resume_token();

/// A fresh session id: 64 random bits (never 0). Private messages are kept by it.
std::uint64_t new_session_id();
/// A session id as it is stored: 16 hex digits.
std::string session_text(std::uint64_t id);
/// The session id `session_text` wrote, or nothing.
std::optional<std::uint64_t> parse_session_text(std::string_view text);

/// What is kept of `token`: BLAKE2b-256 of its text. The token itself is never stored.
token_hash hash_token(std::string_view token);

/// The resume tokens of sessions that ended, by hash: who they give back and until when. A token
/// is good while its session lives and for --resume-ttl after it ends, and is used at most once
/// (a resume hands out a new one). A live session keeps its own token's hash (the connection core
/// compares it), so nothing is kept here per connected user; with a history store, every record
/// is also written there as it changes, so that a resume works after a restart or a crash.
class resume_tokens {
  public:
    /// A session still running has not started its time to live.
    static constexpr std::int64_t open_ended = INT64_MAX;
    /// The most records kept; past it the one that expires first goes. Live sessions are bounded
    /// by --max-clients and expire last.
    static constexpr std::size_t max_records = 200'000;

    /// `store` may be null (memory only) and outlives this.
    explicit resume_tokens(history_store* store) : store_(store) {}

    /// Replaces what `hash` gives back: `open_ended` while the session lives (the store only),
    /// the end of its time to live once it has ended (kept here too).
    void update(const token_hash& hash, std::string_view name, std::vector<std::string> rooms,
                std::int64_t expires_ms, std::uint64_t first_id, std::string session);
    /// The record of the token whose hash is `hash` if it is good at `now_ms`, left in place.
    std::optional<resume_record> find(const token_hash& hash, std::int64_t now_ms);
    /// Forgets `hash`: the token has been used (or its session resumed).
    void erase(const token_hash& hash);
    /// Forgets every token expired at `now_ms`.
    void expire(std::int64_t now_ms);

    std::size_t size() const { return records_.size(); }

  private:
    void keep(resume_record r);

    history_store* store_;
    std::map<token_hash, resume_record> records_;
    std::set<std::pair<std::int64_t, token_hash>> by_expiry_;
};

}  // namespace chat
