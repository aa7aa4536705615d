#!/usr/bin/env bash
# Backend memory across many failing migrate_apply calls in ONE session.
#
#   bash bench/memory_failing_calls.sh [CALLS] [--check]      default 100000
#
# --check (used by ctest): part 1 only, and exit 1 when RSS grew by more than
# 1 MB between the first checkpoint (after warm-up) and the last.
#
# Part 1: CALLS failing calls cycling through the failure paths: a runtime
# error inside a statement (PostgreSQL error caught by the bridge and
# re-thrown), a syntax error (re-located into the script), a refused statement
# (C++ UserError), a psql meta-command, a changed script (checksum mismatch),
# an invalid version.  VmRSS is printed at 10% and every further 30%: flat
# numbers after warm-up mean nothing leaks per call.
#
# Part 2: failures that make PostgreSQL itself grow its caches (a rolled-back
# CREATE TABLE, a unique violation), each beside its plain PL/pgSQL twin, 20,000
# calls each: growth per call for both, so ours can be told from PostgreSQL's.
#
# Run as root (reads the backend's /proc entry).  The extension must be installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
calls="${1:-100000}"
check="${2:-}"
. "$root/bench/throwaway_cluster.sh"
start_throwaway_cluster --fast

fresh_db() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS memtest" -c "CREATE DATABASE memtest"
  psql -X -q -d memtest -c "CREATE EXTENSION pg_migrate" \
    -c "SELECT status FROM migrate_apply('001', 'CREATE TABLE t (id int PRIMARY KEY)')" >/dev/null
}
rss_line() { echo "\\! echo \"$1 \$(grep VmRSS /proc/\$BACKEND_PID/status | tr -s ' \\t' ' ')\""; }
prologue() { echo "SELECT pg_backend_pid() AS pid \\gset"; echo "\\setenv BACKEND_PID :pid"; }

echo "== part 1: $calls failing calls in one session"
fresh_db
failing=(
  "SELECT migrate_apply('002', E'SELECT 1;\\nSELECT 1/0;');"
  "SELECT migrate_apply('002', E'CREATE TABLE x (id int);\\nCREATE TABLEE y ();');"
  "SELECT migrate_apply('002', E'CREATE TABLE x (id int);\\nVACUUM t;');"
  "SELECT migrate_apply('002', E'CREATE TABLE x (id int);\\n\\\\set a 1');"
  "SELECT migrate_apply('001', 'CREATE TABLE t (id bigint PRIMARY KEY)');"
  "SELECT migrate_apply('0 2', 'SELECT 1');"
)
{
  prologue
  checkpoint=$((calls / 10))
  for i in $(seq 1 "$calls"); do
    echo "${failing[$((i % ${#failing[@]}))]}"
    if [ $((i % checkpoint)) = 0 ] && { [ "$i" = "$checkpoint" ] || [ $(((i / checkpoint - 1) % 3)) = 0 ]; }; then
      rss_line "after $i calls:"
    fi
  done
} >"$work/calls.sql"
psql -X -q -d memtest -f "$work/calls.sql" 2>"$work/errors.log" | tee "$work/rss.log"
errors=$(grep -c 'ERROR' "$work/errors.log")
rows=$(psql -X -At -d memtest -c 'SELECT count(*) FROM migrate.ledger')
echo "errors raised: $errors of $calls calls; ledger rows: $rows (the setup migration only)"
if [ "$check" = "--check" ]; then
  growth=$(awk '{ v[NR] = $(NF - 1) } END { print v[NR] - v[1] }' "$work/rss.log")
  echo "RSS growth after warm-up: ${growth} kB"
  passed=0; failed=0
  if [ "$errors" = "$calls" ] && [ "$rows" = 1 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  if [ "$growth" -le 1024 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
  echo "$passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit
fi

echo "== part 2: failures that grow PostgreSQL's own caches, beside their PL/pgSQL twins (20,000 calls)"
measure() {  # label, statement
  fresh_db
  {
    prologue
    for _ in $(seq 1 2000); do echo "$2"; done
    echo "SELECT 1 AS warm \\gset"; rss_line "A"
    for _ in $(seq 1 20000); do echo "$2"; done
    rss_line "B"
  } >"$work/kind.sql"
  psql -X -q -d memtest -f "$work/kind.sql" 2>/dev/null |
    awk -v label="$1" '/^A/ { a = $3 } /^B/ { b = $3 } END { printf "  %-58s %+8d kB  (%.0f bytes per call)\n", label, b - a, (b - a) * 1024 / 20000 }'
}
measure "migrate_apply: CREATE TABLE, then unique violation" "SELECT migrate_apply('002', E'CREATE TABLE x (id int);\\nINSERT INTO t VALUES (1), (1);');"
measure "PL/pgSQL twin: CREATE TABLE, then unique violation" "DO \$\$ BEGIN EXECUTE 'CREATE TABLE x (id int)'; EXECUTE 'INSERT INTO t VALUES (1), (1)'; END \$\$;"
measure "migrate_apply: unique violation" "SELECT migrate_apply('002', E'SELECT 1;\\nINSERT INTO t VALUES (1), (1);');"
measure "PL/pgSQL twin: unique violation" "DO \$\$ BEGIN EXECUTE 'SELECT 1'; EXECUTE 'INSERT INTO t VALUES (1), (1)'; END \$\$;"
