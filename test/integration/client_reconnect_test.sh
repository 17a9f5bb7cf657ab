#!/usr/bin/env bash
# shellcheck disable=SC2119  # start_server takes its own arguments, not the script's
# chat-client on a terminal (inside tmux) when the server goes away: a clear notice, reconnection
# with back-off to a server restarted on the same port, the same name asked for again and the
# same rooms joined again (the current one current again), a name taken meanwhile answered by
# asking the user for another, a server BYE shown as a goodbye rather than a crash, and Ctrl+C
# leaving at once while offline.
# Usage: client_reconnect_test.sh SERVER_BINARY CLIENT_BINARY

source "$(dirname "$0")/client_lib.sh" "$1" "$2"
need_tmux

TIME='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

is_last_line() {
    [[ $(last_line "$1") == "$2" ]]
}

start_server
PORT=$SERVER_PORT
start_tty alice "'$CLIENT_BIN' --port $PORT --name alice --no-color"
wait_pane alice '^#lobby>'
type_text alice '/join #rust'
press alice Enter
eventually 5 is_last_line alice '#rust>' || fail "did not join #rust"
type_text alice '/join #lobby'
press alice Enter
eventually 5 is_last_line alice '#lobby>' || fail "did not switch back to #lobby"
type_text alice 'draft'

# ---------------------------------------------------------------------------------------------
# The server dies without a word, and comes back on the same port.
stop_server KILL
wait_pane alice "^!! lost the connection to 127\.0\.0\.1:$PORT: "
wait_pane alice '^-- reconnecting in 1 s \(Ctrl\+C or /quit to leave\)$'
eventually 5 is_last_line alice '(offline)> draft' || fail "the draft was lost while offline"
start_server --port "$PORT"
# Someone talks before alice is back (her next try is a second away): what she missed.
exec {carol}<>"/dev/tcp/127.0.0.1/$PORT"
printf 'carol\nwhile you were away\n/quit\n' >&"$carol"
eventually 5 grep -qs 'carol.*disconnected: quit' "$SERVER_LOG" || fail "carol did not get to talk"
exec {carol}>&-
# The history file outlived the server, and the session's token with it: the client resumes
# and shows what it missed.
wait_pane alice '^-- reconnected, 1 missed message$'
wait_pane alice 'carol: while you were away$'
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] -- you joined #rust '
eventually 5 is_last_line alice '#lobby> draft' || fail "the draft or the current room was lost"
press alice C-u
start_bot bob --raw --name bob
eventually 5 has_line "$WORK/bob.out" 'WELCOME bob .*' || fail "bob did not join"
type_text alice 'after the restart'
press alice Enter
eventually 5 has_line "$WORK/bob.out" "MSG #lobby [0-9]+ $TIME alice after the restart" ||
    fail "nothing gets through after reconnecting"
bot_say bob '/join #rust'
bot_say bob '/who #rust'
eventually 5 has_line "$WORK/bob.out" 'USERS #rust alice bob' || fail "alice is not back in #rust"
pass "reconnected to a server restarted on the same port, under the same name, in the same rooms"

# ---------------------------------------------------------------------------------------------
# The server says goodbye (SIGTERM): shown as that, not as a crash.
stop_server TERM
wait_pane alice '^-- the server closed the connection: server shutting down$'
wait_pane alice "^-- disconnected from 127\.0\.0\.1:$PORT$"
(($(pane alice | grep -c 'lost the connection') == 1)) ||
    fail "a server BYE was reported as a lost connection"
pass "a server BYE is shown as a goodbye"

# Meanwhile someone else takes the name: the client says so and lets the user pick another.
start_server --port "$PORT"
start_bot thief --raw --name alice
eventually 5 has_line "$WORK/thief.out" 'WELCOME alice .*' ||
    fail "the thief did not get the name before alice came back"
wait_pane alice '^!! That name is taken: '
eventually 5 is_last_line alice 'name>' || fail "not asked for another name"
type_text alice 'alice2'
press alice Enter
eventually 5 is_last_line alice '#lobby>' || fail "alice2 is not chatting"
eventually 5 has_line "$WORK/thief.out" 'JOIN #lobby alice2' || fail "alice2 did not join"
pass "name taken on reconnection: shown, and another one typed"

# ---------------------------------------------------------------------------------------------
# Back-off grows while the server stays away; Ctrl+C leaves at once.
stop_server KILL
wait_pane alice '^-- reconnecting in 1 s'
wait_pane alice "^-- still cannot reach 127\.0\.0\.1:$PORT \(.*\); next try in 2 s$" 5
press alice C-c
wait_pane alice '^EXIT=0$'
wait_pane alice '^TTY=cooked$'
pass "back-off grows; Ctrl+C while offline leaves at once"
