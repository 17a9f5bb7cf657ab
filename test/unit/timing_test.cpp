#include <chrono>
#include <regex>
#include <string>

#include <catch2/catch.hpp>

#include "common/timestamp.hpp"
#include "common/token_bucket.hpp"

using namespace std::chrono;

TEST_CASE("timestamps are RFC 3339 UTC with milliseconds", "[time]") {
    chat::timestamp_formatter f;
    const sys_days day = year{2026} / November / 21;
    const auto t = day + hours{14} + minutes{3} + seconds{12} + milliseconds{345};
    CHECK(f.format(t) == "2026-11-21T14:03:12.345Z");
    CHECK(f.format(t + milliseconds{1}) == "2026-11-21T14:03:12.346Z");
    CHECK(f.format(t + seconds{50}) == "2026-11-21T14:04:02.345Z");
    CHECK(f.format(day) == "2026-11-21T00:00:00.000Z");
    const std::regex shape(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
    CHECK(std::regex_match(std::string(f.format(system_clock::now())), shape));
}

TEST_CASE("token bucket allows a burst, then the rate", "[flood]") {
    const auto t0 = chat::token_bucket::clock::time_point{} + hours{1};
    chat::token_bucket b(10.0, 3.0, t0);
    CHECK(b.try_take(t0));
    CHECK(b.try_take(t0));
    CHECK(b.try_take(t0));
    CHECK_FALSE(b.try_take(t0));
    const auto wait = b.wait_time(t0);
    CHECK(wait > milliseconds{90});
    CHECK(wait <= milliseconds{101});
    CHECK_FALSE(b.try_take(t0 + milliseconds{50}));
    CHECK(b.try_take(t0 + milliseconds{101}));
    // A long pause refills to the burst, no further.
    const auto later = t0 + seconds{100};
    for (int i = 0; i < 3; ++i) {
        CHECK(b.try_take(later));
    }
    CHECK_FALSE(b.try_take(later));
}

TEST_CASE("a zero rate means no limit", "[flood]") {
    const auto t0 = chat::token_bucket::clock::now();
    chat::token_bucket b(0.0, 1.0, t0);
    for (int i = 0; i < 10000; ++i) {
        REQUIRE(b.try_take(t0));
    }
    CHECK(b.wait_time(t0) == chat::token_bucket::clock::duration::zero());
}

TEST_CASE("a tiny rate means a long wait, never an overflow into no limit", "[flood]") {
    // 1 / 1e-10 s is about 1e19 ns, past what the clock's 64-bit count holds: the conversion
    // went negative, the wait read as zero and every line was let through.
    const auto t0 = chat::token_bucket::clock::time_point{} + hours{1};
    for (const double rate : {1e-10, 1e-300, 5e-324}) {
        INFO(rate);
        chat::token_bucket b(rate, 1.0, t0);
        CHECK(b.try_take(t0));
        CHECK_FALSE(b.try_take(t0));
        const auto wait = b.wait_time(t0);
        CHECK(wait == chat::token_bucket::max_wait);
        CHECK_FALSE(b.try_take(t0 + wait));  // the wait is a bound to look again, not a token
    }
    // Below the bound the wait is exact as before.
    chat::token_bucket slow(0.001, 1.0, t0);
    CHECK(slow.try_take(t0));
    CHECK(slow.wait_time(t0) == seconds{1000});
}
