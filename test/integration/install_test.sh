#!/usr/bin/env bash
# `cmake --install` into a scratch prefix: both binaries, the systemd unit (pointing at the
# installed server, with a state directory for the history), the example config; the installed
# server starts with that config and listens.
# Usage: install_test.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$prefix"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$prefix" >/dev/null
for f in bin/chat-server lib/systemd/system/chat-server.service \
         share/doc/chat-server/chat-server.conf.example; do
  [ -e "$prefix/$f" ] || fail "cmake --install did not install $f"
done
if grep -q '^CHAT_BUILD_CLIENT:BOOL=ON' "$build/CMakeCache.txt"; then
  [ -x "$prefix/bin/chat-client" ] || fail "chat-client not installed"
fi
"$prefix/bin/chat-server" --version | grep -q '^chat-server ' || fail "installed server does not run"

unit=$prefix/lib/systemd/system/chat-server.service
grep -q '^ExecStart=/.*/bin/chat-server --config /.*chat-server.conf' "$unit" ||
  fail "the unit does not run an installed server with a config"
grep -q '^StateDirectory=chat-server' "$unit" || fail "the unit has no state directory"
grep -q '^DynamicUser=yes' "$unit" || fail "the unit does not run unprivileged"
grep -q '^Restart=on-failure' "$unit" || fail "the unit is not restarted on failure"

# The example config is one the server accepts: start it on a free port, see it listen.
log=$prefix/server.log
"$prefix/bin/chat-server" --config "$prefix/share/doc/chat-server/chat-server.conf.example" \
  --port 0 --history-file "$prefix/history.db" 2>"$log" &
server_pid=$!
for _ in $(seq 50); do
  grep -q 'listening on 127.0.0.1:' "$log" && break
  sleep 0.1
done
grep -q 'listening on 127.0.0.1:' "$log" || fail "the example config did not start a server: $(cat "$log")"
echo "ok - cmake --install: binaries, systemd unit, example config"
