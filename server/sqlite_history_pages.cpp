#include "server/sqlite_history_store.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "common/names.hpp"
#include "server/sqlite_history_statements.hpp"

namespace chat {

namespace {

using namespace history_sql;

// What a page's status is when a read failed part-way: something asked for is not there.
constexpr page_status unreadable = page_status::gap;

message_kind kind_from(std::int64_t stored) {
    switch (stored) {
        case 1:
            return message_kind::me;
        case 2:
            return message_kind::priv;
        default:
            return message_kind::msg;
    }
}

// The columns `id, room, kind, at_ms, sender, text` of the current row.
stored_message room_row(const sqlite_statement& s) {
    stored_message m;
    m.id = static_cast<std::uint64_t>(s.column_int64(0));
    m.room = s.column_text(1);
    m.kind = kind_from(s.column_int64(2));
    m.at_ms = s.column_int64(3);
    m.sender = s.column_text(4);
    m.text = s.column_text(5);
    return m;
}

// The columns `id, at_ms, sender, text` of the current row of private_after.
stored_message private_row(const sqlite_statement& s) {
    stored_message m;
    m.id = static_cast<std::uint64_t>(s.column_int64(0));
    m.kind = message_kind::priv;
    m.at_ms = s.column_int64(1);
    m.sender = s.column_text(2);
    m.text = s.column_text(3);
    return m;
}

}  // namespace

// Messages are read before the pruning marks: pruning may commit in between (reads outside the
// loop's transaction are separate snapshots), and a mark read last can only be newer than the
// messages, which errs towards `gap`, never towards a `complete` that hides a loss.

namespace {

/// Up to `limit` rows of `s` (a room page statement, bound to `room_key`, `id` and one more
/// than `limit`) into `page`, in the statement's order; whether there were more; nothing when the
/// rows could not be read.
std::optional<bool> read_room_page(sqlite_statement& s, std::string_view room_key, std::uint64_t id,
                                   std::size_t limit, history_page& page) {
    const reset_on_exit reset(s);
    bool more = false;
    const bool read = for_each_row(s, bind_all(s, room_key, sql_id(id), one_more_than(limit)),
                                   "a room's history", [&] {
                                       if (page.messages.size() == limit) {
                                           more = true;
                                           return false;
                                       }
                                       page.messages.push_back(room_row(s));
                                       return true;
                                   });
    if (!read) {
        page.status = unreadable;
        return std::nullopt;
    }
    return more;
}

}  // namespace

history_page sqlite_history_store::room_before(std::string_view room_key, std::uint64_t before_id,
                                               std::size_t limit) {
    history_page page;
    const auto more = read_room_page(statements_->room_before, room_key, before_id, limit, page);
    if (!more) {
        return page;
    }
    std::reverse(page.messages.begin(), page.messages.end());  // read newest first
    if (*more) {
        page.status = page_status::more;
        return page;
    }
    // Pruning removes the lowest ids first, so every message of the room up to its mark is
    // gone: with a mark, what lies below this page was pruned, or (for a before_id at or below
    // the mark) cannot be told from pruned.
    const auto mark = read_mark(statements_->room_pruned, room_key);
    if (!mark || *mark != 0) {
        page.status = page_status::gap;
    }
    return page;
}

history_page sqlite_history_store::room_after(std::string_view room_key, std::uint64_t after_id,
                                              std::size_t limit) {
    history_page page;
    const auto more = read_room_page(statements_->room_after, room_key, after_id, limit, page);
    if (!more) {
        return page;
    }
    const auto mark = read_mark(statements_->room_pruned, room_key);
    if (!mark || *mark > after_id) {
        page.status = page_status::gap;
    } else if (*more) {
        page.status = page_status::more;
    }
    return page;
}

history_page sqlite_history_store::missed(std::span<const std::string> room_keys,
                                          std::string_view self_key, std::string_view self_session,
                                          std::uint64_t after_id, std::size_t limit) {
    // Each source gives at most limit + 1 rows in id order; the first limit + 1 of all of them
    // together are among those, which tells `more` from `complete` after the merge.
    const std::size_t wanted = limit == std::numeric_limits<std::size_t>::max() ? limit : limit + 1;
    std::vector<std::string_view> keys(room_keys.begin(), room_keys.end());
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

    std::vector<stored_message> found;
    bool read = true;
    for (const auto key : keys) {
        auto& s = statements_->room_after;
        const reset_on_exit reset(s);
        std::size_t taken = 0;
        // No LIMIT: the user's own lines are skipped here, so the rows needed are not known.
        read = for_each_row(s, bind_all(s, key, sql_id(after_id), std::int64_t{-1}),
                            "missed room messages",
                            [&] {
                                if (name_key(s.column_text(4)) == self_key) {
                                    return true;
                                }
                                found.push_back(room_row(s));
                                return ++taken < wanted;
                            }) &&
               read;
    }
    {
        auto& s = statements_->private_after;
        const reset_on_exit reset(s);
        read = for_each_row(s, bind_all(s, self_session, sql_id(after_id), one_more_than(limit)),
                            "missed private messages",
                            [&] {
                                found.push_back(private_row(s));
                                return true;
                            }) &&
               read;
    }
    std::sort(found.begin(), found.end(),
              [](const stored_message& a, const stored_message& b) { return a.id < b.id; });
    const bool more = found.size() > limit;
    if (more) {
        found.resize(limit);
    }

    history_page page;
    page.messages = std::move(found);
    bool pruned = !read;
    for (const auto key : keys) {
        const auto mark = read_mark(statements_->room_pruned, key);
        pruned = pruned || !mark || *mark > after_id;
    }
    // Whether a pruned private message was to this user is not kept; any counts.
    const auto private_mark = read_mark(statements_->meta_value, "private_pruned_up_to");
    pruned = pruned || !private_mark || *private_mark > after_id;
    if (pruned) {
        page.status = page_status::gap;
    } else if (more) {
        page.status = page_status::more;
    }
    return page;
}

}  // namespace chat
