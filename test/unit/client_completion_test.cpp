#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "client/completion.hpp"

namespace {

chat::name_roster room() {
    chat::name_roster r;
    r.replace_all("alice bob Bobby carol me");
    return r;
}

/// What the line looks like after Tab, the way the terminal applies a completion.
std::string apply(std::string line, const chat::completion& c) {
    return line.replace(c.start, c.end - c.start, c.insert);
}

using names = std::vector<std::string>;

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
    const auto c = chat::complete_name(room(), "@al", 3, "me");
    REQUIRE(c);
    CHECK(c->candidates == names{"alice"});
    CHECK(apply("@al", *c) == "@alice ");
}

TEST_CASE("completion ignores case and keeps the name's own spelling", "[client][completion]") {
    const auto c = chat::complete_name(room(), "@AL", 3, "me");
    REQUIRE(c);
    CHECK(apply("@AL", *c) == "@alice ");
}

TEST_CASE("several matches complete their common part and list them", "[client][completion]") {
    const auto c = chat::complete_name(room(), "@b", 2, "me");
    REQUIRE(c);
    CHECK(c->candidates == names{"bob", "Bobby"});
    CHECK(apply("@b", *c) == "@bob");  // what both share; no space, more may follow

    const auto again = chat::complete_name(room(), "@bob", 4, "me");
    REQUIRE(again);
    CHECK(again->candidates == names{"bob", "Bobby"});
    CHECK(apply("@bob", *again) == "@bob");  // nothing more to add: the caller lists them
}

TEST_CASE("Tab after /msg completes the first argument only", "[client][completion]") {
    const auto c = chat::complete_name(room(), "/msg ca", 7, "me");
    REQUIRE(c);
    CHECK(apply("/msg ca", *c) == "/msg carol ");

    const auto spaced = chat::complete_name(room(), "/msg   ca", 9, "me");
    REQUIRE(spaced);
    CHECK(apply("/msg   ca", *spaced) == "/msg   carol ");

    CHECK_FALSE(chat::complete_name(room(), "/msg carol al", 13, "me"));
    CHECK_FALSE(chat::complete_name(room(), "/msgx al", 8, "me"));
    CHECK_FALSE(chat::complete_name(room(), "/me al", 6, "me"));
}

TEST_CASE("a mention later in the line completes too", "[client][completion]") {
    const std::string line = "/msg carol ask @bo";
    const auto c = chat::complete_name(room(), line, line.size(), "me");
    REQUIRE(c);
    CHECK(c->candidates == names{"bob", "Bobby"});
    const std::string hi = "hi @ca";
    const auto d = chat::complete_name(room(), hi, hi.size(), "me");
    REQUIRE(d);
    CHECK(apply(hi, *d) == "hi @carol ");
}

TEST_CASE("elsewhere Tab completes nothing", "[client][completion]") {
    CHECK_FALSE(chat::complete_name(room(), "hello al", 8, "me"));
    CHECK_FALSE(chat::complete_name(room(), "", 0, "me"));
    CHECK_FALSE(chat::complete_name(room(), "al", 2, "me"));
    CHECK_FALSE(chat::complete_name(room(), "a@al", 4, "me"));  // @ inside a word
}

TEST_CASE("no match gives an empty list and leaves the line alone", "[client][completion]") {
    const auto c = chat::complete_name(room(), "@zed", 4, "me");
    REQUIRE(c);
    CHECK(c->candidates.empty());
    CHECK(apply("@zed", *c) == "@zed");
}

TEST_CASE("our own name is never offered", "[client][completion]") {
    const auto c = chat::complete_name(room(), "@m", 2, "me");
    REQUIRE(c);
    CHECK(c->candidates.empty());
    const auto all = chat::complete_name(room(), "@", 1, "ME");
    REQUIRE(all);
    CHECK(all->candidates == names{"alice", "bob", "Bobby", "carol"});
}

TEST_CASE("the cursor inside a name completes the whole word", "[client][completion]") {
    const std::string line = "@alxx hi";
    const auto c = chat::complete_name(room(), line, 3, "me");  // cursor after "@al"
    REQUIRE(c);
    CHECK(c->start == 1);
    CHECK(c->end == 5);
    CHECK(apply(line, *c) == "@alice hi");  // the space after it is already there
}
