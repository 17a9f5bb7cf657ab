#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>

#include "client/completion.hpp"

struct editline;
struct history;

namespace chat {

/// The interactive screen: libedit (BSD licence) edits the line being typed on stdin, driven by
/// the `io_context` (stdin is waited on as an Asio stream descriptor, one key at a time is fed to
/// libedit), and everything else is printed *above* that line, which is then redrawn intact.
/// Gives emacs-style editing, history on Up/Down, Tab completion through the handler. Knows
/// nothing of sockets or the protocol. One per process: it owns the terminal's modes.
class terminal_ui {
  public:
    /// What the UI reports to its owner. Calls happen on the `io_context` thread.
    class handler {
      public:
        virtual ~handler() = default;
        /// Enter was pressed on `line` (already in the history if not blank).
        virtual void on_input(std::string line) = 0;
        /// Ctrl+D on an empty line, or the terminal went away.
        virtual void on_input_end() = 0;
        /// Tab at byte `cursor` of `line`: what to complete, if anything.
        virtual std::optional<completion> on_complete(std::string_view line,
                                                      std::size_t cursor) = 0;
    };

    terminal_ui(boost::asio::io_context& io, handler& owner);
    ~terminal_ui();
    terminal_ui(const terminal_ui&) = delete;
    terminal_ui& operator=(const terminal_ui&) = delete;

    /// Puts the terminal in editing mode, shows the prompt and starts reading keys.
    void start();

    /// Clears the line being edited off the screen and gives the terminal back as it was.
    /// Idempotent; after it `print` writes plain lines.
    void stop();

    /// Sets the prompt. It may hold SGR colour sequences (`ESC [ ... m`); only the rest counts
    /// towards its width.
    void set_prompt(std::string_view prompt);

    /// Prints one line (it may wrap) above the prompt and redraws the half-typed line intact,
    /// cursor where it was. Lines printed in one turn of the io_context are drawn together,
    /// right after it.
    void print(std::string_view line);

  private:
    static char* prompt_of(struct editline* el);
    static unsigned char key_submit(struct editline* el, int ch);
    static unsigned char key_eof_or_delete(struct editline* el, int ch);
    static unsigned char key_complete(struct editline* el, int ch);
    static terminal_ui& self_of(struct editline* el);

    void wait_for_key();
    void on_key_ready(const boost::system::error_code& ec);
    void after_key();
    void wait_for_signal();
    void flush_output();
    void erase_edit_area();
    void redraw();
    unsigned char complete();
    int columns() const;

    boost::asio::io_context& io_;
    handler& owner_;
    boost::asio::posix::stream_descriptor input_;
    boost::asio::signal_set signals_;  // SIGWINCH (resize), SIGCONT (back from Ctrl+Z)
    struct editline* el_ = nullptr;
    struct history* history_ = nullptr;
    std::string prompt_;     // as given, for width
    std::string prompt_el_;  // with libedit's "ignore" markers around escape sequences
    std::size_t prompt_width_ = 0;
    bool running_ = false;
    // Set by key handlers inside el_gets and acted on after it returns, so the owner is never
    // called from inside libedit.
    std::optional<std::string> submitted_;
    bool end_requested_ = false;
    std::vector<std::string> pending_;  // lines to print above the prompt
    bool flush_posted_ = false;
};

/// Display width of `text` in terminal columns: UTF-8 decoded, SGR escape sequences skipped,
/// wide characters counted twice. Pure; exposed for the tests.
std::size_t display_width(std::string_view text);

}  // namespace chat
