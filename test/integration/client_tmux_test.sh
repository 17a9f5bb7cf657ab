#!/usr/bin/env bash
# shellcheck disable=SC2119  # start_server takes its own arguments, not the script's
# chat-client on a terminal (inside tmux), against a real chat-server: a message arriving while
# a line is half typed is shown above it and the half line stays intact; own messages are shown
# once the server accepted them, refused ones with the reason; the prompt names the current room;
# rooms joined, switched and parted; Tab completes names, commands and rooms; Up recalls history;
# colour on a terminal but not with NO_COLOR; the name prompt; /quit, Ctrl+C and Ctrl+D leave
# cleanly and give the terminal back.
# Usage: client_tmux_test.sh SERVER_BINARY CLIENT_BINARY

source "$(dirname "$0")/client_lib.sh" "$1" "$2"
need_tmux

TIME='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

start_server
start_bot bob --raw --name bob
eventually 5 has_line "$WORK/bob.out" 'WELCOME bob .*' || fail "bob did not join"

start_tty alice "env -u NO_COLOR '$CLIENT_BIN' --port $SERVER_PORT --name alice"
wait_pane alice '^-- in #lobby \(2\): alice, bob$'
wait_pane alice '^#lobby>'

is_last_line() {
    [[ $(last_line "$1") == "$2" ]]
}

# ---------------------------------------------------------------------------------------------
# The heart of it: a message arrives while a line is half typed.
type_text alice 'half a li'
eventually 5 is_last_line alice '#lobby> half a li' || fail "typed text not shown"
bot_say bob 'hello from bob'
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] #lobby bob: hello from bob$'
is_last_line alice '#lobby> half a li' ||
    fail "the half-typed line was not redrawn intact: '$(last_line alice)'"
[[ $(cursor_x alice) == 17 ]] || fail "the cursor moved: column $(cursor_x alice), not 17"
message_row=$(pane alice | grep -n 'bob: hello from bob' | cut -d: -f1)
prompt_row=$(pane alice | grep -n '^#lobby> half a li$' | cut -d: -f1)
((message_row < prompt_row)) || fail "the message was not printed above the prompt"
pass "a message arriving mid-line is printed above it; the half line stays intact"

type_text alice 'ne'
press alice Enter
eventually 5 has_line "$WORK/bob.out" "MSG #lobby [0-9]+ $TIME alice half a line" ||
    fail "the completed line did not reach bob"
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] #lobby alice: half a line$'
eventually 5 is_last_line alice '#lobby>' || fail "the prompt was not cleared after Enter"
pass "completed line sent; own message shown once the server accepted it"

type_text alice '@nobody-here hi'
press alice Enter
wait_pane alice '^!! No such user: .* \(not sent: @nobody-here hi\)$'
if pane_has alice '-> nobody-here'; then
    fail "a refused private message was shown as sent"
fi
pass "a refused message is shown with the reason, never as sent"

# ---------------------------------------------------------------------------------------------
type_text alice '@bo'
press alice Tab
eventually 5 is_last_line alice '#lobby> @bob' || fail "Tab did not complete @bo"
[[ $(cursor_x alice) == 13 ]] || fail "no space after the completed name"
type_text alice 'psst'
press alice Enter
eventually 5 has_line "$WORK/bob.out" "PRIV [0-9]+ $TIME alice psst" ||
    fail "private message not sent"
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] -> bob \(private\): psst$'
type_text alice '/msg b'
press alice Tab
eventually 5 is_last_line alice '#lobby> /msg bob' || fail "Tab did not complete after /msg"
press alice C-u
type_text alice 'ask b'
press alice Tab
eventually 5 is_last_line alice '#lobby> ask bob' || fail "Tab did not complete a name in text"
press alice C-u
type_text alice '/jo'
press alice Tab
eventually 5 is_last_line alice '#lobby> /join' || fail "Tab did not complete a command"
press alice C-u
eventually 5 is_last_line alice '#lobby>' || fail "Ctrl+U did not clear the line"
pass "Tab completes names anywhere, and commands"

press alice Up
eventually 5 is_last_line alice '#lobby> @bob psst' || fail "Up did not recall the last line"
press alice Up
eventually 5 is_last_line alice '#lobby> @nobody-here hi' || fail "Up did not go further back"
press alice Down
eventually 5 is_last_line alice '#lobby> @bob psst' || fail "Down did not come back"
press alice C-u
pass "history on Up and Down"

# ---------------------------------------------------------------------------------------------
# Rooms: join (the prompt follows), another member, Tab on rooms, #room text, switch, part.
type_text alice '/join #rust'
press alice Enter
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] -- you joined #rust \(just you\)$'
eventually 5 is_last_line alice '#rust>' || fail "the prompt does not name the room joined"
bot_say bob '/join #rust'
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] #rust -- bob joined$'
type_text alice 'rusty hello'
press alice Enter
eventually 5 has_line "$WORK/bob.out" "MSG #rust [0-9]+ $TIME alice rusty hello" ||
    fail "a plain line did not go to the current room"
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] #rust alice: rusty hello$'
type_text alice '#lo'
press alice Tab
eventually 5 is_last_line alice '#rust> #lobby' || fail "Tab did not complete a room after #"
type_text alice 'from afar'
press alice Enter
eventually 5 has_line "$WORK/bob.out" "MSG #lobby [0-9]+ $TIME alice from afar" ||
    fail "#room text did not go to that room"
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] #lobby alice: from afar$'
eventually 5 is_last_line alice '#rust>' || fail "#room text switched rooms"
type_text alice '/switch lob'
press alice Tab
eventually 5 is_last_line alice '#rust> /switch #lobby' || fail "Tab did not complete /switch"
press alice Enter
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] -- now talking in #lobby$'
eventually 5 is_last_line alice '#lobby>' || fail "/switch did not make #lobby current"
type_text alice '/join #rust'
press alice Enter
eventually 5 is_last_line alice '#rust>' || fail "/join of a room we are in did not switch"
type_text alice '/part'
press alice Enter
wait_pane alice '^\[[0-9]{2}:[0-9]{2}\] -- you left #rust$'
eventually 5 is_last_line alice '#lobby>' || fail "after /part the last joined room is not current"
eventually 5 has_line "$WORK/bob.out" 'LEAVE #rust alice part' || fail "bob did not see the part"
pass "rooms: join, the prompt, #room text, /switch, /part"

# ---------------------------------------------------------------------------------------------
colored_line() {
    tm capture-pane -p -e -t "$1" | grep -F -- "$2"
}
colored_line alice 'hello from bob' | grep -q $'\x1b\\[' ||
    fail "no colour on a terminal"

start_tty carol "NO_COLOR=1 '$CLIENT_BIN' --port $SERVER_PORT --name carol"
wait_pane carol '^#lobby>'
bot_say bob '#lobby colour check'
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
wait_pane dave '^#lobby>'
eventually 5 has_line "$WORK/bob.out" 'JOIN #lobby dave' || fail "dave did not join"
pass "the name prompt, asked again when taken"

# ---------------------------------------------------------------------------------------------
type_text alice '/quit'
press alice Enter
wait_pane alice '^EXIT=0$'
wait_pane alice '^TTY=cooked$'
eventually 5 has_line "$WORK/bob.out" 'LEAVE #lobby alice quit' || fail "/quit did not say goodbye"

type_text carol 'half typed'
press carol C-c
wait_pane carol '^EXIT=0$'
wait_pane carol '^TTY=cooked$'
eventually 5 has_line "$WORK/bob.out" 'LEAVE #lobby carol quit' || fail "Ctrl+C did not /quit"

press dave C-d
wait_pane dave '^EXIT=0$'
wait_pane dave '^TTY=cooked$'
eventually 5 has_line "$WORK/bob.out" 'LEAVE #lobby dave quit' || fail "Ctrl+D did not /quit"
pass "/quit, Ctrl+C and Ctrl+D leave cleanly and restore the terminal"
