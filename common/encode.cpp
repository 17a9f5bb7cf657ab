#include "common/encode.hpp"

#include <cstring>

namespace chat {

frame encode_line(frame_arena& arena, std::initializer_list<std::string_view> fields) {
    std::size_t size = fields.size();  // one separator per field, the last one being the '\n'
    for (const auto field : fields) {
        size += field.size();
    }
    char* const begin = arena.reserve(size);
    char* out = begin;
    bool first = true;
    for (const auto field : fields) {
        if (!first) {
            *out++ = ' ';
        }
        first = false;
        std::memcpy(out, field.data(), field.size());
        out += field.size();
    }
    *out++ = '\n';
    return arena.commit(static_cast<std::size_t>(out - begin));
}

}  // namespace chat
