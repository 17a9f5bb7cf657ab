#pragma once

#include <deque>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "client/chat_state.hpp"
#include "client/client_connection.hpp"
#include "client/client_options.hpp"
#include "client/renderer.hpp"
#include "client/replay_view.hpp"
#include "client/stdin_reader.hpp"

namespace chat {

/// The client when stdin is not a terminal: a filter between stdin and stdout.
///
/// Nothing is sent before the server's first line has shown it to be a chat/2 server; any other
/// first line (or none) ends the run with one sentence on stderr and `cannot_connect`. Lines from
/// stdin are sent as typed. Until the server accepts a name, they are sent one at a
/// time and each waits for the answer: the first is the name (unless --name was given), and if it
/// is refused the next one is tried, exactly as the server asks; the rest wait in order. Every
/// server line is printed, one per line, rendered or (--raw) exactly as received, and flushed at
/// once so a long-lived pipe sees it. Rendered, history the server replays (on joining, for
/// `/history`) is marked as such (`replay_view`); --raw prints every line as it comes. PING is
/// answered by itself. At end of input it sends /quit, waits (bounded) for the server to
/// finish, and ends with a `client_status` code. A lost connection is not retried, so it never
/// resumes a session.
class scripted_client : private client_connection::listener {
  public:
    scripted_client(boost::asio::io_context& io, const client_config& config, render_options style);

    /// Connects and starts reading stdin.
    void start();

    /// How the run ended; meaningful once `io_context::run` has returned.
    int exit_code() const { return exit_code_; }

  private:
    void on_connected() override;
    void on_line(std::string_view line) override;
    void on_connect_failed(const boost::system::error_code& ec,
                           std::optional<client_connection::duration> retry_in) override;
    void on_disconnected(const boost::system::error_code& ec,
                         std::optional<client_connection::duration> retry_in) override;

    /// Judges the server's first line; false (and the run is over) when it is not a chat/2
    /// server's.
    bool check_greeting(std::string_view line);
    void on_input(std::string_view line);
    void on_input_end();
    void pump();
    void send(std::string_view line);
    void leave();
    void output(std::string_view text);
    void output(const std::vector<std::string>& lines);
    void finish(client_status status);

    boost::asio::io_context& io_;
    client_config config_;
    renderer renderer_;
    chat_state state_;
    replay_view replay_;  // disabled with --raw
    client_connection connection_;
    stdin_reader input_;
    boost::asio::signal_set signals_;
    std::deque<std::string> pending_;  // stdin lines not sent yet
    bool connected_ = false;
    bool greeted_ = false;       // the server's first line was a chat/2 HELLO (or its ERR)
    bool name_sent_ = false;     // a name is out and its answer (WELCOME or ERR) not in yet
    bool name_refused_ = false;  // the server refused a name we sent
    bool turned_away_ = false;   // ERR server-full / too-many-from-address
    bool input_ended_ = false;
    bool leaving_ = false;  // /quit sent or close begun: the end is ours
    bool done_ = false;
    int exit_code_ = 0;
};

}  // namespace chat
