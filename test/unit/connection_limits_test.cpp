// The pure pieces behind connection floods: how often one client may connect, how many lines a
// storm may write to the log, and who counts as one client. Time is passed in; nothing sleeps.

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/ip/address.hpp>
#include <catch2/catch.hpp>

#include "common/connection_rate_limiter.hpp"
#include "common/encode.hpp"
#include "common/frame_arena.hpp"
#include "common/log_limiter.hpp"
#include "common/reply_text.hpp"
#include "common/server_line.hpp"
#include "server/close_reason.hpp"
#include "server/peer_address.hpp"

using namespace std::chrono_literals;
using limiter = chat::connection_rate_limiter<std::string>;
using log_limiter = chat::log_limiter<std::string>;
using clock_type = limiter::clock;

namespace {

const clock_type::time_point t0 = clock_type::time_point{} + 1h;

/// How many of `n` attempts from `key` at `now` are let in.
int admitted(limiter& l, const std::string& key, clock_type::time_point now, int n) {
    int in = 0;
    for (int i = 0; i < n; ++i) {
        in += l.admit(key, now).admitted ? 1 : 0;
    }
    return in;
}

boost::asio::ip::address ip(const char* text) {
    return boost::asio::ip::make_address(text);
}

/// What a log limiter reported when `expire` ran at `now`: (key or "*", count) pairs.
std::vector<std::pair<std::string, std::size_t>> expire(log_limiter& l,
                                                        clock_type::time_point now) {
    std::vector<std::pair<std::string, std::size_t>> out;
    l.expire(now, [&](const std::string* key, std::size_t n) {
        out.emplace_back(key != nullptr ? *key : "*", n);
    });
    return out;
}

}  // namespace

TEST_CASE("connect rate: a burst, then a refusal, then the rate", "[connect_rate]") {
    limiter l(2.0, 5.0, 1s, 100);
    CHECK(admitted(l, "a", t0, 5) == 5);
    const auto refused = l.admit("a", t0);
    CHECK_FALSE(refused.admitted);
    CHECK(refused.retry_after == 1s);
    // Other clients are not affected.
    CHECK(admitted(l, "b", t0, 5) == 5);
    // Within the refusal nothing gets in, though a token has come back meanwhile...
    CHECK_FALSE(l.admit("a", t0 + 600ms).admitted);
    CHECK(l.admit("a", t0 + 600ms).retry_after == 400ms);
    // ...and hammering does not extend it: at its end the tokens that came back are there.
    CHECK(admitted(l, "a", t0 + 1s, 5) == 2);
    CHECK_FALSE(l.admit("a", t0 + 1s).admitted);
    // At the rate, forever.
    auto now = t0 + 2s;
    for (int i = 0; i < 20; ++i) {
        now += 500ms;
        INFO(i);
        CHECK(l.admit("a", now).admitted);
    }
}

TEST_CASE("connect rate: a slow rate refuses until the next token", "[connect_rate]") {
    limiter l(0.25, 1.0, 1s, 100);
    CHECK(l.admit("a", t0).admitted);
    // Half a token is there: the other half takes 2 s, longer than the refusal.
    const auto refused = l.admit("a", t0 + 2s);
    CHECK_FALSE(refused.admitted);
    CHECK(refused.retry_after == 2s);
    CHECK_FALSE(l.admit("a", t0 + 3s).admitted);
    CHECK(l.admit("a", t0 + 4s).admitted);
}

TEST_CASE("connect rate: 0 lets everything in and remembers nothing", "[connect_rate]") {
    limiter l(0.0, 1.0, 1s, 100);
    CHECK(admitted(l, "a", t0, 1000) == 1000);
    CHECK(l.tracked() == 0);
}

TEST_CASE("connect rate: a client unseen for the horizon is forgotten", "[connect_rate]") {
    limiter l(10.0, 20.0, 1s, 100);
    CHECK(l.horizon() == 2s);  // burst / rate: by then any bucket is full again
    CHECK(admitted(l, "a", t0, 25) == 20);
    CHECK(admitted(l, "b", t0 + 1s, 1) == 1);
    CHECK(l.tracked() == 2);
    // "a" was last seen at t0; at t0 + 2 s it is dropped, and "b" is still kept.
    CHECK(admitted(l, "c", t0 + 2s, 1) == 1);
    CHECK(l.tracked() == 2);
    // Forgetting it changes nothing: it has its full burst, as it would have had anyway.
    CHECK(admitted(l, "a", t0 + 2s, 25) == 20);
    // With nobody connecting, the server's sweep lets the rest go: "b" (last seen at t0 + 1 s),
    // then "a" and "c" (t0 + 2 s).
    l.expire(t0 + 3s);
    CHECK(l.tracked() == 2);
    l.expire(t0 + 3999ms);
    CHECK(l.tracked() == 2);
    l.expire(t0 + 4s);
    CHECK(l.tracked() == 0);
}

TEST_CASE("connect rate: past the cap the client seen longest ago is evicted", "[connect_rate]") {
    limiter l(1.0, 2.0, 1s, 3);
    CHECK(admitted(l, "a", t0, 3) == 2);
    CHECK(admitted(l, "b", t0 + 1ms, 3) == 2);
    CHECK(admitted(l, "c", t0 + 2ms, 3) == 2);
    // "a" is seen again, so "b" is now the oldest.
    CHECK_FALSE(l.admit("a", t0 + 3ms).admitted);
    CHECK(admitted(l, "d", t0 + 4ms, 1) == 1);
    CHECK(l.tracked() == 3);
    CHECK_FALSE(l.admit("a", t0 + 5ms).admitted);  // kept
    CHECK_FALSE(l.admit("c", t0 + 5ms).admitted);  // kept
    CHECK(l.admit("b", t0 + 5ms).admitted);        // evicted: a fresh bucket
    // However many clients come, the table stays at the cap.
    for (int i = 0; i < 10'000; ++i) {
        l.admit(std::to_string(i), t0 + 6ms);
    }
    CHECK(l.tracked() == 3);
}

TEST_CASE("log limit: the first lines of a window, then one summary when it ends", "[log_limit]") {
    log_limiter l(3, 10s, 100);
    int logged = 0;
    for (int i = 0; i < 1000; ++i) {
        logged += l.admit("a", t0 + std::chrono::milliseconds(i)) ? 1 : 0;
    }
    CHECK(logged == 3);
    CHECK(l.admit("b", t0 + 5s));
    CHECK(expire(l, t0 + 9999ms).empty());
    // "a"'s window ends at t0 + 10 s; "b"'s, with nothing suppressed, ends silently later.
    CHECK(expire(l, t0 + 10s) == std::vector<std::pair<std::string, std::size_t>>{{"a", 997}});
    CHECK(l.tracked() == 1);
    CHECK(expire(l, t0 + 15s).empty());
    CHECK(l.tracked() == 0);
    // A new window, a new budget.
    CHECK(l.admit("a", t0 + 16s));
}

TEST_CASE("log limit: past the cap, other keys share one budget", "[log_limit]") {
    log_limiter l(2, 10s, 2);
    CHECK(l.admit("a", t0));
    CHECK(l.admit("b", t0));
    int logged = 0;
    for (int i = 0; i < 100; ++i) {
        logged += l.admit(std::to_string(i), t0 + 1s) ? 1 : 0;
    }
    CHECK(logged == 2);
    CHECK(l.tracked() == 2);
    CHECK(expire(l, t0 + 10s).empty());  // "a" and "b" suppressed nothing
    CHECK(expire(l, t0 + 11s) == std::vector<std::pair<std::string, std::size_t>>{{"*", 98}});
    // With room again, a new key gets its own budget.
    CHECK(l.admit("c", t0 + 12s));
    CHECK(l.tracked() == 1);
}

TEST_CASE("log limit: a storm of many windows stays bounded", "[log_limit]") {
    log_limiter l(20, 10s, 256);
    std::size_t logged = 0;
    std::size_t summaries = 0;
    std::size_t suppressed = 0;
    // 60 s of 10,000 events a second from one key, expired every 100 ms as the server does.
    for (int ms = 0; ms < 60'000; ms += 100) {
        const auto now = t0 + std::chrono::milliseconds(ms);
        for (int i = 0; i < 1000; ++i) {
            logged += l.admit("storm", now) ? 1U : 0U;
        }
        l.expire(now, [&](const std::string*, std::size_t n) {
            ++summaries;
            suppressed += n;
        });
    }
    CHECK(logged == 6 * 20);
    CHECK(summaries == 5);  // the sixth window is still open
    l.expire(clock_type::time_point::max(), [&](const std::string*, std::size_t n) {
        ++summaries;
        suppressed += n;
    });
    CHECK(summaries == 6);
    CHECK(logged + suppressed == 600'000);
    CHECK(l.tracked() == 0);
}

TEST_CASE("client key: IPv4 as itself, IPv6 per prefix", "[peer_address]") {
    using chat::client_key;
    CHECK(client_key(ip("192.0.2.7"), 64) == ip("192.0.2.7"));
    // An IPv4 client reaching a :: listener counts as IPv4, whatever the prefix.
    CHECK(client_key(ip("::ffff:192.0.2.7"), 64) == ip("192.0.2.7"));
    CHECK(client_key(ip("::ffff:192.0.2.7"), 0) == ip("192.0.2.7"));
    CHECK(client_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 64) == ip("2001:db8:1:2::"));
    CHECK(client_key(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 64) ==
          client_key(ip("2001:db8:1:2::1"), 64));
    CHECK(client_key(ip("2001:db8:1:2::1"), 64) != client_key(ip("2001:db8:1:3::1"), 64));
    CHECK(client_key(ip("2001:db8:1:2:aaaa::1"), 128) == ip("2001:db8:1:2:aaaa::1"));
    CHECK(client_key(ip("2001:db8:1:2:aaaa::1"), 48) == ip("2001:db8:1::"));
    // Prefixes that do not end on a byte boundary.
    CHECK(client_key(ip("2001:db8:ffff::"), 36) == ip("2001:db8:f000::"));
    CHECK(client_key(ip("2001:db8:ffff::"), 33) == ip("2001:db8:8000::"));
    CHECK(client_key(ip("ffff::1"), 1) == ip("8000::"));
    CHECK(client_key(ip("ffff::1"), 0) == ip("::"));
    CHECK(client_key(ip("::1"), 127) == ip("::"));
    CHECK(client_key(ip("::1"), 200) == ip("::1"));
}

TEST_CASE("client key: described for the log", "[peer_address]") {
    CHECK(chat::describe_client(ip("192.0.2.7"), 64) == "192.0.2.7");
    CHECK(chat::describe_client(ip("2001:db8:1:2::"), 64) == "2001:db8:1:2::/64");
    CHECK(chat::describe_client(ip("2001:db8::1"), 128) == "2001:db8::1");
}

TEST_CASE("connect rate: the refusal on the wire", "[connect_rate]") {
    chat::frame_arena arena(1024);
    const auto err = chat::encode_error(arena, chat::protocol_error::too_many_connections,
                                        chat::reply_text::too_many_connections(20, 0.4));
    CHECK(err.bytes() ==
          "ERR too-many-connections too many new connections from your address (at most 20 a "
          "second); try again in 1 s\n");
    CHECK(chat::reply_text::too_many_connections(0.5, 1.2) ==
          "too many new connections from your address (at most 0.5 a second); try again in 2 s");
    CHECK(chat::parse_protocol_error("too-many-connections") ==
          chat::protocol_error::too_many_connections);
    const auto reason = chat::close_reason::too_many_connections;
    CHECK(chat::to_string(reason) == "too-many-connections");
    CHECK(chat::encode_bye(arena, chat::bye_text(reason)).bytes() == "BYE connecting too often\n");
    CHECK(chat::says_goodbye(reason));
}
