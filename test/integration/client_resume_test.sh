#!/usr/bin/env bash
# chat-client against a scripted stand-in for a chat/2.1 server (chat-script-peer), which speaks
# the history and resume lines the real server does not send yet: after a lost connection the
# client sends `/resume NAME TOKEN LAST-ID` first (last-id from MSG, ME, PRIV and its own SENT),
# shows RESUMED as one line and joins no room by hand; a refused resume falls back to the name
# and the rejoin; replayed history is closed by its summary, /history answers too, live lines
# that come before an answer stay live; a server without tokens (chat/2.0) gets the name on
# reconnecting and no marker ever; --raw prints the lines as they come.
# Usage: client_resume_test.sh SERVER_BINARY CLIENT_BINARY SCRIPT_PEER_BINARY

source "$(dirname "$0")/client_lib.sh" "$1" "$2"
PEER_BIN=$3

TOKEN1=0123456789abcdef0123456789abcdef
TOKEN2=fedcba9876543210fedcba9876543210
TOKEN3=00112233445566778899aabbccddeeff
HELLO='HELLO chat/2 max-line=4096,max-name=32,max-rooms=50 Welcome! Send your name.'
# A replayed line is dated when it is not from today; all of these are from long ago.
STAMP='\[[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}\]'
CLOCK='\[[0-9]{2}:[0-9]{2}\]'

# start_peer ID: runs chat-script-peer on $WORK/ID.script, its log in $WORK/ID.log; sets
# PEER_PID and SERVER_PORT (so start_bot and the clients below connect to it).
start_peer() {
    (
        close_bot_fds
        exec "$PEER_BIN" "$WORK/$1.script" >"$WORK/$1.log" 2>&1
    ) &
    PEER_PID=$!
    PIDS+=("$PEER_PID")
    eventually 5 grep -qs '^listening on 127.0.0.1:' "$WORK/$1.log" ||
        fail "chat-script-peer did not start"
    SERVER_PORT=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$WORK/$1.log")
}

# peer_done ID: waits for the peer to finish its script, and fails unless it did so cleanly.
peer_done() {
    eventually 15 not_running "$PEER_PID" || fail "chat-script-peer $1 did not finish"
    wait "$PEER_PID" || fail "chat-script-peer $1 failed: $(grep '^!!' "$WORK/$1.log")"
}

# received_between ID FROM TO REGEX: a line the client sent between the log notes FROM and TO
# matches REGEX.
received_between() {
    sed -n "/^== $2\$/,/^== $3\$/p" "$WORK/$1.log" | grep -Eq -- "^< $4"
}

is_last_line() {
    [[ $(last_line "$1") == "$2" ]]
}

# ---------------------------------------------------------------------------------------------
# Filters first (no terminal needed): a join's replay and a /history answer, rendered and raw.
cat >"$WORK/filter.script" <<EOF
accept
send $HELLO
expect carol
send WELCOME carol $TOKEN1 Hello carol!
send JOINED #lobby 2 you are now talking in #lobby
send MSG #lobby 5 2001-01-02T10:00:00.000Z bob from the join replay
send HISTORY #lobby complete 1
skip-until /history #lobby
send MSG #lobby 9 2001-01-02T14:00:00.000Z bob live, before the answer
send MSG #lobby 4 2001-01-02T09:00:00.000Z bob from the answer
send HISTORY #lobby gap 1
skip-until /quit
send BYE goodbye
close
EOF
start_peer filter
start_bot carol --name carol
bot_say carol '/history #lobby'
bot_end carol
bot_wait carol
((CODE == 0)) || fail "the filter exited with $CODE"
peer_done filter
expected=(
    "-- Welcome! Send your name\."
    "-- Hello carol!"
    "$CLOCK -- you joined #lobby \(2 members\)"
    "$STAMP #lobby bob: from the join replay"
    "#lobby -- 1 earlier message --"
    "$CLOCK #lobby bob: live, before the answer"
    "$STAMP #lobby bob: from the answer"
    "#lobby -- 1 message from history; older history not kept --"
    "-- the server closed the connection: goodbye"
)
mapfile -t got <"$WORK/carol.out"
((${#got[@]} == ${#expected[@]})) || fail "the filter printed ${#got[@]} lines, not ${#expected[@]}"
for i in "${!expected[@]}"; do
    [[ ${got[i]} =~ ^${expected[i]}$ ]] || fail "line $((i + 1)) is '${got[i]}', not /${expected[i]}/"
done
pass "filter: a join's replay and a /history answer end in their summary, live lines stay live"

# The same with --raw: every line as it came, and no marker sent.
sed 's/ carol/ dave/g' "$WORK/filter.script" >"$WORK/raw.script"
start_peer raw
start_bot dave --raw --name dave
bot_say dave '/history #lobby'
bot_end dave
bot_wait dave
((CODE == 0)) || fail "the raw filter exited with $CODE"
peer_done raw
grep -v '^[<=]' "$WORK/raw.log" | sed -n 's/^> //p' >"$WORK/raw.sent"
diff "$WORK/raw.sent" "$WORK/dave.out" >/dev/null || fail "--raw did not print the lines as sent"
if grep -q '^< /ping chat-client-replay' "$WORK/raw.log"; then
    fail "--raw sent a replay marker"
fi
pass "filter with --raw: the protocol lines exactly as they came, no marker"

# ---------------------------------------------------------------------------------------------
# On a terminal: resume, /history, a refused resume.
need_tmux
cat >"$WORK/resume.script" <<EOF
accept
send $HELLO
expect alice
send WELCOME alice $TOKEN1 Hello alice!
send JOINED #lobby 2 you are now talking in #lobby
send MSG #lobby 40 2001-01-02T13:00:00.000Z bob from the history of #lobby
send HISTORY #lobby complete 1
skip-until /who #lobby
send USERS #lobby alice bob
send JOINED #rust 1 you are now talking in #rust
send HISTORY #rust complete 0
skip-until /who #rust
send USERS #rust alice
send MSG #lobby 41 2001-01-02T14:03:00.000Z bob live one
send PRIV 42 2001-01-02T14:03:01.000Z bob psst
skip-until #lobby ready
send SENT 43 2001-01-02T14:03:02.000Z
await $WORK/shown-1
note lose it
reset
accept
send $HELLO
expect /resume alice $TOKEN1 43
send WELCOME alice $TOKEN2 Hello alice!
send JOINED #lobby 2 you are now talking in #lobby
send JOINED #rust 1 you are now talking in #rust
send MSG #lobby 44 2001-01-02T14:04:00.000Z bob while you were away
send RESUMED 1 complete
note resumed
skip-until /history #lobby before 40 2
send MSG #lobby 38 2001-01-01T09:00:00.000Z carol yesterday one
send MSG #lobby 39 2001-01-01T09:01:00.000Z carol yesterday two
send HISTORY #lobby more 2
skip-until #lobby ready again
send SENT 45 2001-01-02T14:05:00.000Z
await $WORK/shown-2
note lose it again
reset
accept
send $HELLO
expect /resume alice $TOKEN2 45
send ERR resume-failed that session has ended
expect alice
send WELCOME alice $TOKEN3 Hello alice!
send JOINED #lobby 2 you are now talking in #lobby
send HISTORY #lobby complete 0
skip-until /join #rust
send JOINED #rust 1 you are now talking in #rust
send HISTORY #rust gap 0
note rejoined
skip-until /quit
send BYE goodbye
close
EOF
start_peer resume
start_tty alice "'$CLIENT_BIN' --port $SERVER_PORT --name alice --no-color"
wait_pane alice "^$STAMP #lobby bob: from the history of #lobby$"
wait_pane alice '^#lobby -- 1 earlier message --$'
wait_pane alice '<- bob \(private\): psst$'
eventually 5 is_last_line alice '#rust>' || fail "not in #rust"
pane_has alice '^#rust -- ' && fail "a summary for a room without history"
type_text alice '#lobby ready'
press alice Enter
wait_pane alice "^$CLOCK #lobby alice: ready$"
touch "$WORK/shown-1"
pass "registered: the default room's replay ends in its summary, none for an empty room"

wait_pane alice "^!! lost the connection to 127\.0\.0\.1:$SERVER_PORT: "
wait_pane alice "^$CLOCK #lobby bob: while you were away$"
wait_pane alice '^-- reconnected, 1 missed message$'
pane_has alice 'back as' && fail "a resumed session was announced as a new one"
eventually 5 is_last_line alice '#rust>' || fail "the current room was not restored"
pass "resumed: /resume with the token and last-id (own SENT included), RESUMED in one line"

type_text alice '/history #lobby before 40 2'
press alice Enter
wait_pane alice "^$STAMP #lobby carol: yesterday two$"
wait_pane alice '^#lobby -- 2 messages from history; /history #lobby before 38 for more --$'
type_text alice '#lobby ready again'
press alice Enter
wait_pane alice "^$CLOCK #lobby alice: ready again$"
touch "$WORK/shown-2"
pass "/history: the answer as history, with how to ask for more"

wait_pane alice '^-- could not resume the session \(that session has ended\); joining again as alice$'
wait_pane alice '^-- back as alice$'
wait_pane alice '^#rust -- older history not kept --$'
eventually 5 is_last_line alice '#rust>' || fail "not back in #rust after the fallback"
type_text alice '/quit'
press alice Enter
wait_pane alice '^EXIT=0$'
peer_done resume
received_between resume 'resumed' 'lose it again' '/join' && fail "rooms joined by hand after a resume"
(($(grep -c '^< /join #rust$' "$WORK/resume.log") == 1)) || fail "#rust not rejoined exactly once"
pass "a refused resume: said in one line, then the name and the rooms as before"

# ---------------------------------------------------------------------------------------------
# A server that gives no token (chat/2.0): reconnecting asks for the name, exactly as before.
cat >"$WORK/old.script" <<EOF
accept
send $HELLO
expect bob
send WELCOME bob Hello bob! /help lists the commands.
send JOINED #lobby 1 you are now talking in #lobby
skip-until /who #lobby
send USERS #lobby bob
send MSG #lobby 7 2001-01-02T14:03:00.000Z carol hi
skip-until ready
send SENT 8 2001-01-02T14:03:01.000Z
await $WORK/shown-3
reset
accept
send $HELLO
expect bob
send WELCOME bob Hello bob! /help lists the commands.
send JOINED #lobby 1 you are now talking in #lobby
skip-until /quit
send BYE goodbye
close
EOF
start_peer old
start_tty bob "'$CLIENT_BIN' --port $SERVER_PORT --name bob --no-color"
wait_pane bob '^-- Hello bob! /help lists the commands\.$'
wait_pane bob "^$CLOCK #lobby carol: hi$"
type_text bob 'ready'
press bob Enter
wait_pane bob "^$CLOCK #lobby bob: ready$"
touch "$WORK/shown-3"
wait_pane bob '^-- back as bob$'
eventually 5 is_last_line bob '#lobby>' || fail "not back in #lobby"
type_text bob '/quit'
press bob Enter
wait_pane bob '^EXIT=0$'
peer_done old
if grep -Eq '^< (/resume|/ping chat-client-replay)' "$WORK/old.log"; then
    fail "a chat/2.0 server was sent a resume or a replay marker"
fi
pass "no token: the name again on reconnecting, no resume, no marker"
