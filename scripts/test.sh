#!/usr/bin/env bash
# The whole test suite from a fresh clone, on each PostgreSQL major it is
# tested on: dependencies, the server (Debian 12's 15; 18 built once from
# upstream's source into a cache, scripts/pg-server.sh), build, install, and
# ctest (GoogleTest units, pg_regress, isolation, TAP, node-postgres, pg_dump,
# upgrade, client, pg_cron, Citus) against throwaway clusters that ctest starts and
# stops.  The later majors also run pg_upgrade from the first (TAP).
#
#   scripts/test.sh                 15, then 18
#   scripts/test.sh --major 18      one major (repeat --major for more)
#
# Suites that do not depend on the server (sanitize, fuzz) run with the first
# major only.  The summary gives each major's result, then the total.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
majors=()
while [ $# -gt 0 ]; do
  case "$1" in
    --major) majors+=("$2"); shift 2 ;;
    --major=*) majors+=("${1#--major=}"); shift ;;
    *) echo "usage: scripts/test.sh [--major N ...]" >&2; exit 2 ;;
  esac
done
[ ${#majors[@]} -gt 0 ] || majors=(15 18)

bash "$root/scripts/install-deps.sh"

summary=()
total_passed=0
total_failed=0
total_skipped=0
first="${majors[0]}"
for major in "${majors[@]}"; do
  started=$SECONDS
  echo
  echo "==== PostgreSQL $major"
  options=()
  if [ "$major" != "$first" ]; then
    options+=(-DPGM_SERVER_INDEPENDENT_TESTS=OFF)
    # pg_upgrade from the first major, whose build is installed by now.
    options+=(-DPGM_UPGRADE_FROM_PG_CONFIG="$(bash "$root/scripts/pg-server.sh" "$first")")
  else
    options+=(-DPGM_SERVER_INDEPENDENT_TESTS=ON -DPGM_UPGRADE_FROM_PG_CONFIG=)
  fi
  build="$root/build"
  [ "$major" = 15 ] || build="$root/build-pg$major"
  if ! bash "$root/scripts/build.sh" --major "$major" "$build" -- "${options[@]}"; then
    summary+=("PostgreSQL $major: the build failed")
    total_failed=$((total_failed + 1))
    continue
  fi
  # Citus for the majors it supports, from ../shared/vendor (77: none here, its suite is skipped).
  citus_rc=0
  bash "$root/scripts/citus.sh" "$major" || citus_rc=$?
  if [ "$citus_rc" -ne 0 ] && [ "$citus_rc" -ne 77 ]; then
    summary+=("PostgreSQL $major: the Citus build failed")
    total_failed=$((total_failed + 1))
  fi
  version="$("$(bash "$root/scripts/pg-server.sh" "$major")" --version | sed 's/^PostgreSQL //')"
  log="$build/ctest.log"
  (cd "$build" && ctest --output-on-failure --timeout 1200) 2>&1 | tee "$log" || true
  # ctest's closing line: "NN% tests passed, F tests failed out of T".
  counts="$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1 || true)"
  if [ -z "$counts" ]; then
    summary+=("PostgreSQL $version: ctest did not finish ($((SECONDS - started)) s)")
    total_failed=$((total_failed + 1))
    continue
  fi
  failed="$(echo "$counts" | sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/')"
  all="$(echo "$counts" | sed -E 's/.* failed out of ([0-9]+).*/\1/')"
  # Suites that exit 77 (pg_cron without pg_cron) are listed as "(Skipped)".
  skipped="$(grep -cE '^\s+[0-9]+ - .* \(Skipped\)$' "$log" || true)"
  passed=$((all - failed - skipped))
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
  line="PostgreSQL $version: $passed passed, $failed failed"
  [ "$skipped" -eq 0 ] || line+=", $skipped skipped ($(grep -E '\(Skipped\)$' "$log" | awk '{print $3}' | paste -sd, -))"
  line+=" ($((SECONDS - started)) s)"
  if [ "$failed" -gt 0 ]; then
    line+="; failed: $(sed -n '/The following tests FAILED/,$p' "$log" | grep -oE '^\s+[0-9]+ - [^ ]+' |
                       awk '{print $3}' | paste -sd, -)"
  fi
  summary+=("$line")
done

echo
echo "==== summary"
printf '%s\n' "${summary[@]}"
if [ "$total_skipped" -eq 0 ]; then
  echo "$total_passed passed, $total_failed failed"
else
  echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
fi
[ "$total_failed" -eq 0 ]
