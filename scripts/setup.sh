#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, only those missing. Idempotent.
# Usage: scripts/setup.sh [extra-package ...]
set -euo pipefail

packages=(
  cmake g++ make pkg-config
  libboost1.81-dev libboost-program-options1.81-dev
  libspdlog-dev libfmt-dev catch2 libsqlite3-dev libsodium-dev
  libedit-dev tmux netcat-openbsd
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "setup: installing ${missing[*]}" >&2
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
