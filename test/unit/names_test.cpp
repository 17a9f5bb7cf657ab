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
