#!/usr/bin/env bash
# Quick start, part one: install what is missing, build in Release, run the daemon on its
# defaults (127.0.0.1:7777). Arguments are passed to chat-server.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec build/server/chat-server "$@"
