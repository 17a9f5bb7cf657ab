#include "common/names.hpp"

#include <array>

namespace chat {

namespace {

bool is_name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-' || c == '.';
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr std::array<std::string_view, 24> adjectives = {
    "brave", "calm",  "clever", "eager",  "fancy", "gentle", "happy", "jolly",
    "keen",  "lucky", "merry",  "nimble", "proud", "quick",  "quiet", "rapid",
    "shy",   "sunny", "swift",  "tidy",   "vivid", "warm",   "witty", "zesty"};
constexpr std::array<std::string_view, 24> animals = {
    "otter", "badger", "crane", "dingo", "eagle",  "ferret", "gecko",  "heron",
    "ibis",  "jackal", "koala", "lemur", "marten", "newt",   "ocelot", "panda",
    "quail", "raven",  "seal",  "tapir", "urchin", "viper",  "walrus", "yak"};

}  // namespace

name_fault check_name(std::string_view name) {
    if (name.empty()) {
        return name_fault::empty;
    }
    if (name.size() > max_name_length) {
        return name_fault::too_long;
    }
    for (const char c : name) {
        if (!is_name_char(c)) {
            return name_fault::bad_char;
        }
    }
    if (name_key(name) == "server") {
        return name_fault::reserved;
    }
    return name_fault::ok;
}

std::string name_key(std::string_view name) {
    std::string key(name);
    for (char& c : key) {
        c = lower(c);
    }
    return key;
}

std::string name_generator::next() {
    // xorshift64*: tiny, fast and good enough to spread picks; nothing here needs to be secret.
    state_ ^= state_ >> 12U;
    state_ ^= state_ << 25U;
    state_ ^= state_ >> 27U;
    const std::uint64_t r = state_ * 0x2545F4914F6CDD1DULL;
    const auto adjective = adjectives[r % adjectives.size()];
    const auto animal = animals[(r >> 16U) % animals.size()];
    const auto number = 10 + (r >> 32U) % 90;
    std::string name;
    name.reserve(adjective.size() + animal.size() + 4);
    name.append(adjective).append("-").append(animal).append("-").append(std::to_string(number));
    return name;
}

}  // namespace chat
