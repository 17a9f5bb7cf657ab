#!/usr/bin/env bash
# Quick start, part two: install what is missing, build in Release with warnings as errors,
# and run every test through ctest. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh -DCHAT_WERROR=ON
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure -j2 --timeout 300
