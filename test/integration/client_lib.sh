# shellcheck shell=bash disable=SC2034,SC2016,SC2119
# (SC2034: CODE and friends are for the sourcing test; SC2016: commands for tmux's shell are
# quoted on purpose; SC2119: the helpers take no positional defaults.)
#
# Helpers for chat-client's end-to-end tests, sourced by test/integration/client_*_test.sh.
#
# Everything runs on 127.0.0.1: a real chat-server on --port 0 (its port read from the
# "listening on 127.0.0.1:PORT" log line), scripted clients on FIFOs that stay open for as long
# as a test needs, and interactive clients inside a private tmux server (its own socket, so a
# user's tmux is never touched). Waiting is always polling with a deadline, never a bare sleep.
# Everything started here is stopped on exit, pass or fail.
#
# Usage from a test:  source client_lib.sh SERVER_BINARY CLIENT_BINARY

set -u

SERVER_BIN=$1
CLIENT_BIN=$2
WORK=$(mktemp -d "${TMPDIR:-/tmp}/chat-client-test.XXXXXX")
TMUX_SOCKET="chat-client-test-$$"
PIDS=()
declare -A BOT_FD=() BOT_PID=()
SERVER_PID=
SERVER_PORT=
SERVER_LOG=
SERVER_COUNT=0

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do
        kill -KILL "$pid" 2>/dev/null
        { wait "$pid"; } 2>/dev/null
    done
    if command -v tmux >/dev/null; then
        tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# Prints what there is to see, then fails the test.
fail() {
    echo "FAIL: $*" >&2
    local f
    for f in "$WORK"/*.log "$WORK"/*.out "$WORK"/*.err; do
        [[ -s $f ]] || continue
        echo "----- ${f##*/}" >&2
        tail -n 40 "$f" >&2
    done
    if command -v tmux >/dev/null; then
        local s
        for s in $(tmux -L "$TMUX_SOCKET" list-sessions -F '#S' 2>/dev/null); do
            echo "----- tmux pane $s" >&2
            tmux -L "$TMUX_SOCKET" capture-pane -p -t "$s" >&2
        done
    fi
    exit 1
}

pass() {
    echo "ok - $*"
}

now_ms() {
    local t=${EPOCHREALTIME/./}
    echo $((t / 1000))
}

# eventually SECONDS COMMAND...: runs COMMAND every 50 ms until it succeeds; fails after SECONDS.
eventually() {
    local deadline=$(($(now_ms) + $1 * 1000))
    shift
    until "$@"; do
        if (($(now_ms) > deadline)); then
            return 1
        fi
        sleep 0.05
    done
}

# ---------------------------------------------------------------------------------------------
# The server

declare -A HISTORY_OF_PORT=()

# start_server [ARGS...]: starts chat-server (--port 0 unless ARGS name one, no flood control
# unless ARGS set one, its history in a file of its own under $WORK, which a server started
# later on the same port takes over: a restart)
# and waits until it listens; sets SERVER_PID, SERVER_PORT, SERVER_LOG.
start_server() {
    SERVER_COUNT=$((SERVER_COUNT + 1))
    SERVER_LOG="$WORK/server-$SERVER_COUNT.log"
    # A history file per server, kept for the next one on the same port (a restart): two
    # servers at once cannot share one (the second is refused).
    local history="$WORK/history-$SERVER_COUNT.db" want_port="" prev=""
    for a in "$@"; do
        [[ $prev == --port ]] && want_port=$a
        prev=$a
    done
    [[ -n $want_port && -n ${HISTORY_OF_PORT[$want_port]:-} ]] && history=${HISTORY_OF_PORT[$want_port]}
    local args=(--rate 0 --history-file "$history")
    [[ " $* " == *" --port "* ]] || args+=(--port 0)
    (
        close_bot_fds
        exec "$SERVER_BIN" "${args[@]}" "$@" 2>"$SERVER_LOG"
    ) &
    SERVER_PID=$!
    PIDS+=("$SERVER_PID")
    eventually 5 grep -qs 'listening on 127.0.0.1:' "$SERVER_LOG" ||
        fail "chat-server did not start"
    SERVER_PORT=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$SERVER_LOG" | head -n1 | cut -d: -f2)
    HISTORY_OF_PORT[$SERVER_PORT]=$history
}

# stop_server [SIGNAL]: stops the server (TERM by default) and waits for it to be gone.
stop_server() {
    local gone=0
    # Quietly: bash would report "Killed" for it at some later command.
    {
        kill -s "${1:-TERM}" "$SERVER_PID"
        eventually 5 not_running "$SERVER_PID" && gone=1
        wait "$SERVER_PID"
    } 2>/dev/null
    ((gone)) || fail "chat-server $SERVER_PID did not stop"
}

not_running() {
    ! kill -0 "$1" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# Scripted clients on FIFOs: long-lived pipes written line by line.

# start_bot ID CLIENT-ARGS...: runs chat-client with stdin from a FIFO kept open by this shell;
# stdout goes to $WORK/ID.out, stderr to $WORK/ID.err.
start_bot() {
    local id=$1
    shift
    mkfifo "$WORK/$id.in"
    (
        close_bot_fds
        exec "$CLIENT_BIN" --port "$SERVER_PORT" "$@" <"$WORK/$id.in" >"$WORK/$id.out" \
            2>"$WORK/$id.err"
    ) &
    BOT_PID[$id]=$!
    PIDS+=("$!")
    local fd
    exec {fd}>"$WORK/$id.in"
    BOT_FD[$id]=$fd
}

# The writing ends of the FIFOs stay in this shell only: a child holding one would keep that
# bot from ever seeing the end of its input.
close_bot_fds() {
    local fd
    for fd in "${BOT_FD[@]}"; do
        exec {fd}>&-
    done
}

# bot_say ID LINE: the bot's script writes LINE.
bot_say() {
    printf '%s\n' "$2" >&"${BOT_FD[$1]}"
}

# bot_end ID: closes the bot's input (end of input).
bot_end() {
    local fd=${BOT_FD[$1]}
    exec {fd}>&-
    unset 'BOT_FD[$1]'
}

# bot_wait ID [SECONDS]: waits for the bot to exit; sets CODE to its exit code. (Not for use
# inside $(...): a subshell cannot wait for this shell's children.)
bot_wait() {
    local pid=${BOT_PID[$1]}
    eventually "${2:-10}" not_running "$pid" || fail "client $1 did not exit"
    wait "$pid"
    CODE=$?
}

# has_line FILE REGEX: some whole line of FILE matches the extended REGEX.
has_line() {
    grep -Eqx -- "$2" "$1" 2>/dev/null
}

# ---------------------------------------------------------------------------------------------
# Interactive clients in tmux

tm() {
    tmux -L "$TMUX_SOCKET" -f /dev/null "$@"
}

need_tmux() {
    if ! command -v tmux >/dev/null; then
        echo "SKIP: tmux is not installed" >&2
        exit 77
    fi
}

# start_tty ID COMMAND: runs COMMAND (a shell command line) in a 100x30 tmux pane; once it ends
# the pane shows EXIT=<code> and TTY=cooked (or TTY=raw if the terminal was not given back),
# and stays.
start_tty() {
    local after='echo EXIT=$?; case $(stty -a) in *-icanon*) echo TTY=raw;;'
    after+=' *) echo TTY=cooked;; esac'
    (
        close_bot_fds
        tm new-session -d -s "$1" -x 100 -y 30 "$2; $after; sleep 600"
    )
}

pane() {
    tm capture-pane -p -t "$1"
}

# pane_has ID REGEX: some line of the pane matches the extended REGEX.
pane_has() {
    pane "$1" | grep -Eq -- "$2"
}

# wait_pane ID REGEX [SECONDS]: polls the pane until a line matches.
wait_pane() {
    eventually "${3:-5}" pane_has "$1" "$2" || fail "pane $1 never showed /$2/"
}

# last_line ID: the last non-blank line of the pane (trailing spaces are not kept).
last_line() {
    pane "$1" | sed '/^[[:space:]]*$/d' | tail -n 1
}

# type_text ID TEXT: types TEXT literally; press ID KEY...: presses keys (Enter, Tab, Up, C-c).
type_text() {
    tm send-keys -t "$1" -l -- "$2"
}

press() {
    local id=$1
    shift
    tm send-keys -t "$id" "$@"
}

cursor_x() {
    tm display-message -p -t "$1" '#{cursor_x}'
}
