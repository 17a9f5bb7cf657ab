#include <set>
#include <string>

#include <catch2/catch.hpp>

#include "common/names.hpp"

using chat::check_name;
using chat::name_fault;

TEST_CASE("name rules", "[names]") {
    CHECK(check_name("alice") == name_fault::ok);
    CHECK(check_name("A-z_0.9") == name_fault::ok);
    CHECK(check_name(std::string(32, 'x')) == name_fault::ok);
    CHECK(check_name(std::string(33, 'x')) == name_fault::too_long);
    CHECK(check_name("") == name_fault::empty);
    CHECK(check_name("two words") == name_fault::bad_char);
    CHECK(check_name("caf\xC3\xA9") == name_fault::bad_char);
    CHECK(check_name("a@b") == name_fault::bad_char);
    CHECK(check_name("server") == name_fault::reserved);
    CHECK(check_name("SeRvEr") == name_fault::reserved);
}

TEST_CASE("names compare without regard to case", "[names]") {
    CHECK(chat::name_key("Alice") == chat::name_key("aLICE"));
    CHECK(chat::name_key("Alice") != chat::name_key("Alice2"));
}

TEST_CASE("generated names are valid, readable and varied", "[names]") {
    chat::name_generator gen(42);
    std::set<std::string> seen;
    for (int i = 0; i < 200; ++i) {
        const std::string name = gen.next();
        INFO(name);
        REQUIRE(check_name(name) == name_fault::ok);
        REQUIRE(std::count(name.begin(), name.end(), '-') == 2);
        seen.insert(name);
    }
    CHECK(seen.size() > 190);
}

TEST_CASE("names that read as options or paths are refused", "[names]") {
    CHECK(check_name("-rf") == name_fault::leading_dash);
    CHECK(check_name("--help") == name_fault::leading_dash);
    CHECK(check_name("-") == name_fault::leading_dash);
    CHECK(check_name(".") == name_fault::only_dots);
    CHECK(check_name("..") == name_fault::only_dots);
    CHECK(check_name(std::string(32, '.')) == name_fault::only_dots);
    // A dash or dots anywhere else are fine.
    for (const char* ok : {"alice-", "a-b", "_-x", ".alice", "a..b", "x."}) {
        INFO(ok);
        CHECK(check_name(ok) == name_fault::ok);
    }
    // Length and characters are judged first, as before.
    CHECK(check_name(std::string(33, '.')) == name_fault::too_long);
    CHECK(check_name("-a b") == name_fault::bad_char);
}

TEST_CASE("every refusal of a name says why", "[names]") {
    CHECK(chat::explain(name_fault::leading_dash) ==
          "a name cannot start with '-', which reads as a command-line option");
    CHECK(chat::explain(name_fault::only_dots) ==
          "a name cannot be only dots, which read as a directory");
    // The older faults keep the sentence clients and docs already show.
    for (const auto f :
         {name_fault::empty, name_fault::too_long, name_fault::bad_char, name_fault::reserved}) {
        CHECK(chat::explain(f) == "a name is 1 to 32 of A-Z a-z 0-9 _ - . and not 'server'");
    }
}

TEST_CASE("a name's skeleton folds case and look-alike characters", "[names]") {
    using chat::name_skeleton;
    CHECK(name_skeleton("alice") == "allce");
    for (const char* look_alike : {"aIice", "al1ce", "a1ice", "ALICE", "aLiCe", "aiice", "A|ice"}) {
        INFO(look_alike);
        CHECK(name_skeleton(look_alike) == name_skeleton("alice"));
    }
    CHECK(name_skeleton("b0b") == name_skeleton("bob"));
    CHECK(name_skeleton("BOB") == "bob");
    CHECK(name_skeleton("rnallory") == name_skeleton("mallory"));
    CHECK(name_skeleton("RNallory") == "mallory");
    CHECK(name_skeleton("vvalter") == name_skeleton("walter"));
    // Pairs are read left to right, each character once: "rnn" is "mn", "vvv" is "wv".
    CHECK(name_skeleton("rnn") == "mn");
    CHECK(name_skeleton("vvv") == "wv");
    CHECK(name_skeleton("r1n") == "rln");  // not a pair once the 1 is in between
    // Different names stay different.
    CHECK(name_skeleton("alice") != name_skeleton("alicia"));
    CHECK(name_skeleton("bob") != name_skeleton("rob"));
    CHECK(name_skeleton("a-b") != name_skeleton("a_b"));
    CHECK(name_skeleton("") == "");
}

TEST_CASE("a taken name is explained as taken or as too similar", "[names]") {
    CHECK(chat::name_taken_text("ALICE", "alice") == "the name ALICE is taken");
    CHECK(chat::name_taken_text("aIice", "alice") == "the name aIice is too similar to alice");
}
