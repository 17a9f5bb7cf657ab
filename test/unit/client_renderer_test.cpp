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

TEST_CASE("room messages read like a chat, with their room", "[client][renderer]") {
    const auto r = plain();
    CHECK(render(r, "MSG #lobby 1 2026-11-21T14:03:12.345Z alice hello") ==
          "[14:03] #lobby alice: hello");
    CHECK(render(r, "ME #rust 2 2026-11-21T09:15:00.000Z alice waves") ==
          "[09:15] #rust * alice waves");
    CHECK(render(r, "PRIV 3 2026-11-21T14:03:12.345Z bob psst") ==
          "[14:03] <- bob (private): psst");
}

TEST_CASE("what we sent is shown once accepted, private marked the other way",
          "[client][renderer]") {
    const auto r = plain("alice");
    CHECK(r.own_message("#lobby", "hello", at_14_03) == "[14:03] #lobby alice: hello");
    CHECK(r.own_action("#rust", "waves", at_14_03) == "[14:03] #rust * alice waves");
    CHECK(r.own_private("bob", "psst", at_14_03) == "[14:03] -> bob (private): psst");
    CHECK(render(r, "SENT 4 2026-11-21T14:03:12.345Z").empty());  // the client shows the message
}

TEST_CASE("a refused line is shown with the reason", "[client][renderer]") {
    const auto r = plain("alice");
    const auto err = chat::parse_server_line("ERR no-such-user nobody here is called zed");
    REQUIRE(err);
    CHECK(r.refused(*err, "@zed hi") ==
          "!! No such user: nobody here is called zed (not sent: @zed hi)");
    const auto bare = chat::parse_server_line("ERR not-in-room");
    REQUIRE(bare);
    CHECK(r.refused(*bare, "#rust hi") == "!! You are not in that room (not sent: #rust hi)");
}

TEST_CASE("a message time that cannot be read falls back to now", "[client][renderer]") {
    CHECK(render(plain(), "MSG #lobby 1 soon alice hi") == "[14:03] #lobby alice: hi");
}

TEST_CASE("membership notices", "[client][renderer]") {
    const auto r = plain("me");
    CHECK(render(r, "JOIN #lobby alice") == "[14:03] #lobby -- alice joined");
    CHECK(render(r, "LEAVE #lobby alice part") == "[14:03] #lobby -- alice left");
    CHECK(render(r, "LEAVE #lobby alice part off to #rust") ==
          "[14:03] #lobby -- alice left (off to #rust)");
    CHECK(render(r, "LEAVE #lobby alice quit") == "[14:03] #lobby -- alice quit");
    CHECK(render(r, "LEAVE #lobby alice quit see you") == "[14:03] #lobby -- alice quit (see you)");
    CHECK(render(r, "LEAVE #lobby alice disconnected") == "[14:03] #lobby -- alice disconnected");
    CHECK(render(r, "LEAVE #lobby alice timeout") == "[14:03] #lobby -- alice timed out");
    CHECK(render(r, "LEAVE #lobby alice slow-consumer") ==
          "[14:03] #lobby -- alice was dropped (could not keep up)");
    CHECK(render(r, "LEAVE #lobby alice shutdown") ==
          "[14:03] #lobby -- alice left (server shutting down)");
    CHECK(render(r, "LEAVE #lobby alice error") == "[14:03] #lobby -- alice left after an error");
    CHECK(render(r, "LEAVE #lobby alice bored") == "[14:03] #lobby -- alice left (bored)");
    CHECK(render(r, "NICK alice alicia") == "[14:03] -- alice is now known as alicia");
    CHECK(render(r, "NICK me myself") == "[14:03] -- you are now known as myself");
    CHECK(render(r, "USERS #lobby alice bob me") == "-- in #lobby (3): alice, bob, me");
    CHECK(render(r, "USERS #lobby") == "-- nobody is in #lobby");
}

TEST_CASE("our own rooms: JOINED, PARTED, a switch", "[client][renderer]") {
    const auto r = plain("me");
    CHECK(render(r, "JOINED #lobby 3 you are now talking in #lobby") ==
          "[14:03] -- you joined #lobby (3 members)");
    CHECK(render(r, "JOINED #new 1 you are now talking in #new") ==
          "[14:03] -- you joined #new (just you)");
    CHECK(render(r, "PARTED #rust") == "[14:03] -- you left #rust");
    CHECK(r.switched("#rust", at_14_03) == "[14:03] -- now talking in #rust");
}

TEST_CASE("topics and the room list", "[client][renderer]") {
    const auto r = plain("me");
    CHECK(render(r, "TOPIC #rust bob 2026-11-20T08:00:00.000Z borrow checker tips") ==
          "[14:03] #rust -- topic: borrow checker tips (set by bob)");
    CHECK(render(r, "TOPIC #rust bob 2026-11-20T08:00:00.000Z ") ==
          "[14:03] #rust -- the topic was cleared by bob");
    CHECK(render(r, "ROOMS #lobby:5 #rust:2") == "-- rooms (2): #lobby (5), #rust (2)");
    CHECK(render(r, "ROOMS") == "-- there are no rooms");
}

TEST_CASE("server notices and answers", "[client][renderer]") {
    const auto r = plain();
    CHECK(render(r, "HELLO chat/2 max-line=4096 Welcome! Send your name.") ==
          "-- Welcome! Send your name.");
    CHECK(render(r, "WELCOME me Hello me! /help lists the commands.") ==
          "-- Hello me! /help lists the commands.");
    CHECK(render(r, "WELCOME me") == "-- you joined as me");
    // A chat/2.1 server's resume token is not for people.
    CHECK(render(r, "WELCOME me 0123456789abcdef0123456789abcdef Hello me!") == "-- Hello me!");
    CHECK(render(r, "WELCOME me 0123456789abcdef0123456789abcdef") == "-- you joined as me");
    CHECK(render(r, "INFO /who - who is here") == "-- /who - who is here");
    CHECK(render(r, "PONG") == "-- pong");
    CHECK(render(r, "PONG 7") == "-- pong 7");
    CHECK(render(r, "BYE server shutting down") ==
          "-- the server closed the connection: server shutting down");
    CHECK(render(r, "KICK #lobby me") == "-- KICK #lobby me");
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
    CHECK(render(r, "ERR room-name-invalid x") == "!! That is not a room name: x");
    CHECK(render(r, "ERR not-in-room x") == "!! You are not in that room: x");
    CHECK(render(r, "ERR too-many-rooms x") == "!! You are in too many rooms: x");
    CHECK(render(r, "ERR no-such-room x") == "!! No such room: x");
    CHECK(render(r, "ERR brand-new-code x") == "!! The server refused that: x");
    CHECK(render(r, "ERR no-such-user") == "!! No such user");
}

TEST_CASE("without colour there is not one escape sequence", "[client][renderer]") {
    const auto r = plain("me");
    for (const char* line :
         {"MSG #a 1 2026-11-21T14:03:12.345Z alice hi me", "PRIV 1 2026-11-21T14:03:12.345Z a b",
          "ME #a 1 2026-11-21T14:03:12.345Z a b", "JOIN #a a", "LEAVE #a a quit", "NICK a b",
          "USERS #a a b", "INFO x", "PONG", "BYE x", "ERR usage x", "HELLO chat/2 x y",
          "WELCOME me x", "JOINED #a 2 x", "PARTED #a", "TOPIC #a b 2026-11-21T14:03:12.345Z t",
          "ROOMS #a:1 #b:2"}) {
        CAPTURE(line);
        CHECK(render(r, line).find('\x1b') == std::string::npos);
    }
    CHECK(r.notice("x").find('\x1b') == std::string::npos);
    CHECK(r.error("x").find('\x1b') == std::string::npos);
    CHECK(r.own_private("b", "x", at_14_03).find('\x1b') == std::string::npos);
    CHECK(r.own_message("#a", "x", at_14_03).find('\x1b') == std::string::npos);
    CHECK(r.room("#a") == "#a");
}

TEST_CASE("with colour: a name or room keeps one colour, errors and privates stand out",
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

    // Rooms are coloured by the same hash, so #rust is one colour on every line and in the prompt.
    const std::string rust = r.room("#rust");
    CHECK(rust.front() == '\x1b');
    CHECK(rust.find("#rust") != std::string::npos);
    CHECK(r.room("#RUST").substr(0, rust.find("#rust")) == rust.substr(0, rust.find("#rust")));

    const std::string msg = render(r, "MSG #rust 1 2026-11-21T14:03:12.345Z alice hello");
    CHECK(msg.find(rust) != std::string::npos);
    CHECK(msg.find(alice + ": hello") != std::string::npos);
    CHECK(render(r, "JOIN #rust bob").find(rust) != std::string::npos);
    CHECK(r.own_message("#rust", "hi", at_14_03).find(rust) != std::string::npos);
    CHECK(render(r, "ERR usage x").find("\x1b[1;31m") == 0);                          // red
    CHECK(render(r, "PRIV 1 2026-11-21T14:03:12.345Z alice x").find("\x1b[1;35m") !=  // magenta
          std::string::npos);
    CHECK(r.own_private("alice", "x", at_14_03).find("\x1b[1;35m") != std::string::npos);
    CHECK(render(r, "JOIN #rust alice").find("\x1b[2m") != std::string::npos);  // dimmed
    CHECK(r.notice("x").find("\x1b[2m") == 0);
}

TEST_CASE("a message naming us is highlighted", "[client][renderer]") {
    const auto r = colored("Me");
    CHECK(render(r, "MSG #a 1 2026-11-21T14:03:12.345Z alice hi me!").find("\x1b[1mhi me!") !=
          std::string::npos);
    CHECK(render(r, "MSG #a 1 2026-11-21T14:03:12.345Z alice hi meme").find("\x1b[1m") ==
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
                 "MSG #a 1 2026-11-21T14:03:12.345Z al\x1b"
                 "ice hi\x1b[0m") == "[14:03] #a al" + fffd + "ice: hi" + fffd + "[0m");
    CHECK(render(plain(), "JOIN #a\x07 bob") == "[14:03] #a" + fffd + " -- bob joined");
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
    CHECK(render(plain(), "MSG #a 1 2026-11-21T14:03:12.345Z alice " + rli + "hi") ==
          "[14:03] #a alice: " + rli + "hi" + pdi);
    CHECK(render(plain(), "ME #a 1 2026-11-21T14:03:12.345Z alice waves " + fsi) ==
          "[14:03] #a * alice waves " + fsi + pdi);
    CHECK(render(plain(), "LEAVE #a alice quit " + rli + "bye") ==
          "[14:03] #a -- alice quit (" + rli + "bye" + pdi + ")");
    CHECK(render(plain(), "TOPIC #a bob 2026-11-21T14:03:12.345Z " + rli + "cats") ==
          "[14:03] #a -- topic: " + rli + "cats" + pdi + " (set by bob)");
    // Inside colour the isolate is closed before the colour is reset.
    CHECK(render(colored("me"), "MSG #a 1 2026-11-21T14:03:12.345Z alice me " + rli)
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
