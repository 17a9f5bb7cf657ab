#!/usr/bin/env bash
# Builds the libFuzzer targets (test/fuzz/) with clang and runs each for a bounded time, starting
# from the seed corpus in the repository. Exits non-zero if any target crashes, breaks one of its
# invariants, leaks or times out; the inputs that did are kept in $BUILD_DIR/fuzz-artifacts/.
#
#   scripts/fuzz.sh                 # about 60 s of fuzzing in all
#   FUZZ_SECONDS=600 scripts/fuzz.sh
#
# New inputs found go to a scratch corpus, not into the repository's seeds.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build-fuzz}
TOTAL_SECONDS=${FUZZ_SECONDS:-60}
targets=(fuzz_line_framer fuzz_text_check fuzz_command)

for tool in clang clang++; do
  if ! command -v "$tool" >/dev/null; then
    echo "fuzz.sh: $tool not found (install clang and libclang-rt-14-dev)" >&2
    exit 2
  fi
done

CC=clang CXX=clang++ cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCHAT_BUILD_FUZZERS=ON -DCHAT_BUILD_TESTS=OFF -DCHAT_BUILD_CLIENT=OFF -DCHAT_BUILD_BENCH=OFF \
  >/dev/null
cmake --build "$BUILD_DIR" -j"$(nproc)" --target "${targets[@]}"

per_target=$((TOTAL_SECONDS / ${#targets[@]}))
if [ "$per_target" -lt 1 ]; then
  per_target=1
fi
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
artifacts="$BUILD_DIR/fuzz-artifacts"
mkdir -p "$artifacts"

failed=()
for target in "${targets[@]}"; do
  mkdir -p "$scratch/$target"
  echo "== $target: ${per_target} s"
  # -timeout: one input may take at most 10 s; -rss_limit_mb guards against a memory blow-up.
  if "$BUILD_DIR/test/fuzz/$target" -max_total_time="$per_target" -timeout=10 \
      -rss_limit_mb=2048 -max_len=4096 -print_final_stats=1 \
      -artifact_prefix="$artifacts/$target-" \
      "$scratch/$target" "test/fuzz/corpus/$target" >"$scratch/$target.log" 2>&1; then
    grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)' "$scratch/$target.log" || true
  else
    failed+=("$target")
    echo "!! $target failed; the end of its log:" >&2
    tail -n 40 "$scratch/$target.log" >&2
  fi
done

if [ "${#failed[@]}" -ne 0 ]; then
  echo "fuzz.sh: failed: ${failed[*]}; reproduce with $BUILD_DIR/test/fuzz/<target> <input>," \
    "inputs in $artifacts/" >&2
  exit 1
fi
echo "fuzz.sh: no crashes in ${#targets[@]} targets"
