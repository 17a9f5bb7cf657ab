#include "test/bench/payload.hpp"

#include <cstring>

namespace chat::bench {

namespace {

void put_digits(char* out, std::size_t width, std::uint64_t value) {
    for (std::size_t i = width; i > 0; --i) {
        out[i - 1] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
}

/// Reads 8 ASCII digits at once (SWAR): a receiver parses tens of millions of payloads per
/// second, and a digit-at-a-time loop was the bench's largest cost.
bool get8(const char* in, std::uint64_t& value) {
    std::uint64_t v = 0;
    std::memcpy(&v, in, 8);
    // Every byte must be '0'..'9': below '0' borrows in the first term, above '9' carries into
    // the high bit in the second.
    if ((((v - 0x3030303030303030ULL) | (v + 0x4646464646464646ULL)) & 0x8080808080808080ULL) !=
        0) {
        return false;
    }
    v -= 0x3030303030303030ULL;  // little-endian: the first digit is the lowest byte
    v = (v * 10) + (v >> 8);
    v = (((v & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
         (((v >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
        32;
    value = v;
    return true;
}

bool get_digits(const char* in, std::size_t width, std::uint64_t& value) {
    std::uint64_t v = 0;
    for (; width >= 8; width -= 8, in += 8) {
        std::uint64_t part = 0;
        if (!get8(in, part)) {
            return false;
        }
        v = v * 100'000'000 + part;
    }
    for (std::size_t i = 0; i < width; ++i) {
        const auto d = static_cast<unsigned>(static_cast<unsigned char>(in[i])) - '0';
        if (d > 9) {
            return false;
        }
        v = v * 10 + d;
    }
    value = v;
    return true;
}

}  // namespace

void stamp_payload(char* out, const payload_fields& f) {
    out[0] = 'S';
    put_digits(out + 1, 5, f.sender);
    out[6] = 'Q';
    put_digits(out + 7, 10, f.seq);
    out[17] = 'T';
    put_digits(out + 18, 19, f.sent_ns);
}

void format_payload(char* out, std::size_t size, const payload_fields& f) {
    stamp_payload(out, f);
    std::memset(out + payload_header, '.', size - payload_header);
}

std::optional<payload_fields> parse_payload(std::string_view p, bool timed) {
    if (p.size() < payload_header || p[0] != 'S' || p[6] != 'Q' || p[17] != 'T') {
        return std::nullopt;
    }
    payload_fields f;
    std::uint64_t sender = 0;
    if (!get_digits(p.data() + 1, 5, sender) || !get_digits(p.data() + 7, 10, f.seq) ||
        (timed && !get_digits(p.data() + 18, 19, f.sent_ns))) {
        return std::nullopt;
    }
    f.sender = static_cast<std::uint32_t>(sender);
    return f;
}

}  // namespace chat::bench
