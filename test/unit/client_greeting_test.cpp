#include <string>

#include <catch2/catch.hpp>

#include "client/greeting.hpp"

using chat::greeting_kind;
using chat::judge_greeting;

TEST_CASE("a chat/2 HELLO is a server to talk to", "[client][greeting]") {
    const auto g = judge_greeting("127.0.0.1:7777", "HELLO chat/2 max-line=4096 Welcome!");
    CHECK(g.kind == greeting_kind::chat);
    CHECK(g.problem.empty());
    CHECK(judge_greeting("h:1", "HELLO chat/2").kind == greeting_kind::chat);
}

TEST_CASE("a full server's ERR before HELLO is still a chat server", "[client][greeting]") {
    CHECK(judge_greeting("h:1", "ERR server-full the server is full; try again later").kind ==
          greeting_kind::refusal);
    CHECK(judge_greeting("h:1", "ERR too-many-from-address at most 2").kind ==
          greeting_kind::refusal);
    // An ERR with a code that is none of ours proves nothing.
    CHECK(judge_greeting("h:1", "ERR 42 oops").kind == greeting_kind::not_chat);
}

TEST_CASE("another chat version is named", "[client][greeting]") {
    const auto g = judge_greeting("127.0.0.1:7777", "HELLO chat/1 max-line=4096 Welcome!");
    CHECK(g.kind == greeting_kind::other_version);
    CHECK(g.problem == "127.0.0.1:7777 speaks chat/1, but this client speaks chat/2");
    CHECK(judge_greeting("h:1", "HELLO chat/3").kind == greeting_kind::other_version);
}

TEST_CASE("anything else is not the chat protocol, quoted short and safe", "[client][greeting]") {
    const auto http = judge_greeting("127.0.0.1:8080", "HTTP/1.1 400 Bad Request");
    CHECK(http.kind == greeting_kind::not_chat);
    CHECK(http.problem ==
          "127.0.0.1:8080 does not speak the chat protocol (it said: HTTP/1.1 400 Bad Request)");
    CHECK(judge_greeting("h:22", "SSH-2.0-OpenSSH_9.6").kind == greeting_kind::not_chat);
    CHECK(judge_greeting("h:25", "220 mail.example.org ESMTP").kind == greeting_kind::not_chat);
    CHECK(judge_greeting("h:1", "HELLO world").kind == greeting_kind::not_chat);
    CHECK(judge_greeting("h:1", "").kind == greeting_kind::not_chat);
    CHECK(judge_greeting("h:1", "MSG #lobby 1 2026-11-21T14:03:12.345Z a b").kind ==
          greeting_kind::not_chat);  // a chat server greets first

    const auto noisy = judge_greeting("h:1", "\x1b[2J" + std::string(200, 'x'));
    CHECK(noisy.problem.find('\x1b') == std::string::npos);
    CHECK(noisy.problem.size() < 130);
    CHECK(noisy.problem.ends_with("...)"));

    // A cut never splits a UTF-8 character.
    const auto wide = judge_greeting("h:1", std::string(59, 'x') + "\xC3\xA9\xC3\xA9 tail");
    CHECK(wide.problem.find(std::string(59, 'x') + "...") != std::string::npos);
}

TEST_CASE("a peer that says nothing is named too", "[client][greeting]") {
    CHECK(chat::no_greeting_problem("127.0.0.1:8080", false, 10) ==
          "127.0.0.1:8080 closed the connection without a greeting; is it a chat server?");
    CHECK(chat::no_greeting_problem("127.0.0.1:8080", true, 10) ==
          "127.0.0.1:8080 accepted the connection but said nothing for 10 s; is it a chat "
          "server?");
}
