#!/usr/bin/env bash
# The libFuzzer targets for longer than ctest's short run (default 10 minutes
# each); prints executions and peak RSS per target.  The corpus grows in
# build/fuzz and is reused by later runs.
#   bash bench/fuzz_long.sh [SECONDS]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
exec bash "$root/scripts/fuzz.sh" "${1:-600}" "$root/build/fuzz"
