#include "server/sqlite_history_store.hpp"

#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "common/names.hpp"
#include "server/history_chunk.hpp"
#include "server/sqlite_history_statements.hpp"

namespace chat {

namespace {

using namespace history_sql;

// What a page's status is when a read failed part-way: something asked for is not there.
constexpr page_status unreadable = page_status::gap;

// The order in which a page walks the messages of the chunks its statement yields.
enum class walk { oldest_first, newest_first };

// Hands every message of the chunks that `s` yields (columns data, first_id, last_id, count;
// bound with result `bound`) to `visit`, in `order`, until `visit` answers false. False when a
// step failed or a chunk is unreadable (a blob that does not decode, or not to what its row
// says): the walk stops there, logged as a failed read of `what`. `scratch` holds the chunk
// being walked; `visit` may move its messages out.
template <typename Visit>
bool for_each_message(sqlite_statement& s, const sqlite_status& bound, std::string_view what,
                      walk order, std::vector<stored_message>& scratch, Visit&& visit) {
    bool readable = true;
    const bool read = for_each_row(s, bound, what, [&] {
        scratch.clear();
        const auto first_id = static_cast<std::uint64_t>(s.column_int64(1));
        const auto last_id = static_cast<std::uint64_t>(s.column_int64(2));
        const auto count = static_cast<std::uint64_t>(s.column_int64(3));
        if (!decode_chunk(s.column_blob(0), scratch) || scratch.size() != count ||
            scratch.front().id != first_id || scratch.back().id != last_id) {
            spdlog::warn("history store: cannot read {}: the chunk of ids {} to {} is corrupt",
                         what, first_id, last_id);
            readable = false;
            return false;
        }
        for (std::size_t i = 0; i < scratch.size(); ++i) {
            if (!visit(scratch[order == walk::oldest_first ? i : scratch.size() - 1 - i])) {
                return false;
            }
        }
        return true;
    });
    return read && readable;
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

/// Up to `limit` messages of the room's chunks that `s` yields (chunks_before or chunks_after,
/// bound to `room_key` and `id`) beyond `id` (below it newest first, or above it oldest first)
/// into `page`; whether there were more; nothing when they could not all be read.
std::optional<bool> read_room_page(sqlite_statement& s, std::string_view room_key, std::uint64_t id,
                                   std::size_t limit, walk order, history_page& page) {
    const reset_on_exit reset(s);
    bool more = false;
    std::vector<stored_message> scratch;
    const bool read =
        for_each_message(s, bind_all(s, room_key, sql_id(id)), "a room's history", order, scratch,
                         [&](stored_message& m) {
                             if (order == walk::oldest_first ? m.id <= id : m.id >= id) {
                                 return true;  // the part of the first chunk this side of `id`
                             }
                             if (page.messages.size() == limit) {
                                 more = true;
                                 return false;
                             }
                             page.messages.push_back(std::move(m));
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
    flush_buffers();
    history_page page;
    const auto more = read_room_page(statements_->chunks_before, room_key, before_id, limit,
                                     walk::newest_first, page);
    std::reverse(page.messages.begin(), page.messages.end());
    if (!more) {
        return page;
    }
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
    flush_buffers();
    history_page page;
    const auto more = read_room_page(statements_->chunks_after, room_key, after_id, limit,
                                     walk::oldest_first, page);
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
    flush_buffers();
    // Each source gives at most limit + 1 rows in id order; the first limit + 1 of all of them
    // together are among those, which tells `more` from `complete` after the merge.
    const std::size_t wanted = limit == std::numeric_limits<std::size_t>::max() ? limit : limit + 1;
    std::vector<std::string_view> keys(room_keys.begin(), room_keys.end());
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());

    std::vector<stored_message> found;
    std::vector<stored_message> scratch;
    bool read = true;
    for (const auto key : keys) {
        auto& s = statements_->chunks_after;
        const reset_on_exit reset(s);
        std::size_t taken = 0;
        read = for_each_message(s, bind_all(s, key, sql_id(after_id)), "missed room messages",
                                walk::oldest_first, scratch,
                                [&](stored_message& m) {
                                    if (m.id <= after_id || name_key(m.sender) == self_key) {
                                        return true;
                                    }
                                    found.push_back(std::move(m));
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
