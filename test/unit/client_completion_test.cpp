#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "client/completion.hpp"

namespace {

using names = std::vector<std::string>;

chat::completion_sources sources() {
    chat::completion_sources s;
    s.names.replace_all("alice bob Bobby carol me");
    s.rooms = {"#lobby", "#rust", "#Rustaceans"};
    s.known_rooms = {"#cpp", "#lobby", "#rust", "#Rustaceans", "#zig"};
    s.commands = {"join", "part", "rooms", "topic", "who", "history", "msg", "me", "switch"};
    s.self = "me";
    return s;
}

/// What the line looks like after Tab, the way the terminal applies a completion.
std::string apply(std::string line, const chat::completion& c) {
    return line.replace(c.start, c.end - c.start, c.insert);
}

/// Tab at the end of `line`.
std::optional<chat::completion> tab(std::string_view line) {
    return chat::complete_line(sources(), line, line.size());
}

/// The line after Tab at its end.
std::string after_tab(const std::string& line) {
    const auto c = tab(line);
    REQUIRE(c);
    return apply(line, *c);
}

}  // namespace

TEST_CASE("the roster follows who, joins, leaves and renames", "[client][completion]") {
    chat::name_roster r;
    r.replace_all("carol alice  Bob");
    CHECK(r.names() == names{"alice", "Bob", "carol"});  // sorted without regard to case
    r.add("dave");
    r.remove("ALICE");
    CHECK_FALSE(r.contains("alice"));
    CHECK(r.contains("bob"));
    r.rename("bob", "Robert");
    CHECK(r.names() == names{"carol", "dave", "Robert"});
    r.add("CAROL");  // the same user: the latest spelling wins, no duplicate
    CHECK(r.names() == names{"CAROL", "dave", "Robert"});
    r.replace_all("");
    CHECK(r.size() == 0);
}

TEST_CASE("Tab after @ completes a unique name and adds a space", "[client][completion]") {
    const auto c = tab("@al");
    REQUIRE(c);
    CHECK(c->candidates == names{"alice"});
    CHECK(apply("@al", *c) == "@alice ");
    CHECK(after_tab("@AL") == "@alice ");  // case ignored, the name's own spelling kept
}

TEST_CASE("several matches complete their common part and list them", "[client][completion]") {
    const auto c = tab("@b");
    REQUIRE(c);
    CHECK(c->candidates == names{"bob", "Bobby"});
    CHECK(apply("@b", *c) == "@bob");  // what both share; no space, more may follow

    const auto again = tab("@bob");
    REQUIRE(again);
    CHECK(again->candidates == names{"bob", "Bobby"});
    CHECK(apply("@bob", *again) == "@bob");  // nothing more to add: the caller lists them
}

TEST_CASE("names complete anywhere in the line", "[client][completion]") {
    CHECK(after_tab("/msg ca") == "/msg carol ");
    CHECK(after_tab("/msg   ca") == "/msg   carol ");
    CHECK(after_tab("/msg carol tell al") == "/msg carol tell alice ");
    CHECK(after_tab("hello al") == "hello alice ");
    CHECK(after_tab("/me hugs ca") == "/me hugs carol ");
    CHECK(after_tab("#rust ask al") == "#rust ask alice ");
    CHECK(after_tab("hi @ca") == "hi @carol ");
    const auto c = tab("/msg carol ask @bo");
    REQUIRE(c);
    CHECK(c->candidates == names{"bob", "Bobby"});
}

TEST_CASE("a name opening the line addresses someone", "[client][completion]") {
    CHECK(after_tab("al") == "alice: ");
    const std::string line = "ca how are you";
    const auto c = chat::complete_line(sources(), line, 2);
    REQUIRE(c);
    CHECK(apply(line, *c) == "carol: how are you");
}

TEST_CASE("Tab after / completes a command", "[client][completion]") {
    CHECK(after_tab("/jo") == "/join ");
    CHECK(after_tab("/sw") == "/switch ");
    CHECK(after_tab("/hi") == "/history ");
    const auto c = tab("/m");
    REQUIRE(c);
    CHECK(c->candidates == names{"/me", "/msg"});
    CHECK(apply("/m", *c) == "/m");
    const auto all = tab("/");
    REQUIRE(all);
    CHECK(all->candidates.size() == 9);
    const auto none = tab("/zz");
    REQUIRE(none);
    CHECK(none->candidates.empty());
    // Only the first word is a command: later a slash is text.
    const auto later = tab("see /jo");
    REQUIRE(later);
    CHECK(later->candidates.empty());
}

TEST_CASE("rooms complete after # and after the room commands", "[client][completion]") {
    CHECK(after_tab("#lo") == "#lobby ");  // a room we are in, to talk there
    const auto rust = tab("#ru");
    REQUIRE(rust);
    CHECK(rust->candidates == names{"#rust", "#Rustaceans"});
    CHECK(apply("#ru", *rust) == "#rust");
    const auto not_ours = tab("#z");  // opening the line: only rooms we are in
    REQUIRE(not_ours);
    CHECK(not_ours->candidates.empty());

    CHECK(after_tab("/join #z") == "/join #zig ");  // /join offers every known room
    CHECK(after_tab("/join c") == "/join #cpp ");   // the # may be left out
    CHECK(after_tab("/part #lo") == "/part #lobby ");
    CHECK(after_tab("/who lo") == "/who #lobby ");
    CHECK(after_tab("/topic #lo") == "/topic #lobby ");
    CHECK(after_tab("/switch rustac") == "/switch #Rustaceans ");
    CHECK(after_tab("/history lo") == "/history #lobby ");
    const auto history_z = tab("/history #z");  // /history offers only rooms we are in
    REQUIRE(history_z);
    CHECK(history_z->candidates.empty());
    CHECK_FALSE(tab("/history #lobby before "));  // an id: nothing to offer
    const auto part = tab("/part ");
    REQUIRE(part);
    CHECK(part->candidates == names{"#lobby", "#rust", "#Rustaceans"});
    const auto part_z = tab("/part #z");  // /part offers only rooms we are in
    REQUIRE(part_z);
    CHECK(part_z->candidates.empty());
    const auto ru = tab("/who ru");  // without '#': shared part keeps it
    REQUIRE(ru);
    CHECK(apply("/who ru", *ru) == "/who #rust");

    CHECK(after_tab("come to #zi") == "come to #zig ");  // later in text: any known room
}

TEST_CASE("where nothing can be completed Tab does nothing", "[client][completion]") {
    CHECK_FALSE(tab(""));
    CHECK_FALSE(tab("hello "));    // an empty word in text
    CHECK_FALSE(tab("/nick al"));  // a new name of one's own
    CHECK_FALSE(tab("/nick "));
    const auto inside = tab("a@al");  // @ inside a word: a word that is no name
    REQUIRE(inside);
    CHECK(inside->candidates.empty());
}

TEST_CASE("no match gives an empty list and leaves the line alone", "[client][completion]") {
    const auto c = tab("@zed");
    REQUIRE(c);
    CHECK(c->candidates.empty());
    CHECK(apply("@zed", *c) == "@zed");
}

TEST_CASE("our own name is never offered", "[client][completion]") {
    const auto c = tab("@m");
    REQUIRE(c);
    CHECK(c->candidates.empty());
    auto from = sources();
    from.self = "ME";
    const auto all = chat::complete_line(from, "@", 1);
    REQUIRE(all);
    CHECK(all->candidates == names{"alice", "bob", "Bobby", "carol"});
}

TEST_CASE("the cursor inside a word completes the whole word", "[client][completion]") {
    const std::string line = "@alxx hi";
    const auto c = chat::complete_line(sources(), line, 3);  // cursor after "@al"
    REQUIRE(c);
    CHECK(c->start == 1);
    CHECK(c->end == 5);
    CHECK(apply(line, *c) == "@alice hi");  // the space after it is already there
    const std::string room = "/join #lob hi";
    const auto r = chat::complete_line(sources(), room, 9);
    REQUIRE(r);
    CHECK(apply(room, *r) == "/join #lobby hi");
}
