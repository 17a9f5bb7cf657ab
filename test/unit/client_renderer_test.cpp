#include <chrono>
#include <clocale>
#include <string>

#include <catch2/catch.hpp>

#include "client/renderer.hpp"
#include "client/terminal_ui.hpp"

namespace {

using namespace std::chrono;

const system_clock::time_point at_14_03 = time_point_cast<system_clock::duration>(
    sys_days{year{2026} / 11 / 21} + hours{14} + minutes{3} + seconds{40});

chat::renderer plain(std::string_view self = "me") {
    chat::renderer r({.color = false, .utc = true});
    r.set_self(self);
    return r;
}

chat::renderer colored(std::string_view self = "me") {
    chat::renderer r({.color = true, .utc = true});
    r.set_self(self);
    return r;
}

std::string render(const chat::renderer& r, std::string_view line) {
    const auto parsed = chat::parse_server_line(line);
    REQUIRE(parsed);
    return r.render(*parsed, at_14_03);
}

}  // namespace

TEST_CASE("messages read like a chat", "[client][renderer]") {
    const auto r = plain();
    CHECK(render(r, "MSG 1 2026-11-21T14:03:12.345Z alice hello") == "[14:03] alice: hello");
    CHECK(render(r, "ME 2 2026-11-21T09:15:00.000Z alice waves") == "[09:15] * alice waves");
    CHECK(render(r, "PRIV 3 2026-11-21T14:03:12.345Z bob psst") ==
          "[14:03] <- bob (private): psst");
}

TEST_CASE("what we send is shown the same way, private marked the other way",
          "[client][renderer]") {
    const auto r = plain("alice");
    CHECK(r.own_message("hello", at_14_03) == "[14:03] alice: hello");
    CHECK(r.own_action("waves", at_14_03) == "[14:03] * alice waves");
    CHECK(r.own_private("bob", "psst", at_14_03) == "[14:03] -> bob (private): psst");
}

TEST_CASE("a message time that cannot be read falls back to now", "[client][renderer]") {
    CHECK(render(plain(), "MSG 1 soon alice hi") == "[14:03] alice: hi");
}

TEST_CASE("membership notices", "[client][renderer]") {
    const auto r = plain("me");
    CHECK(render(r, "JOIN alice") == "[14:03] -- alice joined");
    CHECK(render(r, "LEAVE alice quit") == "[14:03] -- alice left");
    CHECK(render(r, "LEAVE alice quit see you") == "[14:03] -- alice left (see you)");
    CHECK(render(r, "LEAVE alice disconnected") == "[14:03] -- alice disconnected");
    CHECK(render(r, "LEAVE alice timeout") == "[14:03] -- alice timed out");
    CHECK(render(r, "LEAVE alice slow-consumer") ==
          "[14:03] -- alice was dropped (could not keep up)");
    CHECK(render(r, "LEAVE alice shutdown") == "[14:03] -- alice left (server shutting down)");
    CHECK(render(r, "LEAVE alice error") == "[14:03] -- alice left after an error");
    CHECK(render(r, "LEAVE alice bored") == "[14:03] -- alice left (bored)");
    CHECK(render(r, "NICK alice alicia") == "[14:03] -- alice is now known as alicia");
    CHECK(render(r, "NICK me myself") == "[14:03] -- you are now known as myself");
    CHECK(render(r, "USERS alice bob me") == "-- here now (3): alice, bob, me");
    CHECK(render(r, "USERS") == "-- nobody is here");
}

TEST_CASE("server notices and answers", "[client][renderer]") {
    const auto r = plain();
    CHECK(render(r, "HELLO chat/1 max-line=4096 Welcome! Send your name.") ==
          "-- Welcome! Send your name.");
    CHECK(render(r, "WELCOME me Hello me! /help lists the commands.") ==
          "-- Hello me! /help lists the commands.");
    CHECK(render(r, "WELCOME me") == "-- you joined as me");
    CHECK(render(r, "INFO /who - who is here") == "-- /who - who is here");
    CHECK(render(r, "PONG") == "-- pong");
    CHECK(render(r, "PONG 7") == "-- pong 7");
    CHECK(render(r, "BYE server shutting down") ==
          "-- the server closed the connection: server shutting down");
    CHECK(render(r, "TOPIC cats") == "-- TOPIC cats");
    CHECK(render(r, "PING 42").empty());  // answered by the client, not shown
}

TEST_CASE("every error code reads as a sentence", "[client][renderer]") {
    const auto r = plain();
    CHECK(render(r, "ERR name-taken the name bob is taken; send another") ==
          "!! That name is taken: the name bob is taken; send another");
    CHECK(render(r, "ERR name-invalid x") == "!! That name is not allowed: x");
    CHECK(render(r, "ERR no-such-user nobody here is called zed") ==
          "!! No such user: nobody here is called zed");
    CHECK(render(r, "ERR unknown-command x") == "!! Unknown command: x");
    CHECK(render(r, "ERR usage usage: /msg NAME TEXT") ==
          "!! Incomplete command: usage: /msg NAME TEXT");
    CHECK(render(r, "ERR line-too-long x") == "!! Your line was too long and was not sent: x");
    CHECK(render(r, "ERR bad-encoding x") == "!! Your line could not be sent: x");
    CHECK(render(r, "ERR server-full x") == "!! The server is full: x");
    CHECK(render(r, "ERR too-many-from-address x") ==
          "!! Too many connections from your address: x");
    CHECK(render(r, "ERR too-many-connections x") ==
          "!! Too many new connections from your address: x");
    CHECK(render(r, "ERR not-registered x") == "!! You have not joined yet: x");
    CHECK(render(r, "ERR brand-new-code x") == "!! The server refused that: x");
    CHECK(render(r, "ERR no-such-user") == "!! No such user");
}

TEST_CASE("without colour there is not one escape sequence", "[client][renderer]") {
    const auto r = plain("me");
    for (const char* line :
         {"MSG 1 2026-11-21T14:03:12.345Z alice hi me", "PRIV 1 2026-11-21T14:03:12.345Z a b",
          "ME 1 2026-11-21T14:03:12.345Z a b", "JOIN a", "LEAVE a quit", "NICK a b", "USERS a b",
          "INFO x", "PONG", "BYE x", "ERR usage x", "HELLO chat/1 x y", "WELCOME me x"}) {
        CAPTURE(line);
        CHECK(render(r, line).find('\x1b') == std::string::npos);
    }
    CHECK(r.notice("x").find('\x1b') == std::string::npos);
    CHECK(r.error("x").find('\x1b') == std::string::npos);
    CHECK(r.own_private("b", "x", at_14_03).find('\x1b') == std::string::npos);
}

TEST_CASE("with colour: a name keeps one colour, errors and privates stand out",
          "[client][renderer]") {
    const auto r = colored("me");
    const std::string alice = r.name("alice");
    CHECK(alice.find("alice") != std::string::npos);
    CHECK(alice.front() == '\x1b');
    CHECK(r.name("alice") == alice);
    // The same colour however the name is written.
    CHECK(r.name("ALICE").substr(0, alice.find("alice")) == alice.substr(0, alice.find("alice")));
    CHECK(chat::name_color_index("Alice") == chat::name_color_index("alice"));
    CHECK(chat::name_color_index("alice") < chat::name_palette_size);

    const std::string msg = render(r, "MSG 1 2026-11-21T14:03:12.345Z alice hello");
    CHECK(msg.find(alice + ": hello") != std::string::npos);
    CHECK(render(r, "ERR usage x").find("\x1b[1;31m") == 0);                          // red
    CHECK(render(r, "PRIV 1 2026-11-21T14:03:12.345Z alice x").find("\x1b[1;35m") !=  // magenta
          std::string::npos);
    CHECK(r.own_private("alice", "x", at_14_03).find("\x1b[1;35m") != std::string::npos);
    CHECK(render(r, "JOIN alice").find("\x1b[2m") != std::string::npos);  // dimmed
    CHECK(r.notice("x").find("\x1b[2m") == 0);
}

TEST_CASE("a message naming us is highlighted", "[client][renderer]") {
    const auto r = colored("Me");
    CHECK(render(r, "MSG 1 2026-11-21T14:03:12.345Z alice hi me!").find("\x1b[1mhi me!") !=
          std::string::npos);
    CHECK(render(r, "MSG 1 2026-11-21T14:03:12.345Z alice hi meme").find("\x1b[1m") ==
          std::string::npos);
}

TEST_CASE("text from the network cannot drive the terminal", "[client][renderer]") {
    using chat::renderer;
    const std::string fffd = "\xEF\xBF\xBD";
    CHECK(renderer::sanitize("plain") == "plain");
    CHECK(renderer::sanitize("h\xC3\xA9llo \xE2\x9C\x93") == "h\xC3\xA9llo \xE2\x9C\x93");
    CHECK(renderer::sanitize("a\tb") == "a b");
    CHECK(renderer::sanitize("\x1b[2Jboom") == fffd + "[2Jboom");
    CHECK(renderer::sanitize("bell\x07") == "bell" + fffd);
    CHECK(renderer::sanitize("del\x7f") == "del" + fffd);
    CHECK(renderer::sanitize("c1\xC2\x9B"
                             "31m") == "c1" + fffd + "31m");
    CHECK(renderer::sanitize("bad\xFF") == "bad" + fffd);
    CHECK(renderer::sanitize("\xC0\xAF") == fffd + fffd);             // overlong '/'
    CHECK(renderer::sanitize("\xED\xA0\x80") == fffd + fffd + fffd);  // surrogate
    CHECK(renderer::sanitize("cut\xE2\x9C") == "cut" + fffd + fffd);
    CHECK(render(plain(),
                 "MSG 1 2026-11-21T14:03:12.345Z al\x1b"
                 "ice hi\x1b[0m") == "[14:03] al" + fffd + "ice: hi" + fffd + "[0m");
    CHECK(plain().garbage("lower case\x1b") == "?? lower case" + fffd);
}

TEST_CASE("display width skips colour and counts characters", "[client][renderer]") {
    const std::string saved = std::setlocale(LC_CTYPE, nullptr);
    REQUIRE(std::setlocale(LC_CTYPE, "C.UTF-8") != nullptr);
    CHECK(chat::display_width("alice> ") == 7);
    CHECK(chat::display_width("\x1b[96malice\x1b[39m> ") == 7);
    CHECK(chat::display_width("h\xC3\xA9llo") == 5);
    CHECK(chat::display_width("\xE4\xBD\xA0\xE5\xA5\xBD") == 4);  // two wide CJK characters
    std::setlocale(LC_CTYPE, saved.c_str());
}

namespace {

// Bidi isolates: U+2066 LRI, U+2067 RLI, U+2068 FSI open one, U+2069 PDI closes one.
const std::string lri = "\xE2\x81\xA6";
const std::string rli = "\xE2\x81\xA7";
const std::string fsi = "\xE2\x81\xA8";
const std::string pdi = "\xE2\x81\xA9";

}  // namespace

TEST_CASE("an isolate left open is closed at the end of its field", "[client][renderer]") {
    using chat::renderer;
    CHECK(renderer::sanitize(rli + "olleh") == rli + "olleh" + pdi);
    CHECK(renderer::sanitize(lri + fsi + "x" + pdi) == lri + fsi + "x" + pdi + pdi);
    CHECK(renderer::sanitize(lri + "x" + pdi) == lri + "x" + pdi);  // closed: left alone
    // A stray PDI closes nothing of ours, so it does not cancel an isolate opened after it.
    CHECK(renderer::sanitize(pdi + "x" + rli) == pdi + "x" + rli + pdi);
    // Each field on its own: a name's open isolate cannot reorder the text after it.
    CHECK(render(plain(), "MSG 1 2026-11-21T14:03:12.345Z alice " + rli + "hi") ==
          "[14:03] alice: " + rli + "hi" + pdi);
    CHECK(render(plain(), "ME 1 2026-11-21T14:03:12.345Z alice waves " + fsi) ==
          "[14:03] * alice waves " + fsi + pdi);
    CHECK(render(plain(), "LEAVE alice quit " + rli + "bye") ==
          "[14:03] -- alice left (" + rli + "bye" + pdi + ")");
    // Inside colour the isolate is closed before the colour is reset.
    CHECK(render(colored("me"), "MSG 1 2026-11-21T14:03:12.345Z alice me " + rli)
              .find("me " + rli + pdi + "\x1b[0m") != std::string::npos);
}

TEST_CASE("line separators and bidi overrides from the network are replaced",
          "[client][renderer]") {
    // The server refuses them; a client of another server must not show them either.
    using chat::renderer;
    const std::string fffd = "\xEF\xBF\xBD";
    CHECK(renderer::sanitize("a\xE2\x80\xA8"
                             "b") == "a" + fffd + "b");  // U+2028
    CHECK(renderer::sanitize("a\xE2\x80\xA9"
                             "b") == "a" + fffd + "b");  // U+2029
    for (const char* bidi :
         {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD", "\xE2\x80\xAE"}) {
        CHECK(renderer::sanitize(std::string("exe.") + bidi + "txt") == "exe." + fffd + "txt");
    }
    CHECK(renderer::sanitize("\xE2\x80\x8F") == "\xE2\x80\x8F");  // U+200F RLM is harmless
}
