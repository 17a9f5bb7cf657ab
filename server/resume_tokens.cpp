#include "server/resume_tokens.hpp"

#include <sodium.h>

#include <array>
#include <charconv>
#include <stdexcept>

#include <fmt/format.h>

namespace chat {

namespace {

struct sodium_ready {
    sodium_ready() {
        // Thread-safe and idempotent; fails only when the system has no randomness source.
        if (sodium_init() < 0) {
            throw std::runtime_error("libsodium could not be initialised");
        }
    }
};

void ensure_sodium() {
    static const sodium_ready ready;
}

}  // namespace

std::string new_resume_token() {
    ensure_sodium();
    std::array<unsigned char, 16> bytes{};
    randombytes_buf(bytes.data(), bytes.size());
    std::array<char, 33> hex{};
    sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
    return {hex.data(), 32};
}

std::uint64_t new_session_id() {
    ensure_sodium();
    std::uint64_t id = 0;
    while (id == 0) {
        randombytes_buf(&id, sizeof id);
    }
    return id;
}

std::string session_text(std::uint64_t id) {
    return fmt::format("{:016x}", id);
}

std::optional<std::uint64_t> parse_session_text(std::string_view text) {
    std::uint64_t id = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id, 16);
    if (ec != std::errc{} || end != text.data() + text.size() || text.size() != 16 || id == 0) {
        return std::nullopt;
    }
    return id;
}

token_hash hash_token(std::string_view token) {
    ensure_sodium();
    token_hash h{};
    crypto_generichash(reinterpret_cast<unsigned char*>(h.data()), h.size(),
                       reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                       0);
    return h;
}

void resume_tokens::update(const token_hash& hash, std::string_view name,
                           std::vector<std::string> rooms, std::int64_t expires_ms,
                           std::uint64_t first_id, std::string session) {
    resume_record r{hash,       std::string(name), std::move(rooms),
                    expires_ms, first_id,          std::move(session)};
    if (expires_ms == open_ended) {
        if (store_ != nullptr) {
            store_->save_token(r);  // only for a restart: the live session knows the rest
        }
        return;
    }
    keep(std::move(r));
}

void resume_tokens::keep(resume_record r) {
    if (const auto it = records_.find(r.hash); it != records_.end()) {
        by_expiry_.erase({it->second.expires_ms, it->first});
        records_.erase(it);
    } else if (records_.size() >= max_records && !by_expiry_.empty()) {
        const token_hash soonest = by_expiry_.begin()->second;  // a copy: erase frees the node
        erase(soonest);
    }
    by_expiry_.insert({r.expires_ms, r.hash});
    if (store_ != nullptr) {
        store_->save_token(r);
    }
    const token_hash key = r.hash;
    records_.emplace(key, std::move(r));
}

std::optional<resume_record> resume_tokens::find(const token_hash& hash, std::int64_t now_ms) {
    std::optional<resume_record> found;
    if (const auto it = records_.find(hash); it != records_.end()) {
        found = it->second;
    } else if (store_ != nullptr) {
        // Ended before a restart, or live now: a live session is found by its holder, never
        // here, or a token renamed away from could start a second session.
        found = store_->find_token(hash);
        if (found && found->expires_ms == open_ended) {
            return std::nullopt;
        }
    }
    if (found && found->expires_ms <= now_ms) {
        erase(hash);
        return std::nullopt;
    }
    return found;
}

void resume_tokens::erase(const token_hash& hash) {
    if (const auto it = records_.find(hash); it != records_.end()) {
        by_expiry_.erase({it->second.expires_ms, it->first});
        records_.erase(it);
    }
    if (store_ != nullptr) {
        store_->erase_token(hash);
    }
}

void resume_tokens::expire(std::int64_t now_ms) {
    while (!by_expiry_.empty() && by_expiry_.begin()->first <= now_ms) {
        const token_hash hash = by_expiry_.begin()->second;
        by_expiry_.erase(by_expiry_.begin());
        records_.erase(hash);  // the store's copies are pruned by history_maintenance
    }
}

}  // namespace chat
