#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace chat::bench {

/// A message payload is fixed-size printable text that names its sender, its place in that
/// sender's stream and when it was sent:
///
///   S00003Q0000000123T0000001234567890123.........   (dots pad it to --size bytes)
///
/// Fixed widths let a sender patch a pre-built frame in place and a receiver read the fields
/// without searching. No spaces, CR or LF, so every protocol carries it verbatim.
inline constexpr std::size_t payload_header = 37;
inline constexpr std::uint32_t max_sender = 99'999;

struct payload_fields {
    std::uint32_t sender = 0;
    std::uint64_t seq = 0;      ///< 0-based position in the sender's stream
    std::uint64_t sent_ns = 0;  ///< CLOCK_MONOTONIC at sending, or 0 when not timed
};

/// Writes a whole payload of `size` (>= payload_header) bytes at `out`.
void format_payload(char* out, std::size_t size, const payload_fields& f);

/// Rewrites only the header of a payload already formatted at `out`.
void stamp_payload(char* out, const payload_fields& f);

/// Reads the header of `p`; nothing if it is not a payload of ours. The send time is read only
/// when `timed` (it is a third of the work, and untimed runs send zeros).
std::optional<payload_fields> parse_payload(std::string_view p, bool timed);

}  // namespace chat::bench
