#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz, clang with ASan and UBSan) and runs
# each for SECONDS, starting from the seeds in tests/fuzz/seeds and the corpus
# kept in OUT_DIR.  Exits non-zero when a target finds a crash, a sanitizer
# report or a broken property (the input is saved in OUT_DIR as crash-*).
#
#   bash scripts/fuzz.sh [SECONDS] [OUT_DIR]      defaults: 20, build/fuzz
#
# ctest runs it briefly (fuzz); bench/fuzz_long.sh runs it for longer.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
seconds="${1:-20}"
out="${2:-$root/build/fuzz}"
cxx="${FUZZ_CXX:-clang++}"
command -v "$cxx" >/dev/null || { echo "fuzzing needs clang++ (scripts/install-deps.sh installs it)" >&2; exit 1; }
mkdir -p "$out"

sources=("$root/client/migration_source.cpp" "$root/client/migration_dir.cpp" "$root/client/streamed_file.cpp" "$root"/extension/core/*.cpp)
status=0
for target in fuzz_migration_source fuzz_migration_dir; do
  "$cxx" -std=c++17 -O1 -g -fno-omit-frame-pointer \
    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root/client" -I"$root/extension/core" \
    "${sources[@]}" "$root/tests/fuzz/$target.cpp" -lcrypto -o "$out/$target"
  mkdir -p "$out/corpus/$target"
  echo "== $target: $seconds s"
  if ! (cd "$out" && "./$target" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 \
        -artifact_prefix="$out/" "corpus/$target" "$root/tests/fuzz/seeds/$target" >"$target.log" 2>&1); then
    status=1
    tail -40 "$out/$target.log"
  fi
  grep -E "^stat::number_of_executed_units|^stat::peak_rss_mb|^#[0-9]+ +DONE" "$out/$target.log" || true
done
exit $status
