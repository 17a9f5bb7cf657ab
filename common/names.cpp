#include "common/names.hpp"

#include "common/text_util.hpp"

#include <array>

namespace chat {

namespace {

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
    // Names end up as arguments and paths in bots and logs: `-rf` would be taken for an option,
    // `.` and `..` for directories.
    if (name.front() == '-') {
        return name_fault::leading_dash;
    }
    if (name.find_first_not_of('.') == std::string_view::npos) {
        return name_fault::only_dots;
    }
    if (name_key(name) == "server") {
        return name_fault::reserved;
    }
    return name_fault::ok;
}

std::string_view explain(name_fault fault) {
    switch (fault) {
        case name_fault::ok:
            return {};
        case name_fault::leading_dash:
            return "a name cannot start with '-', which reads as a command-line option";
        case name_fault::only_dots:
            return "a name cannot be only dots, which read as a directory";
        case name_fault::empty:
        case name_fault::too_long:
        case name_fault::bad_char:
        case name_fault::reserved:
            break;
    }
    // One sentence for the original rules, as clients and docs/protocol.md already show it.
    return "a name is 1 to 32 of A-Z a-z 0-9 _ - . and not 'server'";
}

std::string name_key(std::string_view name) {
    return ascii_lower_copy(name);
}

std::string name_skeleton(std::string_view name) {
    // The mapping, in this order:
    //   1. A-Z to a-z, as name_key does: names equal without regard to case must stay equal.
    //   2. i, l, 1 and | to l; o and 0 to o. Capital I looks like l, and step 1 has made it i,
    //      so i must go to l as well; likewise O and o.
    //   3. Left to right, each character in at most one pair: rn to m, vv to w.
    // Not folded, on purpose: 5/s, 2/z, 8/b, cl/d, - and _. They are told apart in the fonts a
    // chat is read in, and each extra rule turns away names that nobody would confuse.
    std::string folded;
    folded.reserve(name.size());
    for (const char c : name) {
        const char l = ascii_lower(c);
        folded += (l == 'i' || l == '1' || l == '|') ? 'l' : l == '0' ? 'o' : l;
    }
    std::string skeleton;
    skeleton.reserve(folded.size());
    for (std::size_t i = 0; i < folded.size(); ++i) {
        const char next = i + 1 < folded.size() ? folded[i + 1] : '\0';
        if (folded[i] == 'r' && next == 'n') {
            skeleton += 'm';
            ++i;
        } else if (folded[i] == 'v' && next == 'v') {
            skeleton += 'w';
            ++i;
        } else {
            skeleton += folded[i];
        }
    }
    return skeleton;
}

std::string name_taken_text(std::string_view wanted, std::string_view holder) {
    if (holder.empty() || name_key(wanted) == name_key(holder)) {
        return "the name " + std::string(wanted) + " is taken";
    }
    return "the name " + std::string(wanted) + " is too similar to " + std::string(holder);
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
