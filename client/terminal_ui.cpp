#include "client/terminal_ui.hpp"

#include <histedit.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cwchar>

#include <boost/asio/post.hpp>

namespace chat {

namespace asio = boost::asio;
using boost::system::error_code;

/*
 * How typing and printing share one screen.
 *
 * libedit runs in "unbuffered" mode: each el_gets() call reads one key (an escape sequence is
 * one key) and returns, so the io_context never blocks on the keyboard. We call it only when
 * stdin has bytes waiting (FIONREAD), as many times as there are bytes, because Asio's epoll
 * reactor is edge-triggered and will not wake us again for bytes already there.
 *
 * Keys that end or leave a line are ours (Enter, Ctrl+D, Tab); they only record what happened,
 * and after el_gets() returns we act on it. A submitted line is cleared by switching unbuffered
 * mode off and on, which is libedit's one public way to reset the line, its history cursor and
 * its idea of the screen.
 *
 * Printing above the prompt: the edit area starts on the row of the prompt and the cursor sits
 * `width(prompt + text before cursor) / columns` rows below it; we move up that far, clear to
 * the end of the screen, print, and ask libedit to draw the prompt and line afresh (EL_REFRESH
 * forgets what it believes is on screen and draws from the cursor).
 */

namespace {

std::size_t char_width(wchar_t c) {
    const int w = ::wcwidth(c);
    if (w < 0) {
        return 2;  // libedit shows control characters as ^X
    }
    return static_cast<std::size_t>(w);
}

/// Code points in a UTF-8 string: libedit's cursor moves by characters, not bytes.
int count_chars(std::string_view s) {
    int n = 0;
    for (const char c : s) {
        if ((static_cast<unsigned char>(c) & 0xC0U) != 0x80U) {
            ++n;
        }
    }
    return n;
}

std::size_t available_bytes(int fd) {
    int n = 0;
    if (::ioctl(fd, FIONREAD, &n) < 0 || n < 0) {
        return 0;
    }
    return static_cast<std::size_t>(n);
}

bool hung_up(int fd) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 0) < 0) {
        return false;
    }
    return (p.revents & (POLLHUP | POLLERR | POLLNVAL)) != 0;
}

}  // namespace

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    std::size_t i = 0;
    std::mbstate_t state{};
    while (i < text.size()) {
        if (text[i] == '\x1b' && i + 1 < text.size() && text[i + 1] == '[') {
            const auto end = text.find_first_of("ABCDEFGHJKSTfmnsu", i + 2);
            i = end == std::string_view::npos ? text.size() : end + 1;
            continue;
        }
        wchar_t wc = 0;
        const std::size_t len = std::mbrtowc(&wc, text.data() + i, text.size() - i, &state);
        if (len == 0 || len == static_cast<std::size_t>(-1) ||
            len == static_cast<std::size_t>(-2)) {
            state = {};
            ++width;
            ++i;
            continue;
        }
        width += char_width(wc);
        i += len;
    }
    return width;
}

terminal_ui::terminal_ui(asio::io_context& io, handler& owner)
    : io_(io), owner_(owner), input_(io), signals_(io) {}

terminal_ui::~terminal_ui() {
    stop();
    if (el_ != nullptr) {
        el_end(el_);
    }
    if (history_ != nullptr) {
        history_end(history_);
    }
}

terminal_ui& terminal_ui::self_of(EditLine* el) {
    void* data = nullptr;
    el_get(el, EL_CLIENTDATA, &data);
    return *static_cast<terminal_ui*>(data);
}

char* terminal_ui::prompt_of(EditLine* el) {
    return self_of(el).prompt_el_.data();
}

void terminal_ui::start() {
    el_ = el_init("chat-client", stdin, stdout, stderr);
    el_set(el_, EL_CLIENTDATA, this);
    // Signals are ours (Asio's signal_set): libedit's handlers would re-raise to the process group.
    el_set(el_, EL_SIGNAL, 0);
    el_set(el_, EL_EDITOR, "emacs");
    el_set(el_, EL_PROMPT_ESC, &terminal_ui::prompt_of, '\1');

    history_ = history_init();
    HistEvent ev;
    history(history_, &ev, H_SETSIZE, 1000);
    history(history_, &ev, H_SETUNIQUE, 1);
    el_set(el_, EL_HIST, history, history_);

    // The user's ~/.editrc first, so that our Enter, Ctrl+D and Tab stay ours.
    el_source(el_, nullptr);
    el_set(el_, EL_ADDFN, "chat-submit", "send the line", &terminal_ui::key_submit);
    el_set(el_, EL_ADDFN, "chat-eof", "leave on an empty line, else delete",
           &terminal_ui::key_eof_or_delete);
    el_set(el_, EL_ADDFN, "chat-complete", "complete a user name", &terminal_ui::key_complete);
    el_set(el_, EL_BIND, "^M", "chat-submit", nullptr);
    el_set(el_, EL_BIND, "^J", "chat-submit", nullptr);
    el_set(el_, EL_BIND, "^D", "chat-eof", nullptr);
    el_set(el_, EL_BIND, "^I", "chat-complete", nullptr);
    // Keys terminals send that emacs mode does not bind by itself (as libedit's readline does).
    el_set(el_, EL_BIND, "\\e[1~", "ed-move-to-beg", nullptr);
    el_set(el_, EL_BIND, "\\e[4~", "ed-move-to-end", nullptr);
    el_set(el_, EL_BIND, "\\e[7~", "ed-move-to-beg", nullptr);
    el_set(el_, EL_BIND, "\\e[8~", "ed-move-to-end", nullptr);
    el_set(el_, EL_BIND, "\\e[H", "ed-move-to-beg", nullptr);
    el_set(el_, EL_BIND, "\\e[F", "ed-move-to-end", nullptr);
    el_set(el_, EL_BIND, "\\e[3~", "ed-delete-next-char", nullptr);
    el_set(el_, EL_BIND, "\\e[1;5C", "em-next-word", nullptr);
    el_set(el_, EL_BIND, "\\e[1;5D", "ed-prev-word", nullptr);
    el_set(el_, EL_BIND, "^W", "ed-delete-prev-word", nullptr);  // emacs mode kills a region

    error_code ec;
    input_.assign(::dup(STDIN_FILENO), ec);
    signals_.add(SIGWINCH, ec);
    signals_.add(SIGCONT, ec);

    running_ = true;
    el_set(el_, EL_UNBUFFERED, 1);  // raw mode, prompt drawn
    wait_for_key();
    wait_for_signal();
}

void terminal_ui::stop() {
    if (!running_) {
        return;
    }
    flush_output();
    running_ = false;
    error_code ignored;
    input_.cancel(ignored);
    input_.close(ignored);
    signals_.cancel(ignored);
    erase_edit_area();
    std::fflush(stdout);
    el_set(el_, EL_UNBUFFERED, 0);  // cooked mode again
}

void terminal_ui::set_prompt(std::string_view prompt) {
    if (prompt == prompt_ && !prompt_el_.empty()) {
        return;
    }
    if (running_) {
        flush_output();
        erase_edit_area();  // measured with the old prompt
    }
    prompt_ = std::string(prompt);
    prompt_width_ = display_width(prompt_);
    prompt_el_.clear();
    for (std::size_t i = 0; i < prompt_.size(); ++i) {
        if (prompt_[i] == '\x1b') {
            const auto end = prompt_.find('m', i);
            const std::size_t stop = end == std::string::npos ? prompt_.size() : end + 1;
            prompt_el_ += '\1';
            prompt_el_.append(prompt_, i, stop - i);
            prompt_el_ += '\1';
            i = stop - 1;
            continue;
        }
        prompt_el_ += prompt_[i];
    }
    if (running_) {
        redraw();
    }
}

void terminal_ui::print(std::string_view line) {
    pending_.emplace_back(line);
    if (!flush_posted_) {
        // Lines that arrive together (one read from the server) are drawn together: one erase,
        // one redraw, no flicker.
        flush_posted_ = true;
        asio::post(io_, [this] {
            flush_posted_ = false;
            flush_output();
        });
    }
}

void terminal_ui::flush_output() {
    if (pending_.empty()) {
        return;
    }
    if (running_) {
        erase_edit_area();
    }
    for (const auto& line : pending_) {
        std::fwrite(line.data(), 1, line.size(), stdout);
        std::fputs(running_ ? "\r\n" : "\n", stdout);
    }
    pending_.clear();
    if (running_) {
        redraw();
    } else {
        std::fflush(stdout);
    }
}

int terminal_ui::columns() const {
    int cols = 0;
    if (el_get(el_, EL_GETTC, "co", &cols) != 0 || cols <= 0) {
        return 80;
    }
    return cols;
}

void terminal_ui::erase_edit_area() {
    const LineInfoW* line = el_wline(el_);
    std::size_t column = prompt_width_;
    for (const wchar_t* p = line->buffer; p < line->cursor; ++p) {
        column += char_width(*p);
    }
    const auto rows_above = column / static_cast<std::size_t>(columns());
    if (rows_above > 0) {
        std::fprintf(stdout, "\x1b[%zuA", rows_above);
    }
    std::fputs("\r\x1b[J", stdout);
}

void terminal_ui::redraw() {
    std::fflush(stdout);
    el_set(el_, EL_REFRESH);
}

// ---------------------------------------------------------------------------------------------
// Keys

void terminal_ui::wait_for_key() {
    input_.async_wait(asio::posix::descriptor_base::wait_read,
                      [this](const error_code& ec) { on_key_ready(ec); });
}

void terminal_ui::on_key_ready(const error_code& ec) {
    if (ec || !running_) {
        return;
    }
    const int fd = input_.native_handle();
    if (available_bytes(fd) == 0) {
        if (hung_up(fd)) {
            owner_.on_input_end();
            return;
        }
        wait_for_key();  // woken for bytes we had already read
        return;
    }
    // One el_gets per key; keep going while bytes are waiting (the reactor is edge-triggered).
    do {
        int count = 0;
        el_gets(el_, &count);
        after_key();
    } while (running_ && available_bytes(fd) > 0);
    if (running_) {
        wait_for_key();
    }
}

void terminal_ui::after_key() {
    flush_output();
    if (submitted_) {
        std::string line = std::move(*submitted_);
        submitted_.reset();
        if (line.find_first_not_of(' ') != std::string::npos) {
            HistEvent ev;
            history(history_, &ev, H_ENTER, line.c_str());
        }
        erase_edit_area();
        std::fflush(stdout);
        el_set(el_, EL_UNBUFFERED, 0);
        el_set(el_, EL_UNBUFFERED, 1);  // a fresh, empty line under the prompt
        owner_.on_input(std::move(line));
    }
    if (end_requested_ && running_) {
        end_requested_ = false;
        owner_.on_input_end();
    }
}

unsigned char terminal_ui::key_submit(EditLine* el, int /*ch*/) {
    const LineInfo* line = el_line(el);
    self_of(el).submitted_ = std::string(line->buffer, line->lastchar);
    return CC_NORM;
}

unsigned char terminal_ui::key_eof_or_delete(EditLine* el, int /*ch*/) {
    const LineInfo* line = el_line(el);
    if (line->buffer == line->lastchar) {
        self_of(el).end_requested_ = true;
        return CC_NORM;
    }
    if (line->cursor == line->lastchar) {
        return CC_ERROR;
    }
    el_cursor(el, 1);
    el_deletestr(el, 1);
    return CC_REFRESH;
}

unsigned char terminal_ui::key_complete(EditLine* el, int /*ch*/) {
    return self_of(el).complete();
}

unsigned char terminal_ui::complete() {
    const LineInfo* info = el_line(el_);
    const std::string line(info->buffer, info->lastchar);
    const auto cursor = static_cast<std::size_t>(info->cursor - info->buffer);
    const auto found = owner_.on_complete(line, cursor);
    if (!found || found->candidates.empty()) {
        return CC_ERROR;
    }
    const std::string_view original =
        std::string_view(line).substr(found->start, found->end - found->start);
    if (found->insert != original) {
        el_cursor(el_, count_chars(std::string_view(line).substr(cursor, found->end - cursor)));
        el_deletestr(el_, count_chars(original));
        el_insertstr(el_, found->insert.c_str());
        return CC_REFRESH;
    }
    if (found->candidates.size() > 1) {
        std::string list;
        for (const auto& name : found->candidates) {
            list += list.empty() ? "" : "  ";
            list += name;
        }
        pending_.push_back(std::move(list));  // drawn once el_gets has returned
    }
    return CC_NORM;
}

// ---------------------------------------------------------------------------------------------
// Signals

void terminal_ui::wait_for_signal() {
    signals_.async_wait([this](const error_code& ec, int signal_number) {
        if (ec || !running_) {
            return;
        }
        if (signal_number == SIGCONT) {
            // Back from Ctrl+Z: the shell had the terminal and left the cursor on a fresh line;
            // put libedit's mode back and draw the line there.
            el_set(el_, EL_PREP_TERM, 0);
            el_set(el_, EL_PREP_TERM, 1);
            std::fputs("\r\x1b[J", stdout);
        } else {
            // Terminals reflow the old edit area to the new width, so measure it with that.
            el_resize(el_);
            erase_edit_area();
        }
        redraw();
        wait_for_signal();
    });
}

}  // namespace chat
