#include "client/chat_state.hpp"

#include "common/names.hpp"

namespace chat {

std::optional<std::string> chat_state::observe(const server_line& line) {
    switch (line.tag) {
        case server_tag::welcome:
            registered_ = true;
            self_ = std::string(line.name);
            roster_.add(self_);
            break;
        case server_tag::join:
            roster_.add(line.name);
            break;
        case server_tag::leave:
            roster_.remove(line.name);
            break;
        case server_tag::nick:
            roster_.rename(line.name, line.new_name);
            if (registered_ && name_key(line.name) == name_key(self_)) {
                self_ = std::string(line.new_name);
            }
            break;
        case server_tag::users:
            roster_.replace_all(line.text);
            if (registered_) {
                roster_.add(self_);
            }
            break;
        case server_tag::ping:
            return "/pong " + std::string(line.text);
        case server_tag::bye:
            bye_seen_ = true;
            break;
        default:
            break;
    }
    return std::nullopt;
}

void chat_state::reset() {
    registered_ = false;
    bye_seen_ = false;
    roster_.clear();
}

}  // namespace chat
