#include <string>

#include <catch2/catch.hpp>

#include "client/outbox.hpp"

namespace {

chat::own_message said(std::string line) {
    chat::own_message m;
    m.what = chat::own_message::kind::say;
    m.text = line;
    m.line = std::move(line);
    return m;
}

chat::own_message whisper(std::string to, std::string text) {
    chat::own_message m;
    m.what = chat::own_message::kind::priv;
    m.target = std::move(to);
    m.text = text;
    m.line = "@" + m.target + " " + text;
    return m;
}

/// The token of a `/ping TOKEN` marker line.
std::string token_of(const std::optional<std::string>& marker) {
    REQUIRE(marker);
    REQUIRE(marker->starts_with("/ping "));
    return marker->substr(6);
}

}  // namespace

TEST_CASE("messages are answered in order, each by SENT or ERR", "[client][outbox]") {
    chat::outbox box;
    CHECK_FALSE(box.message_sent(said("one")));  // nothing to tell apart: no marker
    CHECK_FALSE(box.message_sent(whisper("zed", "two")));
    CHECK_FALSE(box.message_sent(said("three")));
    CHECK(box.pending() == 3);

    const auto first = box.accepted();
    REQUIRE(first);
    CHECK(first->line == "one");
    const auto second = box.refused();  // ERR no-such-user
    REQUIRE(second);
    CHECK(second->what == chat::own_message::kind::priv);
    CHECK(second->target == "zed");
    CHECK(second->line == "@zed two");
    const auto third = box.accepted();
    REQUIRE(third);
    CHECK(third->line == "three");
    CHECK(box.pending() == 0);

    CHECK_FALSE(box.accepted());  // a SENT for nothing: nothing to show
    CHECK_FALSE(box.refused());   // an ERR with nothing pending is a command's
}

TEST_CASE("a command's ERR is never taken for a message's", "[client][outbox]") {
    // "/part #nope" then "hi" at once: the server answers ERR not-in-room, then SENT.
    chat::outbox box;
    box.command_sent();
    const auto token = token_of(box.message_sent(said("hi")));
    CHECK(token.starts_with(chat::outbox_marker_prefix));
    CHECK_FALSE(box.refused());  // before the marker's PONG: the /part's ERR
    CHECK_FALSE(box.marker_answered("someone-elses-token"));
    CHECK(box.marker_answered(token));
    const auto m = box.accepted();
    REQUIRE(m);
    CHECK(m->line == "hi");
}

TEST_CASE("an ERR after the marker's PONG is the message's", "[client][outbox]") {
    // "/join #rust" then "#rust hi" before JOINED: the join works, the line fails anyway.
    chat::outbox box;
    box.command_sent();
    const auto token = token_of(box.message_sent(said("#rust hi")));
    CHECK(box.marker_answered(token));
    const auto m = box.refused();
    REQUIRE(m);
    CHECK(m->line == "#rust hi");
}

TEST_CASE("one marker per run of commands, none between messages", "[client][outbox]") {
    chat::outbox box;
    CHECK_FALSE(box.message_sent(said("a")));
    box.command_sent();
    box.command_sent();
    const auto t1 = token_of(box.message_sent(said("b")));
    CHECK_FALSE(box.message_sent(said("c")));
    box.command_sent();
    const auto t2 = token_of(box.message_sent(said("d")));
    CHECK(t1 != t2);
    CHECK(box.pending() == 4);

    // a: SENT; the commands' answers (an ERR among them); marker; b, c: SENT; an ERR of the
    // third command; marker; d: ERR.
    CHECK(box.accepted()->line == "a");
    CHECK_FALSE(box.refused());
    CHECK_FALSE(box.marker_answered(t2));  // not the one in front
    CHECK(box.marker_answered(t1));
    CHECK(box.accepted()->line == "b");
    CHECK(box.accepted()->line == "c");
    CHECK_FALSE(box.refused());
    CHECK(box.marker_answered(t2));
    CHECK(box.refused()->line == "d");
    CHECK(box.pending() == 0);
}

TEST_CASE("a lost connection hands back what was never answered", "[client][outbox]") {
    chat::outbox box;
    box.message_sent(said("a"));
    box.command_sent();
    box.message_sent(said("b"));
    box.accepted();
    const auto lost = box.drop_all();
    REQUIRE(lost.size() == 1);
    CHECK(lost.front().line == "b");
    CHECK(box.pending() == 0);
    // A fresh connection starts in step: no marker before its first message.
    CHECK_FALSE(box.message_sent(said("c")));
}
