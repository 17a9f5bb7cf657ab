#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "client/chat_state.hpp"
#include "client/client_connection.hpp"
#include "client/client_options.hpp"
#include "client/outbox.hpp"
#include "client/renderer.hpp"
#include "client/replay_view.hpp"
#include "client/resume_state.hpp"
#include "client/terminal_ui.hpp"

namespace chat {

/// The client on a terminal: joins the connection to the screen. Nothing is sent before the peer
/// has greeted as a chat/2 server; any other first line ends the run with one clear sentence.
/// Server lines are rendered and printed above the line being typed; typed lines go to the
/// server, and our own messages are shown once the server has accepted them (`SENT`; it does not
/// echo them), or with the error if it refused them. The prompt names the current room. The name
/// is asked for when --name is absent and asked for again whenever the server refuses it. A lost
/// connection is announced and retried with back-off; the session is taken back with `/resume`
/// when the server gave a token for it (chat/2.1), else the same name is asked for again and the
/// same rooms joined again. History the server replays (on joining, for `/history`) is shown
/// dimmed and closed by a summary line. /quit, Ctrl+D on an empty line and Ctrl+C leave cleanly
/// at any point.
class interactive_client : private client_connection::listener, private terminal_ui::handler {
  public:
    interactive_client(boost::asio::io_context& io, const client_config& config,
                       render_options style);

    /// Takes over the terminal and connects.
    void start();

    /// 0 after leaving normally, 1 when the very first connection could not be made.
    int exit_code() const { return exit_code_; }

  private:
    enum class phase {
        connecting,  ///< first attempt, or a retry, under way, or connected and not yet greeted
        naming,      ///< connected; the name is to be typed or its answer awaited
        chatting,    ///< WELCOME received
        offline,     ///< lost; waiting for the next attempt
        leaving,     ///< /quit sent; waiting for the server to close
    };

    // client_connection::listener
    void on_connected() override;
    void on_line(std::string_view line) override;
    void on_connect_failed(const boost::system::error_code& ec,
                           std::optional<client_connection::duration> retry_in) override;
    void on_disconnected(const boost::system::error_code& ec,
                         std::optional<client_connection::duration> retry_in) override;

    // terminal_ui::handler
    void on_input(std::string line) override;
    void on_input_end() override;
    std::optional<completion> on_complete(std::string_view line, std::size_t cursor) override;

    void check_greeting(std::string_view line);
    void handle(const server_line& line);
    void on_welcome(const server_line& line, std::string& text);
    void on_joined(const server_line& line, bool new_room, std::string& text);
    void on_history(const replay_view::release& released);
    void on_resumed(const resume_state::outcome& outcome, std::string& text);
    void rejoin();
    void send_first_line();
    void send_name(std::string_view name);
    void send_command(std::string_view line);
    void say(std::string_view line);
    std::string show_accepted(const own_message& m, std::string_view wire_time);
    void leave(std::string_view quit_line);
    void wait_for_signal();
    void update_prompt();
    void show(std::string_view text);
    void show(const std::vector<std::string>& lines);
    void finish(int code);

    boost::asio::io_context& io_;
    client_config config_;
    renderer renderer_;
    chat_state state_;
    client_connection connection_;
    terminal_ui ui_;
    boost::asio::signal_set signals_;
    outbox outbox_;  // our messages waiting for SENT or ERR (not used with --raw)
    resume_state resume_;
    replay_view replay_;  // disabled with --raw: lines are printed as they come
    phase phase_ = phase::connecting;
    std::optional<std::string> name_;  // the name to ask for (again) on connecting
    bool name_sent_ = false;           // the name is out, its answer not yet in
    bool ever_connected_ = false;
    bool greeted_ = false;       // this connection's first line came and was a chat server's
    bool ever_greeted_ = false;  // some connection was: a later silent peer may be a restart
    bool ever_joined_ = false;
    std::vector<std::string> rejoin_;  // rooms to join again after reconnecting, in join order
    std::string rejoin_current_;       // and the one to make current again (also after a resume)
    bool turned_away_ = false;         // refused as server-full before ever joining
    std::size_t max_line_ = SIZE_MAX;  // the server's max-line from HELLO
    bool done_ = false;
    int exit_code_ = 0;
};

}  // namespace chat
