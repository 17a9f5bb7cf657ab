#!/usr/bin/env bash
# Runs the standard chat-bench scenarios against chat-server and, side by side, Redis pub/sub and
# nats-server, each server pinned to CPU 0 and the load generator to CPU 1, every scenario
# --runs times; prints the medians as the Markdown tables of docs/performance.md.
#
#   scripts/bench.sh [--build DIR] [--runs N] [--targets "chat redis nats"] [--quick]
#                    [--only "t100 l2000 ..."] [--raw FILE] [--quiet-wait SECONDS]
#                    [--heavy-runs N] [--nice N] [--old-server PATH]
#   scripts/bench.sh --from-raw FILE        (tables again from a --raw file of an earlier run)
#
# --old-server PATH adds the target chat-old: that chat-server binary (a build from before rooms,
# e.g. commit 9c99778), spoken to in chat/1 (chat-bench --protocol 1), in the one-room scenarios.
# --base-server PATH adds chat-base: an earlier chat/2 build, in every scenario. The target
# chat-disk is this build keeping its history in a SQLite file (chat: in memory only).
# The rooms scenarios (r*, m*, j*) start chat-server with --default-room '' so that its clients
# are in the run's rooms only; the join storms (j*) and memberships (m*) are chat-server's alone.
# The resume scenario (rs10000) runs on chat and chat-disk only, with --history-memory 20000 so
# that chat keeps in memory all that the resuming client missed.
# --quick shortens every scenario (for trying the script, not for quoting). --raw keeps every
# run's full output. Before each run the script waits up to --quiet-wait seconds (default 60)
# for the machine to be idle; the "other CPU" column shows what other work still ran. The two
# one-room 10,000-client scenarios (t10000, c10000) run --heavy-runs times (default 1): 10,000 chat
# clients in one room take minutes to register (see docs/performance.md). --nice N (e.g. -10, as root) runs the server and the
# bench at that niceness, so that other work on a shared machine disturbs them less. Exit
# status: 0 when every run of every scenario kept every message in order; 1 otherwise (the
# tables are printed either way).
set -u -o pipefail

build=build
runs=3
targets="chat redis nats"
quick=0
only=""
raw_out=""
quiet_wait=60
heavy_runs=1
CHAT_OLD_SERVER=
CHAT_BASE_SERVER=
BENCH_NICE=
from_raw=""
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --only) only=$2; shift 2 ;;
    --raw) raw_out=$2; shift 2 ;;
    --quiet-wait) quiet_wait=$2; shift 2 ;;
    --heavy-runs) heavy_runs=$2; shift 2 ;;
    --nice) BENCH_NICE=$2; shift 2 ;;
    --from-raw) from_raw=$2; shift 2 ;;
    --old-server) CHAT_OLD_SERVER=$2; shift 2 ;;
    --base-server) CHAT_BASE_SERVER=$2; shift 2 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) echo "unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

cd "$(dirname "$0")/.." || exit 2
# shellcheck source=test/bench/bench-lib.sh
source test/bench/bench-lib.sh
if [ -z "$from_raw" ]; then
  bench_find_build "$build" || exit 2
  if ! command -v taskset >/dev/null; then
    echo "taskset is needed (util-linux)" >&2
    exit 2
  fi
  if [ "$(nproc)" -lt 2 ]; then
    echo "needs 2 CPUs: the server on CPU 0, the load generator on CPU 1" >&2
    exit 2
  fi
fi

results=$(mktemp)
log=${raw_out:-$(mktemp)}
: >"$log"
trap 'bench_stop; rm -f "$results"; [ -n "$raw_out" ] || rm -f "$log"' EXIT

# The standard scenarios: label, then chat-bench arguments. Message counts keep every throughput
# run near 10 M deliveries. --window 10000 keeps each sender at most 10,000 messages ahead of
# one receiver: about 0.2 s of work in flight, never the limit on a pace, but it stops a run on
# a busy machine from measuring how big the server's queues can grow before it drops someone.
scenarios=(
  "t10|throughput --clients 10 --senders 10 --messages 100000 --window 10000"
  "t100|throughput --clients 100 --senders 10 --messages 10000 --window 10000"
  "t1000|throughput --clients 1000 --senders 10 --messages 1000 --window 10000"
  "t10000|throughput --clients 10000 --senders 10 --messages 100 --window 10000 --timeout 900"
  "l2000|latency --clients 100 --senders 10 --rate 2000 --duration 10"
  "l18000|latency --clients 100 --senders 10 --rate 18000 --duration 10"
  "c10000|connections --clients 10000 --hold 2 --timeout 900"
  "r1000|rooms --rooms 1000 --members 10 --messages 100 --window 100 --timeout 300"
  "rp1000|rooms --rooms 1000 --members 10 --rate 10000 --duration 10 --timeout 300"
  "m100|joins --clients 100 --rooms 50 --rooms-per-client 50"
  "m2000|joins --clients 2000 --rooms 1000 --rooms-per-client 50 --timeout 300"
  "j1000|joins --clients 1000 --rooms 100"
  "j5000|joins --clients 5000 --rooms 500 --timeout 300"
  "j10000|joins --clients 10000 --rooms 1000 --timeout 300"
  "rs10000|resume --clients 100 --senders 10 --missed 10000 --rate 2000 --duration 3"
)
if [ "$quick" = 1 ]; then
  scenarios=(
    "t10|throughput --clients 10 --senders 10 --messages 20000 --window 10000"
    "t100|throughput --clients 100 --senders 10 --messages 2000 --window 10000"
    "t1000|throughput --clients 1000 --senders 10 --messages 200 --window 10000"
    "l2000|latency --clients 100 --senders 10 --rate 2000 --duration 2"
    "l18000|latency --clients 100 --senders 10 --rate 18000 --duration 2"
    "c10000|connections --clients 2000 --hold 1"
    "r1000|rooms --rooms 200 --members 10 --messages 50 --window 50"
    "rp1000|rooms --rooms 200 --members 10 --rate 5000 --duration 2"
    "m100|joins --clients 100 --rooms 50 --rooms-per-client 50"
    "j1000|joins --clients 1000 --rooms 100"
    "rs10000|resume --clients 100 --senders 10 --missed 10000 --rate 2000 --duration 1"
  )
fi

if [ -n "$from_raw" ]; then
  scenarios=()
  awk '/^== / { label = $2; target = $3 } /^RESULT / { print label, target, $0 }' "$from_raw" \
    >"$results"
fi

for entry in "${scenarios[@]}"; do
  label=${entry%%|*}
  read -r -a args <<<"${entry#*|}"
  if [ -n "$only" ] && [[ " $only " != *" $label "* ]]; then
    continue
  fi
  n_runs=$runs
  [[ $label == [tc]10000 ]] && n_runs=$heavy_runs
  # Runs take turns between the targets (chat, redis, nats, chat, ...), so that a noisy spell on
  # a shared machine falls on all of them rather than on one target's runs.
  for run in $(seq 1 "$n_runs"); do
    for target in $targets; do
      if ! bench_have "$target"; then
        [ "$run" = 1 ] && echo "skipping $target: not installed" >&2
        continue
      fi
      # chat-old has one room and speaks chat/1; joins measure chat-server only; resume needs
      # this build (chat-base may be older than resume).
      many_rooms=0
      [[ $label == [mj]* || ($label == r* && $label != rs*) ]] && many_rooms=1
      [[ $target == chat-old && $many_rooms == 1 ]] && continue
      [[ $target != chat* && $label == [mj]* ]] && continue
      [[ $label == rs* && $target != chat && $target != chat-disk ]] && continue
      target_args=(--target "$target")
      [ "$target" = chat-old ] && target_args=(--target chat --protocol 1)
      [[ $target == chat-base || $target == chat-disk ]] && target_args=(--target chat)
      chat_flags=()
      [ "$many_rooms" = 1 ] && chat_flags=(--default-room "")
      # chat keeps history in memory only (--history-file none): room enough for what the
      # resuming client missed (--missed, then the first paced phase); ignored by chat-disk.
      [[ $label == rs* ]] && chat_flags=(--history-memory 20000)
      [ "$quiet_wait" -gt 0 ] && bench_wait_quiet "$quiet_wait"
      echo "== $label $target run $run/$n_runs: chat-bench ${args[*]}" | tee -a "$log" >&2
      if ! bench_start "$target" 0 "${chat_flags[@]}" >>"$log" 2>&1; then
        echo "$label $target RESULT ok=0 error=server-did-not-start" >>"$results"
        bench_stop
        continue
      fi
      out=$(${BENCH_NICE:+nice -n "$BENCH_NICE"} taskset -c 1 "$CHAT_BENCH" "${args[@]}" \
        "${target_args[@]}" --port "$SERVER_PORT" --server-pid "$SERVER_PID" 2>&1)
      bench_stop
      printf '%s\n' "$out" >>"$log"
      line=$(printf '%s\n' "$out" | grep '^RESULT ' | tail -1)
      [ -n "$line" ] || line="RESULT ok=0"
      printf '%s\n' "$out" | grep -E '^(FAILED|note|other processes)' >&2
      echo "$label $target $line" >>"$results"
    done
  done
done

# Medians per (scenario, target). A figure is the median over the runs that reported it; the
# "ok" column counts runs that lost and reordered nothing.
awk -v runs="$runs" '
function median(key,    n, i, j, t, v, a) {
  n = split(vals[key], a, " ")
  if (n == 0 || vals[key] == "") return "n/a"
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
  return a[int((n + 1) / 2)]
}
function m(id, k) { return median(id SUBSEP k) }
function fmt_rate(v) { return v == "n/a" ? v : sprintf("%.2f M", v / 1e6) }
function fmt_kib(v) { return v == "n/a" ? v : sprintf("%.1f", v / 1024) }
{
  id = $1 SUBSEP $2
  if (!(id in seen)) { seen[id] = 1; order[++count] = id }
  total[id]++
  for (i = 4; i <= NF; i++) {
    split($i, kv, "=")
    if (kv[2] != "na" && kv[2] != "") vals[id SUBSEP kv[1]] = vals[id SUBSEP kv[1]] " " kv[2]
    if (kv[1] == "ok" && kv[2] == "1") good[id]++
  }
}
END {
  print "### Throughput: 10 senders (every client sends when there are 10), 64-byte messages\n"
  print "| clients | server | deliveries/s | server CPU ns/delivery | write calls/delivery | server CPU | bench CPU | other CPU | bench-bound runs | lost / reordered | runs ok |"
  print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for (c = 1; c <= count; c++) {
    id = order[c]; split(id, p, SUBSEP)
    if (p[1] !~ /^t/) continue
    bb = 0; n = split(vals[id SUBSEP "bench_bound"], a, " "); for (i = 1; i <= n; i++) bb += a[i]
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %d | %s / %s | %d/%d |\n", substr(p[1], 2), p[2],
      fmt_rate(m(id, "deliveries_per_s")), m(id, "server_ns_per_delivery"),
      m(id, "server_writes_per_delivery"), m(id, "server_cpu"), m(id, "bench_cpu"),
      m(id, "other_cpu"), bb, m(id, "lost"), m(id, "reordered"), good[id], total[id]
  }
  print "\n### Latency: 100 clients, 10 senders taking turns, evenly paced, one-way (µs)\n"
  print "| msgs/s | server | p50 | p99 | p99.9 | max | server CPU ns/delivery | write calls/delivery | bench max lag | runs ok |"
  print "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"
  for (c = 1; c <= count; c++) {
    id = order[c]; split(id, p, SUBSEP)
    if (p[1] !~ /^l/) continue
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %d/%d |\n", substr(p[1], 2), p[2],
      m(id, "p50_us"), m(id, "p99_us"), m(id, "p999_us"), m(id, "max_us"),
      m(id, "server_ns_per_delivery"), m(id, "server_writes_per_delivery"),
      m(id, "max_send_lag_us"), good[id], total[id]
  }
  print "\n### Idle registered connections\n"
  print "| clients | server | RSS per connection (KiB) | RSS before / holding / after they left (MiB) | server CPU µs per connect+register | write calls per connect+register | runs ok |"
  print "|---:|---|---:|---|---:|---:|---:|"
  for (c = 1; c <= count; c++) {
    id = order[c]; split(id, p, SUBSEP)
    if (p[1] !~ /^c/) continue
    printf "| %s | %s | %s | %s / %s / %s | %s | %s | %d/%d |\n", m(id, "clients"), p[2],
      (m(id, "server_rss_per_conn_bytes") == "n/a" ? "n/a" : sprintf("%.2f", m(id, "server_rss_per_conn_bytes") / 1024)),
      fmt_kib(m(id, "server_rss_base_kib")), fmt_kib(m(id, "server_rss_held_kib")),
      fmt_kib(m(id, "server_rss_after_kib")), m(id, "server_us_per_conn"),
      m(id, "server_writes_per_conn"), good[id], total[id]
  }
  print "\n### Many rooms: every member sends to its own room, 64-byte messages\n"
  print "| rooms × members | server | sending | deliveries/s | server CPU ns/delivery | write calls/delivery | server CPU | bench CPU | other CPU | p99 µs | lost / reordered | runs ok |"
  print "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for (c = 1; c <= count; c++) {
    id = order[c]; split(id, p, SUBSEP)
    if (p[1] !~ /^r/ || p[1] ~ /^rs/) continue
    how = (vals[id SUBSEP "rate"] != "") ? sprintf("%s msgs/s", m(id, "rate")) : sprintf("flat out, %s each", m(id, "messages"))
    printf "| %s × %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %d/%d |\n", m(id, "rooms"),
      m(id, "members"), p[2], how, fmt_rate(m(id, "deliveries_per_s")), m(id, "server_ns_per_delivery"),
      m(id, "server_writes_per_delivery"), m(id, "server_cpu"), m(id, "bench_cpu"), m(id, "other_cpu"),
      m(id, "p99_us"), m(id, "lost"), m(id, "reordered"), good[id], total[id]
  }
  print "\n### Joining rooms (chat-server): all clients join at once\n"
  print "| clients | rooms | rooms per client | seconds | joins/s | server CPU µs/join | write calls/join | RSS per membership (bytes) | RSS registered / joined (MiB) | runs ok |"
  print "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"
  for (c = 1; c <= count; c++) {
    id = order[c]; split(id, p, SUBSEP)
    if (p[1] !~ /^[mj]/) continue
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %d/%d |\n", m(id, "clients"), m(id, "rooms"),
      m(id, "rooms_per_client"), m(id, "seconds"), m(id, "joins_per_s"), m(id, "server_us_per_join"),
      m(id, "server_writes_per_join"), m(id, "server_rss_per_membership_bytes"),
      fmt_kib(m(id, "server_rss_registered_kib")), fmt_kib(m(id, "server_rss_joined_kib")), good[id], total[id]
  }
  print "\n### Resume (chat-server): one client resumes while 100 others get paced traffic, their one-way latency (µs)\n"
  print "| missed | server | msgs/s | replayed | to RESUMED (ms) | p99 before / during | max before / during | p99 / max while replaying | runs ok |"
  print "|---:|---|---:|---:|---:|---|---|---|---:|"
  for (c = 1; c <= count; c++) {
    id = order[c]; split(id, p, SUBSEP)
    if (p[1] !~ /^rs/) continue
    printf "| %s | %s | %s | %s | %s | %s / %s | %s / %s | %s / %s | %d/%d |\n", m(id, "missed"), p[2],
      m(id, "rate"), m(id, "replayed"), m(id, "resume_ms"), m(id, "base_p99_us"), m(id, "during_p99_us"),
      m(id, "base_max_us"), m(id, "during_max_us"), m(id, "replaying_p99_us"), m(id, "replaying_max_us"),
      good[id], total[id]
  }
}' "$results"

echo
if [ -n "$from_raw" ]; then
  echo "Medians over the runs recorded in $from_raw."
else
  echo "Medians of $runs run(s) each ($heavy_runs for t10000 and c10000)${BENCH_NICE:+, at nice $BENCH_NICE}; $(date -u +%Y-%m-%d), $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')), Linux $(uname -r)."
fi

! awk '{ for (i = 4; i <= NF; i++) if ($i == "ok=0") bad = 1 } END { exit !bad }' "$results"
