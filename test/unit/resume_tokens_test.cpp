// Resume tokens without a network: what is kept of them, expiry, and the cap on their number.

#include <cstdint>
#include <string>

#include <catch2/catch.hpp>

#include "server/resume_tokens.hpp"
#include "server/sqlite_history_store.hpp"

using namespace chat;

TEST_CASE("a resume token is 128 random bits in hex, kept only as a hash", "[tokens]") {
    const std::string a = new_resume_token();
    const std::string b = new_resume_token();
    CHECK(a.size() == 32);
    CHECK(a.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(a != b);
    CHECK(hash_token(a) == hash_token(a));
    CHECK(hash_token(a) != hash_token(b));
    const std::uint64_t session = new_session_id();
    CHECK(session != 0);
    CHECK(session_text(session).size() == 16);
    CHECK(parse_session_text(session_text(session)) == session);
    CHECK_FALSE(parse_session_text("xyz").has_value());
    CHECK_FALSE(parse_session_text("").has_value());
}

TEST_CASE("ended sessions' tokens expire, and are found until then", "[tokens]") {
    resume_tokens tokens(nullptr);
    const std::string t = new_resume_token();
    tokens.update(hash_token(t), "alice", {"#lobby"}, 1000, 0, "s");
    REQUIRE(tokens.find(hash_token(t), 999).has_value());
    CHECK(tokens.find(hash_token(t), 999)->rooms == std::vector<std::string>{"#lobby"});
    CHECK_FALSE(tokens.find(hash_token(t), 1000).has_value());  // expired: and forgotten
    CHECK(tokens.size() == 0);
    tokens.update(hash_token(t), "alice", {}, 5000, 0, "s");
    tokens.expire(5000);
    CHECK(tokens.size() == 0);
    // A live session's record goes to the store only: nothing is kept here per connected user.
    tokens.update(hash_token(t), "alice", {}, resume_tokens::open_ended, 0, "s");
    CHECK(tokens.size() == 0);
}

TEST_CASE("past the cap the token that expires first goes, store and all", "[tokens]") {
    auto store = sqlite_history_store::open(":memory:");
    REQUIRE(store.ok());
    resume_tokens tokens(store.value().get());
    const std::string first = new_resume_token();
    tokens.update(hash_token(first), "first", {}, 10, 0, "s");
    for (std::size_t i = 1; i < resume_tokens::max_records + 3; ++i) {
        tokens.update(hash_token(std::to_string(i)), "n", {}, static_cast<std::int64_t>(100 + i), 0,
                      "s");
    }
    CHECK(tokens.size() == resume_tokens::max_records);
    CHECK_FALSE(tokens.find(hash_token(first), 0).has_value());
    CHECK_FALSE(store.value()->find_token(hash_token(first)).has_value());
    CHECK(tokens.find(hash_token(std::to_string(resume_tokens::max_records + 2)), 0).has_value());
}
