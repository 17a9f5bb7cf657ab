#include <algorithm>
#include <memory>
#include <regex>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "common/frame_arena.hpp"
#include "server/room.hpp"

namespace {

/// A participant that records every frame it is given.
class fake_participant : public chat::participant {
  public:
    using chat::participant::deliver;
    void deliver(const chat::frame& f, urgency when) override {
        lines.emplace_back(f.bytes());
        urgencies.push_back(when);
    }
    std::vector<std::string> lines;
    std::vector<urgency> urgencies;
};

struct fixture {
    chat::frame_arena arena{4096};
    chat::frame_arena directs{4096};
    chat::room lobby{arena, directs, 7};

    std::shared_ptr<fake_participant> add(const std::string& name) {
        auto p = std::make_shared<fake_participant>();
        REQUIRE(lobby.join(p, name) == chat::route_result::ok);
        return p;
    }
};

}  // namespace

TEST_CASE("join tells the others, not the newcomer", "[room]") {
    fixture f;
    auto alice = f.add("alice");
    auto bob = f.add("bob");
    CHECK(alice->lines == std::vector<std::string>{"JOIN bob\n"});
    CHECK(bob->lines.empty());
    CHECK(f.lobby.size() == 2);
}

TEST_CASE("names are unique without regard to case and checked", "[room]") {
    fixture f;
    auto alice = f.add("alice");
    auto other = std::make_shared<fake_participant>();
    CHECK(f.lobby.join(other, "ALICE") == chat::route_result::name_taken);
    CHECK(f.lobby.join(other, "bad name") == chat::route_result::name_invalid);
    CHECK(f.lobby.join(other, "server") == chat::route_result::name_invalid);
    CHECK_FALSE(other->in_room());
    CHECK(f.lobby.size() == 1);
}

TEST_CASE("an empty name gets a generated unique one", "[room]") {
    fixture f;
    std::vector<std::shared_ptr<fake_participant>> members;
    for (int i = 0; i < 50; ++i) {
        auto p = std::make_shared<fake_participant>();
        REQUIRE(f.lobby.join(p, "") == chat::route_result::ok);
        REQUIRE(std::regex_match(p->name(), std::regex(R"([a-z]+-[a-z]+-\d+)")));
        members.push_back(p);
    }
    CHECK(f.lobby.size() == 50);
}

TEST_CASE("say reaches every other member, not the sender", "[room]") {
    fixture f;
    auto alice = f.add("alice");
    auto bob = f.add("bob");
    auto carol = f.add("carol");
    alice->lines.clear();
    bob->lines.clear();
    carol->lines.clear();
    f.lobby.say(*alice, "hi all");
    CHECK(alice->lines.empty());
    REQUIRE(bob->lines.size() == 1);
    CHECK(std::regex_match(bob->lines[0], std::regex(R"(MSG 1 \S+Z alice hi all\n)")));
    CHECK(carol->lines == bob->lines);
    f.lobby.act(*bob, "waves");
    REQUIRE(alice->lines.size() == 1);
    CHECK(std::regex_match(alice->lines[0], std::regex(R"(ME 2 \S+ bob waves\n)")));
}

TEST_CASE("whisper reaches only its target, found without regard to case", "[room]") {
    fixture f;
    auto alice = f.add("alice");
    auto bob = f.add("bob");
    auto carol = f.add("carol");
    alice->lines.clear();
    bob->lines.clear();
    carol->lines.clear();
    CHECK(f.lobby.whisper(*alice, "BOB", "psst") == chat::route_result::ok);
    REQUIRE(bob->lines.size() == 1);
    CHECK(std::regex_match(bob->lines[0], std::regex(R"(PRIV 1 \S+ alice psst\n)")));
    CHECK(alice->lines.empty());
    CHECK(carol->lines.empty());
    CHECK(f.lobby.whisper(*alice, "dave", "hello?") == chat::route_result::no_such_user);
}

TEST_CASE("message ids increase across kinds", "[room]") {
    fixture f;
    auto alice = f.add("alice");
    auto bob = f.add("bob");
    bob->lines.clear();
    f.lobby.say(*alice, "one");
    f.lobby.whisper(*alice, "bob", "two");
    f.lobby.act(*alice, "three");
    REQUIRE(bob->lines.size() == 3);
    CHECK(bob->lines[0].rfind("MSG 1 ", 0) == 0);
    CHECK(bob->lines[1].rfind("PRIV 2 ", 0) == 0);
    CHECK(bob->lines[2].rfind("ME 3 ", 0) == 0);
    CHECK(f.lobby.messages_routed() == 3);
}

TEST_CASE("rename tells everyone and frees the old name", "[room]") {
    fixture f;
    auto alice = f.add("alice");
    auto bob = f.add("bob");
    alice->lines.clear();
    bob->lines.clear();
    CHECK(f.lobby.rename(*alice, "bob") == chat::route_result::name_taken);
    CHECK(f.lobby.rename(*alice, "BOB") == chat::route_result::name_taken);
    CHECK(f.lobby.rename(*alice, "no spaces") == chat::route_result::name_invalid);
    CHECK(f.lobby.rename(*alice, "alicia") == chat::route_result::ok);
    CHECK(alice->name() == "alicia");
    CHECK(alice->lines == std::vector<std::string>{"NICK alice alicia\n"});
    CHECK(bob->lines == std::vector<std::string>{"NICK alice alicia\n"});
    CHECK(f.lobby.has_name("alicia"));
    CHECK_FALSE(f.lobby.has_name("alice"));
    auto newcomer = std::make_shared<fake_participant>();
    CHECK(f.lobby.join(newcomer, "alice") == chat::route_result::ok);
}

TEST_CASE("changing only the case of one's name is allowed", "[room]") {
    fixture f;
    auto alice = f.add("alice");
    CHECK(f.lobby.rename(*alice, "Alice") == chat::route_result::ok);
    CHECK(alice->name() == "Alice");
    CHECK(alice->lines == std::vector<std::string>{"NICK alice Alice\n"});
}

TEST_CASE("leave tells the others with the reason and is idempotent", "[room]") {
    fixture f;
    auto alice = f.add("alice");
    auto bob = f.add("bob");
    alice->lines.clear();
    f.lobby.leave(*bob, chat::leave_reason::quit, "see you");
    f.lobby.leave(*bob, chat::leave_reason::quit, "see you");
    CHECK(alice->lines == std::vector<std::string>{"LEAVE bob quit see you\n"});
    CHECK_FALSE(bob->in_room());
    CHECK(f.lobby.size() == 1);
    f.lobby.say(*alice, "anyone?");
    CHECK(bob->lines.empty());
    auto carol = f.add("carol");
    alice->lines.clear();
    f.lobby.leave(*carol, chat::leave_reason::slow_consumer, "");
    CHECK(alice->lines == std::vector<std::string>{"LEAVE carol slow-consumer\n"});
}

TEST_CASE("leave at shutdown can skip the notice", "[room]") {
    fixture f;
    auto alice = f.add("alice");
    auto bob = f.add("bob");
    alice->lines.clear();
    f.lobby.leave(*bob, chat::leave_reason::shutdown, "", false);
    CHECK(alice->lines.empty());
}

TEST_CASE("who lists everyone sorted without regard to case", "[room]") {
    fixture f;
    auto carol = f.add("carol");
    auto alice = f.add("Alice");
    auto bob = f.add("bob");
    carol->lines.clear();
    f.lobby.who(*carol);
    CHECK(carol->lines == std::vector<std::string>{"USERS Alice bob carol\n"});
}

TEST_CASE("members in the middle of the list can leave", "[room]") {
    fixture f;
    std::vector<std::shared_ptr<fake_participant>> m;
    for (int i = 0; i < 5; ++i) {
        m.push_back(f.add("u" + std::to_string(i)));
    }
    f.lobby.leave(*m[1], chat::leave_reason::quit, "");
    f.lobby.leave(*m[3], chat::leave_reason::quit, "");
    for (auto& p : m) {
        p->lines.clear();
    }
    f.lobby.say(*m[0], "x");
    CHECK(m[1]->lines.empty());
    CHECK(m[3]->lines.empty());
    CHECK(m[2]->lines.size() == 1);
    CHECK(m[4]->lines.size() == 1);
    CHECK(f.lobby.size() == 3);
}

TEST_CASE("notices may wait for company, messages may not", "[room]") {
    using urgency = chat::participant::urgency;
    fixture f;
    auto alice = f.add("alice");
    auto bob = f.add("bob");
    f.lobby.rename(*bob, "robert");
    f.lobby.say(*bob, "hi");
    f.lobby.whisper(*bob, "alice", "psst");
    f.lobby.act(*bob, "waves");
    f.lobby.who(*alice);
    f.lobby.leave(*bob, chat::leave_reason::quit, "");
    REQUIRE(alice->lines.size() == 7);
    CHECK(alice->urgencies == std::vector<urgency>{urgency::soon, urgency::soon, urgency::now,
                                                   urgency::now, urgency::now, urgency::now,
                                                   urgency::soon});
}

TEST_CASE("each broadcast starts one member further on, and nobody misses a message", "[room]") {
    // Big fan-outs are written in slices in the order members were handed the frame; a fixed
    // order would make the same members wait longest every time.
    fixture f;
    std::vector<const chat::participant*> order;
    class ordered_participant : public chat::participant {
      public:
        explicit ordered_participant(std::vector<const chat::participant*>& log) : log_(log) {}
        void deliver(const chat::frame& /*f*/, urgency when) override {
            if (when == urgency::now) {
                log_.push_back(this);
                ++received;
            }
        }
        int received = 0;

      private:
        std::vector<const chat::participant*>& log_;
    };
    std::vector<std::shared_ptr<ordered_participant>> members;
    for (int i = 0; i < 5; ++i) {
        members.push_back(std::make_shared<ordered_participant>(order));
        REQUIRE(f.lobby.join(members.back(), "m" + std::to_string(i)) == chat::route_result::ok);
    }
    auto sender = std::make_shared<fake_participant>();
    REQUIRE(f.lobby.join(sender, "sender") == chat::route_result::ok);

    std::vector<const chat::participant*> firsts;
    for (int m = 0; m < 6; ++m) {
        order.clear();
        f.lobby.say(*sender, "hello");
        REQUIRE(order.size() == 5);
        firsts.push_back(order.front());
    }
    for (const auto& member : members) {
        CHECK(member->received == 6);
        CHECK(std::count(firsts.begin(), firsts.end(), member.get()) >= 1);
    }
}

TEST_CASE("a look-alike of a member's name is taken, and says by whom", "[room][names]") {
    fixture f;
    auto alice = f.add("alice");
    auto bob = f.add("bob");
    auto eve = std::make_shared<fake_participant>();
    for (const char* look_alike : {"aIice", "al1ce", "AL1CE", "alice"}) {
        INFO(look_alike);
        CHECK(f.lobby.join(eve, look_alike) == chat::route_result::name_taken);
        CHECK(f.lobby.taken_by(look_alike) == "alice");
    }
    CHECK(f.lobby.join(eve, "-rf") == chat::route_result::name_invalid);
    CHECK(f.lobby.join(eve, "..") == chat::route_result::name_invalid);
    CHECK(f.lobby.taken_by("carol").empty());
    CHECK(f.lobby.has_name("b0b"));

    // Renames too; but one's own look-alike is one's own.
    CHECK(f.lobby.rename(*bob, "aIice") == chat::route_result::name_taken);
    CHECK(f.lobby.rename(*alice, "aIice") == chat::route_result::ok);
    CHECK(alice->name() == "aIice");
    CHECK(f.lobby.taken_by("alice") == "aIice");

    // A private message still needs the name itself, in any case.
    CHECK(f.lobby.whisper(*bob, "al1ce", "psst") == chat::route_result::no_such_user);
    CHECK(f.lobby.whisper(*bob, "AIICE", "psst") == chat::route_result::ok);

    // Once she is gone the look-alike is free.
    f.lobby.leave(*alice, chat::leave_reason::quit, "");
    CHECK(f.lobby.taken_by("alice").empty());
    CHECK(f.lobby.join(eve, "al1ce") == chat::route_result::ok);
}
