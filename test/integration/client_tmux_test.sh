#!/usr/bin/env bash
# shellcheck disable=SC2119  # start_server takes its own arguments, not the script's
# chat-client on a terminal (inside tmux), against a real chat-server: a message arriving while
# a line is half typed is shown above it and the half line stays intact; own messages echo;
# Tab completes names; Up recalls history; colour on a terminal but not with NO_COLOR; the name
# prompt; /quit, Ctrl+C and Ctrl+D leave cleanly and give the terminal back.
# Usage: client_tmux_test.sh SERVER_BINARY CLIENT_BINARY

source "$(dirname "$0")/client_lib.sh" "$1" "$2"
need_tmux

TIME='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

start_server
start_bot bob --raw --name bob
eventually 5 has_line "$WORK/bob.out" 'WELCOME bob .*' || fail "bob did not join"

start_tty alice "env -u NO_COLOR '$CLIENT_BIN' --port $SERVER_PORT --name alice"
wait_pane alice '^-- here now \(2\): alice, bob$'
wait_pane alice '^alice>'

is_last_line() {
    [[ $(last_line "$1") == "$2" ]]
}

# ---------------------------------------------------------------------------------------------
# The heart of it: a message arrives while a line is half typed.
type_text alice 'half a li'
eventually 5 is_last_line alice 'alice> half a li' || fail "typed text not shown"
bot_say bob 'hello from bob'
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] bob: hello from bob$'
is_last_line alice 'alice> half a li' ||
    fail "the half-typed line was not redrawn intact: '$(last_line alice)'"
[[ $(cursor_x alice) == 16 ]] || fail "the cursor moved: column $(cursor_x alice), not 16"
message_row=$(pane alice | grep -n 'bob: hello from bob' | cut -d: -f1)
prompt_row=$(pane alice | grep -n '^alice> half a li$' | cut -d: -f1)
((message_row < prompt_row)) || fail "the message was not printed above the prompt"
pass "a message arriving mid-line is printed above it; the half line stays intact"

type_text alice 'ne'
press alice Enter
eventually 5 has_line "$WORK/bob.out" "MSG [0-9]+ $TIME alice half a line" ||
    fail "the completed line did not reach bob"
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] alice: half a line$'
eventually 5 is_last_line alice 'alice>' || fail "the prompt was not cleared after Enter"
pass "completed line sent; own message shown at once"

# ---------------------------------------------------------------------------------------------
type_text alice '@bo'
press alice Tab
eventually 5 is_last_line alice 'alice> @bob' || fail "Tab did not complete @bo"
[[ $(cursor_x alice) == 12 ]] || fail "no space after the completed name"
type_text alice 'psst'
press alice Enter
eventually 5 has_line "$WORK/bob.out" "PRIV [0-9]+ $TIME alice psst" ||
    fail "private message not sent"
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] -> bob \(private\): psst$'
type_text alice '/msg b'
press alice Tab
eventually 5 is_last_line alice 'alice> /msg bob' || fail "Tab did not complete after /msg"
press alice C-u
eventually 5 is_last_line alice 'alice>' || fail "Ctrl+U did not clear the line"
pass "Tab completes names after @ and /msg"

press alice Up
eventually 5 is_last_line alice 'alice> @bob psst' || fail "Up did not recall the last line"
press alice Up
eventually 5 is_last_line alice 'alice> half a line' || fail "Up did not go further back"
press alice Down
eventually 5 is_last_line alice 'alice> @bob psst' || fail "Down did not come back"
press alice C-u
pass "history on Up and Down"

# ---------------------------------------------------------------------------------------------
colored_line() {
    tm capture-pane -p -e -t "$1" | grep -F -- "$2"
}
colored_line alice 'hello from bob' | grep -q $'\x1b\\[' ||
    fail "no colour on a terminal"

start_tty carol "NO_COLOR=1 '$CLIENT_BIN' --port $SERVER_PORT --name carol"
wait_pane carol '^carol>'
bot_say bob 'colour check'
wait_pane carol 'bob: colour check$'
if colored_line carol 'colour check' | grep -q $'\x1b'; then
    fail "colour although NO_COLOR is set"
fi
pass "colour on a terminal, none with NO_COLOR"

# ---------------------------------------------------------------------------------------------
# Without --name the server's question is shown and the first line typed is the name.
start_tty dave "'$CLIENT_BIN' --port $SERVER_PORT"
wait_pane dave 'Send your name'
eventually 5 is_last_line dave 'name>' || fail "no name prompt"
type_text dave 'bob'
press dave Enter
wait_pane dave 'That name is taken'
eventually 5 is_last_line dave 'name>' || fail "not asked again after name-taken"
type_text dave 'dave'
press dave Enter
wait_pane dave '^dave>'
eventually 5 has_line "$WORK/bob.out" 'JOIN dave' || fail "dave did not join"
pass "the name prompt, asked again when taken"

# ---------------------------------------------------------------------------------------------
type_text alice '/quit'
press alice Enter
wait_pane alice '^EXIT=0$'
wait_pane alice '^TTY=cooked$'
eventually 5 has_line "$WORK/bob.out" 'LEAVE alice quit' || fail "/quit did not say goodbye"

type_text carol 'half typed'
press carol C-c
wait_pane carol '^EXIT=0$'
wait_pane carol '^TTY=cooked$'
eventually 5 has_line "$WORK/bob.out" 'LEAVE carol quit' || fail "Ctrl+C did not /quit"

press dave C-d
wait_pane dave '^EXIT=0$'
wait_pane dave '^TTY=cooked$'
eventually 5 has_line "$WORK/bob.out" 'LEAVE dave quit' || fail "Ctrl+D did not /quit"
pass "/quit, Ctrl+C and Ctrl+D leave cleanly and restore the terminal"
