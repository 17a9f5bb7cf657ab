#include "server/history_chunk.hpp"

#include <limits>
#include <optional>

namespace chat {

namespace {

void put_varint(std::string& out, std::uint64_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

void put_sized(std::string& out, std::string_view bytes) {
    put_varint(out, bytes.size());
    out.append(bytes);
}

// Two's complement wrap-around, so that any pair of times round-trips without overflow.
std::uint64_t zigzag(std::uint64_t step) {
    const auto signed_step = static_cast<std::int64_t>(step);
    return (step << 1) ^ static_cast<std::uint64_t>(signed_step >> 63);
}

std::uint64_t unzigzag(std::uint64_t z) {
    return (z >> 1) ^ (0 - (z & 1));
}

/// Reads a chunk front to back; every read checks the bytes left first.
class chunk_reader {
  public:
    explicit chunk_reader(std::span<const std::byte> blob) : blob_(blob) {}

    bool at_end() const { return at_ == blob_.size(); }

    std::optional<std::uint8_t> byte() {
        if (at_end()) {
            return std::nullopt;
        }
        return std::to_integer<std::uint8_t>(blob_[at_++]);
    }

    std::optional<std::uint64_t> varint() {
        std::uint64_t value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            const auto b = byte();
            if (!b) {
                return std::nullopt;
            }
            const std::uint64_t bits = *b & 0x7fU;
            // The tenth byte holds the top bit alone: more would not fit in 64 bits.
            if (shift == 63 && bits > 1) {
                return std::nullopt;
            }
            value |= bits << shift;
            if ((*b & 0x80U) == 0) {
                return value;
            }
        }
        return std::nullopt;
    }

    std::optional<std::string_view> sized() {
        const auto size = varint();
        if (!size || *size > blob_.size() - at_) {
            return std::nullopt;
        }
        const auto* begin = reinterpret_cast<const char*>(blob_.data() + at_);
        at_ += static_cast<std::size_t>(*size);
        return std::string_view(begin, static_cast<std::size_t>(*size));
    }

  private:
    std::span<const std::byte> blob_;
    std::size_t at_ = 0;
};

}  // namespace

void chunk_encoder::clear() {
    data_.clear();
    room_begin_ = 0;
    room_size_ = 0;
    count_ = 0;
    first_id_ = 0;
    last_id_ = 0;
    last_at_ms_ = 0;
}

std::string_view chunk_encoder::room() const {
    return std::string_view(data_).substr(room_begin_, room_size_);
}

bool chunk_encoder::accepts(const stored_message& m) const {
    return empty() || (m.id > last_id_ && m.room == room());
}

void chunk_encoder::add(const stored_message& m) {
    std::uint64_t previous_id = 0;
    std::int64_t previous_at_ms = 0;
    if (empty()) {
        data_.push_back(static_cast<char>(chunk_format_version));
        put_varint(data_, m.room.size());
        room_begin_ = data_.size();
        room_size_ = m.room.size();
        data_.append(m.room);
        first_id_ = m.id;
    } else {
        previous_id = last_id_;
        previous_at_ms = last_at_ms_;
    }
    put_varint(data_, m.id - previous_id);
    data_.push_back(static_cast<char>(m.kind));
    put_varint(data_, zigzag(static_cast<std::uint64_t>(m.at_ms) -
                             static_cast<std::uint64_t>(previous_at_ms)));
    put_sized(data_, m.sender);
    put_sized(data_, m.text);
    ++count_;
    last_id_ = m.id;
    last_at_ms_ = m.at_ms;
}

std::span<const std::byte> chunk_encoder::bytes() const {
    return std::as_bytes(std::span(data_));
}

bool decode_chunk(std::span<const std::byte> blob, std::vector<stored_message>& out) {
    chunk_reader in(blob);
    if (in.byte() != chunk_format_version) {
        return false;
    }
    const auto room = in.sized();
    if (!room || in.at_end()) {
        return false;
    }
    std::uint64_t id = 0;
    std::uint64_t at_ms = 0;
    bool first = true;
    while (!in.at_end()) {
        const auto id_step = in.varint();
        if (!id_step || (!first && *id_step == 0) ||
            *id_step > std::numeric_limits<std::uint64_t>::max() - id) {
            return false;
        }
        const auto kind = in.byte();
        if (!kind || *kind > static_cast<std::uint8_t>(message_kind::priv)) {
            return false;
        }
        const auto at_step = in.varint();
        if (!at_step) {
            return false;
        }
        const auto sender = in.sized();
        if (!sender) {
            return false;
        }
        const auto text = in.sized();
        if (!text) {
            return false;
        }
        id += *id_step;
        at_ms += unzigzag(*at_step);
        first = false;
        stored_message& m = out.emplace_back();
        m.id = id;
        m.kind = static_cast<message_kind>(*kind);
        m.at_ms = static_cast<std::int64_t>(at_ms);
        m.room = *room;
        m.sender = *sender;
        m.text = *text;
    }
    return true;
}

}  // namespace chat
