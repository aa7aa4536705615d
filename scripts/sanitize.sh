#!/usr/bin/env bash
# Builds the client and the unit tests with AddressSanitizer and
# UndefinedBehaviorSanitizer (build/sanitize) and runs the unit tests; with
# --client also the client suite (tests/client) against the server in the PG*
# variables, with the sanitized client.  Any sanitizer report fails the run.
#
#   bash scripts/sanitize.sh [--client]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build/sanitize"
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer -O1 -g"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
cmake --build "$build" --target unit_tests pg_migrate_client -j"$(nproc)" >/dev/null
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
"$build/tests/unit_tests" --gtest_brief=1
if [ "${1:-}" = "--client" ]; then
  bash "$root/tests/client/client_test.sh" "$build/client/pg_migrate" "$root"
fi
