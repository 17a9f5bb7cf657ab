#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "server/stored_message.hpp"

namespace chat {

// A chunk is the packed form of messages of one room stored together: one row of room_chunks
// (history_schema.cpp) holds every message the room got in one transaction. Packing them turns
// SQLite's per-row insert and index update (1.4 us of the 1.8 us a stored message cost as a row
// of its own) into one per room per turn of the loop.
//
//   chunk  = version:u8  room_size:varint  room  record+
//   record = id_step:varint  kind:u8  at_step:zigzag varint
//            sender_size:varint  sender  text_size:varint  text
//
// Varints are LEB128 (7 bits a byte, low first). `id_step` is the id less the previous record's
// (the first record's: less 0), so at least 1 after the first; `at_step` is the time in
// milliseconds less the previous record's (the first's: less 0), zigzagged so that a clock
// stepping back costs a byte, not ten. The room is spelled once, as its messages were sent.
// A 64-byte message from a 7-letter name takes 76 bytes when ids and times step little.

/// The format this code writes; decode_chunk refuses any other.
inline constexpr std::uint8_t chunk_format_version = 1;

/// Builds one chunk in a buffer of its own. `clear` keeps the buffer, so that a chunk reused
/// turn after turn allocates nothing once it has grown to a turn's size.
class chunk_encoder {
  public:
    /// Empties the chunk, keeping its capacity.
    void clear();
    /// Whether `m` can join this chunk: an empty chunk takes any message; else `m` must be sent
    /// to the room as spelled in the chunk, with an id above the last one.
    bool accepts(const stored_message& m) const;
    /// Appends `m`, which accepts(m) must allow.
    void add(const stored_message& m);

    bool empty() const { return count_ == 0; }
    std::uint64_t count() const { return count_; }
    std::uint64_t first_id() const { return first_id_; }
    std::uint64_t last_id() const { return last_id_; }
    std::int64_t last_at_ms() const { return last_at_ms_; }
    /// The encoded chunk; valid until the next add or clear.
    std::span<const std::byte> bytes() const;
    std::size_t size() const { return data_.size(); }

  private:
    std::string data_;
    std::string_view room() const;
    std::size_t room_begin_ = 0;  // where the room's spelling starts in data_
    std::size_t room_size_ = 0;
    std::uint64_t count_ = 0;
    std::uint64_t first_id_ = 0;
    std::uint64_t last_id_ = 0;
    std::int64_t last_at_ms_ = 0;
};

/// Appends the messages of the chunk `blob` to `out`, oldest first, each with the chunk's room.
/// False when `blob` is not a well-formed chunk of this format (another version, a size past
/// the end, an id not above the last, an unknown kind, no record at all): `out` may then hold
/// the messages read before the fault. Total: no input makes it throw (beyond bad_alloc) or read
/// outside `blob`. A blob cut short exactly at a record's end reads as a well-formed shorter
/// chunk: the caller checks the count and the last id against what the row says.
bool decode_chunk(std::span<const std::byte> blob, std::vector<stored_message>& out);

}  // namespace chat
