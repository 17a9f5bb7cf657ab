#!/usr/bin/env bash
# shellcheck disable=SC2119  # start_server takes its own arguments, not the script's
# chat-client as a filter (stdin not a terminal), against a real chat-server: the one-liner from
# the help, long-lived pipes talking to each other, raw (chat/2 passed through unchanged) and
# rendered output with rooms, the name rules, PING answered by itself, replies drained after end
# of input, a peer that is no chat/2 server refused before anything is sent, and every exit code.
# Usage: client_scripted_test.sh SERVER_BINARY CLIENT_BINARY

source "$(dirname "$0")/client_lib.sh" "$1" "$2"

# run_client OUT_ID INPUT CLIENT-ARGS...: pipes INPUT into a one-shot client (bounded), output to
# $WORK/OUT_ID.out and .err; sets CODE.
run_client() {
    local id=$1 input=$2
    shift 2
    printf '%s' "$input" | timeout 10 "$CLIENT_BIN" --port "$SERVER_PORT" "$@" \
        >"$WORK/$id.out" 2>"$WORK/$id.err"
    CODE=$?
}

count_lines() {
    grep -Ec -- "$2" "$1" 2>/dev/null
}

at_least() {
    (($(count_lines "$1" "$2") >= $3))
}

TIME='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'
CLOCK='\[[0-9]{2}:[0-9]{2}\]'

start_server
FIRST_PID=$SERVER_PID

# A listener on a long-lived pipe, raw output.
start_bot ear --raw --name ear
eventually 5 has_line "$WORK/ear.out" 'WELCOME ear .*' || fail "the listener did not join"

# ---------------------------------------------------------------------------------------------
run_client bot1 $'bot1\nhello from bot1\n' --raw
[[ $CODE == 0 ]] || fail "printf 'bot1\\nhello\\n' | chat-client --raw exited $CODE"
has_line "$WORK/bot1.out" 'HELLO chat/2 .*' || fail "raw output lacks HELLO"
has_line "$WORK/bot1.out" 'WELCOME bot1 [0-9a-f]{32} Hello bot1! /help lists the commands\.' ||
    fail "raw output is not the protocol line as sent"
has_line "$WORK/bot1.out" 'JOINED #lobby [0-9]+ .*' || fail "raw output lacks JOINED #lobby"
has_line "$WORK/bot1.out" "SENT [0-9]+ $TIME" || fail "raw output lacks the SENT for the message"
has_line "$WORK/bot1.out" 'BYE goodbye' || fail "no BYE after the /quit sent at end of input"
eventually 5 has_line "$WORK/ear.out" 'JOIN #lobby bot1' || fail "JOIN #lobby bot1 not seen"
eventually 5 has_line "$WORK/ear.out" "MSG #lobby [0-9]+ $TIME bot1 hello from bot1" ||
    fail "the other client did not get the message"
eventually 5 has_line "$WORK/ear.out" 'LEAVE #lobby bot1 quit' ||
    fail "end of input did not /quit (the server saw a dropped connection)"
pass "printf 'bot1\\nhello\\n' | chat-client --raw"

# ---------------------------------------------------------------------------------------------
start_bot watcher --name watcher
eventually 5 has_line "$WORK/watcher.out" '-- Hello watcher! .*' ||
    fail "the rendered listener did not join"
run_client bot2 $'bot2\nhi all\n/me waves\n'
[[ $CODE == 0 ]] || fail "rendered run exited $CODE"
eventually 5 has_line "$WORK/watcher.out" "$CLOCK -- you joined #lobby \([0-9]+ members\)" ||
    fail "JOINED not rendered"
eventually 5 has_line "$WORK/watcher.out" "$CLOCK #lobby -- bot2 joined" || fail "JOIN not rendered"
eventually 5 has_line "$WORK/watcher.out" "$CLOCK #lobby bot2: hi all" || fail "MSG not rendered"
eventually 5 has_line "$WORK/watcher.out" "$CLOCK #lobby \* bot2 waves" || fail "ME not rendered"
eventually 5 has_line "$WORK/watcher.out" "$CLOCK #lobby -- bot2 quit" || fail "LEAVE not rendered"
if grep -q $'\x1b' "$WORK/watcher.out"; then
    fail "colour escapes written to a pipe"
fi
pass "rendered output, one line each, no colour in a pipe"

# ---------------------------------------------------------------------------------------------
# Two long-lived pipes talk both ways, privately.
bot_say ear "@watcher psst from ear"
eventually 5 has_line "$WORK/watcher.out" "$CLOCK <- ear \(private\): psst from ear" ||
    fail "private message not rendered"
bot_say watcher "/msg ear back at you"
eventually 5 has_line "$WORK/ear.out" "PRIV [0-9]+ $TIME watcher back at you" ||
    fail "private reply not delivered through a long-lived pipe"
pass "long-lived pipes"

# ---------------------------------------------------------------------------------------------
# Rooms through long-lived pipes: a room of two, #room text without switching, its refusal.
bot_say ear "/join #pipes"
eventually 5 has_line "$WORK/ear.out" 'JOINED #pipes 1 .*' || fail "raw JOINED not printed"
bot_say watcher "/join #pipes"
eventually 5 has_line "$WORK/watcher.out" "$CLOCK -- you joined #pipes \(2 members\)" ||
    fail "rendered JOINED"
eventually 5 has_line "$WORK/ear.out" 'JOIN #pipes watcher' || fail "JOIN #pipes not seen"
bot_say watcher "in the pipe room"
eventually 5 has_line "$WORK/ear.out" "MSG #pipes [0-9]+ $TIME watcher in the pipe room" ||
    fail "a plain line did not go to the room just joined"
bot_say watcher "#lobby back in the lobby"
eventually 5 has_line "$WORK/ear.out" "MSG #lobby [0-9]+ $TIME watcher back in the lobby" ||
    fail "#room text did not reach that room"
bot_say ear "/topic #pipes plumbing"
eventually 5 has_line "$WORK/watcher.out" "$CLOCK #pipes -- topic: plumbing \(set by ear\)" ||
    fail "TOPIC not rendered"
bot_say ear "#nowhere hello"
eventually 5 has_line "$WORK/ear.out" 'ERR not-in-room .*' || fail "#room text to a room we are not in"
bot_say ear "/rooms"
eventually 5 has_line "$WORK/ear.out" 'ROOMS .*#pipes:2.*' || fail "ROOMS not printed"
bot_say watcher "/part #pipes done here"
eventually 5 has_line "$WORK/watcher.out" "$CLOCK -- you left #pipes" || fail "PARTED not rendered"
eventually 5 has_line "$WORK/ear.out" 'LEAVE #pipes watcher part done here' ||
    fail "LEAVE with reason part not seen"
pass "rooms through long-lived pipes"

# ---------------------------------------------------------------------------------------------
run_client named $'said after the name\n' --raw --name bot3
[[ $CODE == 0 ]] || fail "--name run exited $CODE"
eventually 5 has_line "$WORK/ear.out" "MSG #lobby [0-9]+ $TIME bot3 said after the name" ||
    fail "--name was not sent first"
pass "--name is sent first"

run_client taken $'ear\nbot4\nhello again\n' --raw
[[ $CODE == 0 ]] || fail "a refused name then a good one exited $CODE"
has_line "$WORK/taken.out" 'ERR name-taken .*' || fail "no name-taken"
has_line "$WORK/taken.out" 'WELCOME bot4 .*' || fail "the next line was not tried as the name"
eventually 5 has_line "$WORK/ear.out" "MSG #lobby [0-9]+ $TIME bot4 hello again" ||
    fail "lines after the name were lost"
pass "a refused name: the next line is the next try"

run_client refused $'not-to-be-sent\n' --raw --name ear
[[ $CODE == 4 ]] || fail "--name refused exited $CODE, not 4"
has_line "$WORK/refused.out" 'ERR name-taken .*' || fail "the refusal was not printed"
if grep -q 'not-to-be-sent' "$WORK/ear.out"; then
    fail "a line was sent although the name was refused"
fi
pass "--name refused exits 4"

# ---------------------------------------------------------------------------------------------
# Replies to the last lines are still printed: end of input waits for the server to finish.
run_client drain $'bot5\n/who\n/ping last\n' --raw
[[ $CODE == 0 ]] || fail "drain run exited $CODE"
has_line "$WORK/drain.out" 'USERS #lobby .*bot5.*' || fail "the /who answer was lost at end of input"
has_line "$WORK/drain.out" 'PONG last' || fail "the /ping answer was lost at end of input"
pass "output drained after end of input"

# ---------------------------------------------------------------------------------------------
# The client answers PING by itself: with a 1 s idle time-out the server pings at 0.5 s and drops
# a silent client at 1 s; a second PING proves the first was answered.
start_server --idle-timeout 1
start_bot quiet --raw --name quiet
eventually 6 at_least "$WORK/quiet.out" '^PING [0-9]+$' 2 ||
    fail "PING not answered (no second PING)"
if has_line "$WORK/quiet.out" 'BYE .*'; then
    fail "a quiet client was dropped for idling"
fi
pass "PING answered with /pong"

# ---------------------------------------------------------------------------------------------
# Exit codes.
timeout 10 "$CLIENT_BIN" --bogus </dev/null >"$WORK/usage.out" 2>"$WORK/usage.err"
CODE=$?
[[ $CODE == 2 ]] || fail "bad usage exited $CODE, not 2"
[[ $(wc -l <"$WORK/usage.err") == 1 ]] || fail "bad usage did not print exactly one line"
grep -q -- '--bogus' "$WORK/usage.err" || fail "the usage error does not name the flag"
timeout 10 "$CLIENT_BIN" --help >"$WORK/help.out" 2>&1 || fail "--help did not exit 0"
grep -q 'Exit status' "$WORK/help.out" || fail "--help does not document the exit codes"
pass "bad usage exits 2; --help documents the exit codes"

# Server stopped with TERM: BYE, then the client exits 5.
stop_server TERM
bot_wait quiet
[[ $CODE == 5 ]] || fail "a server BYE exited $CODE, not 5"
has_line "$WORK/quiet.out" 'BYE server shutting down' || fail "BYE not printed"
pass "closed by the server (BYE) exits 5"

# ---------------------------------------------------------------------------------------------
# A peer that is not a chat/2 server: one clear line, exit 1, and nothing sent to it. (Perl's
# core IO::Socket plays the peer; without perl this part is skipped.)

# fake_peer GREETING: listens on a free port (FAKE_PORT), sends GREETING to the first client,
# and once that client has closed, leaves whatever it sent in $WORK/fake.got.
fake_peer() {
    rm -f "$WORK"/fake.*
    (
        close_bot_fds
        exec perl -MIO::Socket::INET -e '
        my ($greeting, $dir) = @ARGV;
        my $s = IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1,
                                      ReuseAddr => 1) or die "listen: $!";
        open(my $p, ">", "$dir/fake.port.tmp") or die; print $p $s->sockport, "\n"; close $p;
        rename("$dir/fake.port.tmp", "$dir/fake.port") or die;
        my $c = $s->accept or exit 1;
        print $c $greeting;
        open(my $g, ">", "$dir/fake.got.tmp") or die;
        while (sysread($c, my $buf, 4096)) { print $g $buf; }
        close $g;
        rename("$dir/fake.got.tmp", "$dir/fake.got") or die;' "$1" "$WORK"
    ) &
    PIDS+=("$!")
    eventually 5 test -s "$WORK/fake.port" || fail "the fake peer did not start"
    FAKE_PORT=$(<"$WORK/fake.port")
}

if command -v perl >/dev/null; then
    fake_peer $'HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\n\r\n<html>no</html>\r\n'
    printf 'someone\nhello\n' | timeout 20 "$CLIENT_BIN" --port "$FAKE_PORT" --raw \
        >"$WORK/http.out" 2>"$WORK/http.err"
    CODE=$?
    [[ $CODE == 1 ]] || fail "a web server as peer exited $CODE, not 1"
    grep -qx "chat-client: 127.0.0.1:$FAKE_PORT does not speak the chat protocol (it said: HTTP/1.1 400 Bad Request)" \
        "$WORK/http.err" || fail "no clear message for a peer that is no chat server"
    [[ $(wc -l <"$WORK/http.err") == 1 ]] || fail "more than one line about a foreign peer"
    [[ ! -s $WORK/http.out ]] || fail "the foreign peer's page was printed"
    eventually 5 test -e "$WORK/fake.got" || fail "the client did not close the connection"
    [[ ! -s $WORK/fake.got ]] || fail "the client sent '$(<"$WORK/fake.got")' to a foreign peer"
    pass "a peer that is not a chat server: one line, exit 1, nothing sent"

    fake_peer $'HELLO chat/1 max-line=4096 Welcome!\n'
    timeout 20 "$CLIENT_BIN" --port "$FAKE_PORT" --name old </dev/null >"$WORK/old.out" \
        2>"$WORK/old.err"
    CODE=$?
    [[ $CODE == 1 ]] || fail "a chat/1 server exited $CODE, not 1"
    grep -q "speaks chat/1, but this client speaks chat/2" "$WORK/old.err" ||
        fail "another protocol version is not named"
    eventually 5 test -e "$WORK/fake.got" || fail "the client did not close the connection"
    [[ ! -s $WORK/fake.got ]] || fail "the client sent its name to a chat/1 server"
    pass "a chat/1 server is named as such: exit 1, nothing sent"
else
    echo "skip - no perl for a fake peer"
fi

# Nothing listens on that port now.
timeout 10 "$CLIENT_BIN" --port "$SERVER_PORT" </dev/null >"$WORK/nobody.out" 2>"$WORK/nobody.err"
CODE=$?
[[ $CODE == 1 ]] || fail "connection refused exited $CODE, not 1"
grep -q 'cannot connect' "$WORK/nobody.err" || fail "no clear message for a refused connection"
pass "connection refused exits 1"

# The first server dies: the listeners lose their connection and exit 3.
SERVER_PID=$FIRST_PID
stop_server KILL
bot_wait ear
[[ $CODE == 3 ]] || fail "a lost connection exited $CODE, not 3"
grep -q 'lost the connection' "$WORK/ear.err" || fail "no clear message for a lost connection"
pass "connection lost exits 3"
