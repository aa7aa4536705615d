#!/usr/bin/env bash
# Cost of DDL provenance (issue: DDL provenance).
#
#   bash bench/ddl_log_bench.sh [N_TABLES] [ROUNDS]      defaults: 1000 7
#
# One migration of N x (CREATE TABLE + CREATE INDEX) applied with a single
# migrate_apply call, on a throwaway cluster with fsync on, each round on a
# fresh database, alternately with pg_migrate's event triggers enabled and
# disabled (ALTER EVENT TRIGGER ... DISABLE).  Prints the medians and the
# ratios enabled/disabled of the wall-clock time and of the backend's CPU time
# (user + system, from /proc: the triggers' cost is CPU, while wall-clock time
# on a shared machine also carries other processes' I/O); with the triggers on,
# the log must hold 2N rows.  Then the cost per DDL statement itself: 5,000
# COMMENT ON TABLE (about the cheapest DDL there is) with the triggers on and off.
# The extension must be installed (scripts/build.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-1000}"
rounds="${2:-7}"
. "$root/bench/throwaway_cluster.sh"
start_throwaway_cluster

{
  echo 'SELECT pg_backend_pid() AS pid \gset'
  echo '\setenv PGM_BACKEND :pid'
  echo "\\! awk '{ print \$14 + \$15 }' /proc/\$PGM_BACKEND/stat > $work/cpu_before"
  echo 'SELECT status FROM migrate_apply($v$001$v$, $m$'
  for i in $(seq 1 "$n"); do
    printf 'CREATE TABLE bench_%d (id bigint, payload text);\n' "$i"
    printf 'CREATE INDEX bench_%d_payload_idx ON bench_%d (payload);\n' "$i" "$i"
  done
  echo '$m$);'
  echo "\\! awk '{ print \$14 + \$15 }' /proc/\$PGM_BACKEND/stat > $work/cpu_after"
} >"$work/migration.sql"

triggers=(pg_migrate_guard pg_migrate_log_ddl pg_migrate_log_drop pg_migrate_log_rewrite)
now_ms() { date +%s%3N; }
fresh_db() {  # enable|disable
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
  psql -X -q -d bench -c "CREATE EXTENSION pg_migrate"
  for t in "${triggers[@]}"; do psql -X -q -d bench -c "ALTER EVENT TRIGGER $t ${1^^}"; done
}
time_apply() {  # enable|disable
  fresh_db "$1"
  local t0 t1
  t0=$(now_ms)
  psql -X -q -v ON_ERROR_STOP=1 -d bench -f "$work/migration.sql" >/dev/null
  t1=$(now_ms)
  local logged
  logged=$(psql -X -At -d bench -c "SELECT count(*) FROM migrate.ddl_log")
  if [ "$1" = enable ]; then test "$logged" = $((2 * n)); else test "$logged" = 0; fi
  # clock ticks of 10 ms
  echo "$((t1 - t0)) $((($(cat "$work/cpu_after") - $(cat "$work/cpu_before")) * 10))"
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

on="" off="" on_cpu="" off_cpu=""
for _ in $(seq 1 "$rounds"); do
  read -r wall cpu <<<"$(time_apply disable)"; off+="$wall "; off_cpu+="$cpu "
  read -r wall cpu <<<"$(time_apply enable)"; on+="$wall "; on_cpu+="$cpu "
done
echo "one migration of $n CREATE TABLE + $n CREATE INDEX, $rounds rounds, fsync on, PostgreSQL $(psql -X -At -d postgres -c 'SHOW server_version')"
for kind in wall cpu; do
  if [ $kind = wall ]; then a="$on" b="$off"; else a="$on_cpu" b="$off_cpu"; fi
  m_on=$(median <<<"$a"); m_off=$(median <<<"$b")
  echo "$kind ms, event triggers disabled: median ${m_off}   (runs: ${b})"
  echo "$kind ms, event triggers enabled:  median ${m_on}   (runs: ${a})"
  awk -v a="$m_on" -v b="$m_off" -v k="$kind" 'BEGIN { printf "%s ratio enabled/disabled: %.3f (target <= 1.15)\n", k, a / b }'
done

# Cost per statement: the cheapest DDL, logged or not.
comments='DO $$ BEGIN FOR i IN 1..5000 LOOP EXECUTE format($c$COMMENT ON TABLE t IS %L$c$, i); END LOOP; END $$'
per_statement() {  # enable|disable
  fresh_db "$1"
  psql -X -q -d bench -c "CREATE TABLE t (id int)"
  local t0 t1
  t0=$(date +%s%6N)
  psql -X -q -d bench -c "$comments"
  t1=$(date +%s%6N)
  echo $((t1 - t0))
}
c_on="" c_off=""
for _ in 1 2 3 4 5; do c_off+="$(per_statement disable) "; c_on+="$(per_statement enable) "; done
awk -v a="$(median <<<"$c_on")" -v b="$(median <<<"$c_off")" \
  'BEGIN { printf "5,000 COMMENT ON TABLE: %.0f ms with the triggers, %.0f ms without: %.1f us per logged statement\n", a / 1000, b / 1000, (a - b) / 5000 }'
