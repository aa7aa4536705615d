#!/usr/bin/env bash
# The whole test suite from a fresh clone: dependencies, build, install, ctest
# (GoogleTest units, pg_regress, isolation, node-postgres, pg_dump) against a
# throwaway cluster that ctest starts and stops.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" "$root/build"
cd "$root/build"
ctest --output-on-failure --timeout 1200
