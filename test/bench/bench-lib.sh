#!/usr/bin/env bash
# Shared by scripts/bench.sh and scripts/bench-smoke.sh: find the binaries, start a server of
# each kind on a free loopback port, stop it. Source it; it defines functions and sets nothing
# else.

# bench_find_build DIR: sets CHAT_SERVER and CHAT_BENCH from a CMake build directory. The target
# chat-old is the chat-server binary in $CHAT_OLD_SERVER (the server before rooms, spoken to in
# chat/1), when that is set; chat-base is $CHAT_BASE_SERVER, an earlier chat/2 build to compare
# with side by side. chat keeps its history in memory only; chat-disk is the same binary keeping
# it in a SQLite file (a fresh one per run, removed by bench_stop).
bench_find_build() {
  local dir=$1
  CHAT_SERVER=$dir/server/chat-server
  CHAT_BENCH=$dir/test/bench/chat-bench
  for f in "$CHAT_SERVER" "$CHAT_BENCH"; do
    if [ ! -x "$f" ]; then
      echo "missing $f: build first (cmake -S . -B $dir && cmake --build $dir)" >&2
      return 1
    fi
  done
}

# bench_wait_port PORT: waits up to 10 s until something accepts on 127.0.0.1:PORT.
bench_wait_port() {
  local port=$1 i
  for i in $(seq 1 200); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.05
  done
  echo "nothing listens on 127.0.0.1:$port after 10 s" >&2
  return 1
}

# bench_start TARGET CPU [CHAT-FLAG ...]: starts chat-server (chat, chat-old), redis-server or
# nats-server on a free loopback port, pinned to CPU (empty: not pinned), at niceness $BENCH_NICE
# if set; the CHAT-FLAGs go to chat-server only (e.g. --default-room ''). Sets SERVER_PID and
# SERVER_PORT.
#
# --max-per-ip 0 and --max-clients 0 let the bench open 10,000 connections from 127.0.0.1; the
# bench itself raises its open-file limit to the hard limit, which must be above the clients.
#
# Every server gets the same allowance for a receiver that falls behind: 64 MiB of unsent output
# (chat --max-send-queue; Redis's pub/sub output-buffer limit; NATS's max_pending default). At the
# default 1 MiB, chat-server drops receivers as slow consumers within the first 50 ms of a
# throughput run, however fast they read: it queues a whole batch of input to every receiver
# before it writes any of it.
bench_start() {
  local target=$1 cpu=$2 pin=() server=$CHAT_SERVER
  shift 2
  [ -n "$cpu" ] && pin=(taskset -c "$cpu")
  [ -n "${BENCH_NICE:-}" ] && pin=(nice -n "$BENCH_NICE" "${pin[@]}")
  SERVER_PORT=$("$CHAT_BENCH" free-port) || return 1
  case $target in
    chat | chat-old | chat-base | chat-disk)
      local extra=()
      case $target in
        chat-old) server=$CHAT_OLD_SERVER ;;
        chat-base)
          server=$CHAT_BASE_SERVER
          extra=(--connect-rate 0)
          ;;
        chat) extra=(--connect-rate 0 --history-file none) ;;
        chat-disk)
          BENCH_HISTORY_DIR=$(mktemp -d)
          extra=(--connect-rate 0 --history-file "$BENCH_HISTORY_DIR/history.db")
          ;;
      esac
      "${pin[@]}" "$server" --port "$SERVER_PORT" --rate 0 --max-per-ip 0 --max-clients 0 \
        --idle-timeout 0 --max-send-queue $((64 << 20)) --log-level warn "${extra[@]}" "$@" &
      ;;
    redis)
      "${pin[@]}" redis-server --port "$SERVER_PORT" --bind 127.0.0.1 --save '' --appendonly no \
        --protected-mode no --maxclients 20000 --client-output-buffer-limit 'pubsub 64mb 0 0' \
        --logfile /dev/null &
      ;;
    nats)
      "${pin[@]}" nats-server -a 127.0.0.1 -p "$SERVER_PORT" >/dev/null 2>&1 &
      ;;
    *)
      echo "unknown target $target" >&2
      return 1
      ;;
  esac
  SERVER_PID=$!
  bench_wait_port "$SERVER_PORT"
}

# bench_stop: stops the server bench_start started.
bench_stop() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
  fi
  if [ -n "${BENCH_HISTORY_DIR:-}" ]; then
    if [ -f "$BENCH_HISTORY_DIR/history.db" ]; then
      # What the run stored, for docs/performance.md: the file after its last checkpoint.
      echo "history file: $(du -b "$BENCH_HISTORY_DIR/history.db" | cut -f1) bytes" \
        "$(du -bc "$BENCH_HISTORY_DIR"/history.db* | tail -1 | cut -f1) with WAL" >&2
    fi
    rm -rf "$BENCH_HISTORY_DIR"
    BENCH_HISTORY_DIR=
  fi
}

# bench_have TARGET: whether that server is installed (chat always is, once built).
bench_have() {
  case $1 in
    chat | chat-disk) return 0 ;;
    chat-base) [ -n "${CHAT_BASE_SERVER:-}" ] && [ -x "$CHAT_BASE_SERVER" ] ;;
    chat-old) [ -n "${CHAT_OLD_SERVER:-}" ] && [ -x "$CHAT_OLD_SERVER" ] ;;
    redis) command -v redis-server >/dev/null ;;
    nats) command -v nats-server >/dev/null ;;
  esac
}

# bench_busy_cores: how many cores' worth of CPU the whole machine used over the last second.
bench_busy_cores() {
  local a b
  a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  sleep 1
  b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat)
  awk -v a="$a" -v b="$b" -v hz="$(getconf CLK_TCK)" 'BEGIN {
    split(a, x, " "); split(b, y, " "); printf "%.2f\n", (y[1] - x[1]) / hz }'
}

# bench_wait_quiet MAX: on a shared machine, waits up to MAX seconds for other work to stop
# (under 0.2 cores busy), so that the next run is not measuring someone else's build.
bench_wait_quiet() {
  local max=$1 waited=0 busy
  while [ "$waited" -lt "$max" ]; do
    busy=$(bench_busy_cores)
    if awk -v b="$busy" 'BEGIN { exit !(b < 0.2) }'; then
      return 0
    fi
    [ "$waited" -eq 0 ] && echo "machine busy ($busy cores in use by others); waiting up to ${max}s" >&2
    waited=$((waited + 1))
  done
  echo "machine still busy ($busy cores); running anyway: see the other CPU column" >&2
}
