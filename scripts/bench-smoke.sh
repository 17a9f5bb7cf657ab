#!/usr/bin/env bash
# A few seconds of chat-bench against the real chat-server, for CI: checks correctness only
# (every receiver gets every message exactly once and in each sender's order, in one room and in
# many; idle clients register and stay; every join is answered and announced; a client that lost
# its connection resumes and gets all it missed), never speed.
# Exits non-zero on any loss, reorder or failed run.
#
#   scripts/bench-smoke.sh [BUILD_DIR]     (default: build)
set -u -o pipefail

cd "$(dirname "$0")/.." || exit 2
# shellcheck source=test/bench/bench-lib.sh
source test/bench/bench-lib.sh
bench_find_build "${1:-build}" || exit 2
trap bench_stop EXIT

failed=0
chat_flags=()
smoke() {
  bench_start chat "" "${chat_flags[@]}" || { failed=1; return; }
  local out rc
  out=$("$CHAT_BENCH" "$@" --port "$SERVER_PORT" --server-pid "$SERVER_PID" --settle 0 \
    --timeout 30 2>&1)
  rc=$?
  bench_stop
  printf '%s\n' "$out" | grep -E '^(RESULT|FAILED|note)'
  if [ "$rc" -ne 0 ]; then
    echo "bench-smoke: FAILED: chat-bench $*" >&2
    failed=1
  fi
}

smoke throughput --clients 50 --senders 5 --messages 2000
smoke throughput --clients 5 --senders 5 --messages 20000 --size 200
smoke latency --clients 20 --senders 4 --rate 2000 --duration 1
smoke connections --clients 500 --hold 0.5
# Many rooms with the default room kept (every client in #lobby too), then without it.
smoke rooms --rooms 20 --members 5 --messages 200
chat_flags=(--default-room "")
smoke rooms --rooms 20 --members 5 --rate 2000 --duration 0.5
smoke joins --clients 100 --rooms 10 --rooms-per-client 5
chat_flags=(--history-memory 20000)
smoke resume --clients 20 --senders 4 --missed 2000 --rate 1000 --duration 0.5

if [ "$failed" -ne 0 ]; then
  echo "bench-smoke: FAILED" >&2
  exit 1
fi
echo "bench-smoke: ok (nothing lost, nothing reordered)"
