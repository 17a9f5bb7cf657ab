#include "common/room_names.hpp"

#include <algorithm>

#include "common/names.hpp"
#include "common/text_util.hpp"

namespace chat {

room_name_fault check_room_name(std::string_view name) {
    if (name.empty() || name.front() != '#') {
        return room_name_fault::no_hash;
    }
    if (name.size() == 1) {
        return room_name_fault::empty;
    }
    if (name.size() > max_room_name_length) {
        return room_name_fault::too_long;
    }
    const bool all_ok = std::all_of(name.begin() + 1, name.end(), is_name_char);
    return all_ok ? room_name_fault::ok : room_name_fault::bad_char;
}

std::string room_key(std::string_view name) {
    return ascii_lower_copy(name);
}

}  // namespace chat
