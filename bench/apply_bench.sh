#!/usr/bin/env bash
# migrate_apply overhead benchmark (issue: core).
#
#   bash bench/apply_bench.sh [N_MIGRATIONS] [ROUNDS]      defaults: 1000 5
#
# On a throwaway cluster with fsync ON, each round times, on fresh databases:
#   floor   psql -1 running the N statements bare (one transaction)
#   apply   psql -1 running N x SELECT migrate_apply(version, statement) (one transaction)
#   apply_each   the same N calls, each in its own transaction (autocommit)
#   bare_each    the N statements, each in its own transaction (autocommit)
# and prints the medians, the ratio apply/floor and the per-migration overhead.
# The extension must be installed (scripts/build.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-1000}"
rounds="${2:-5}"
. "$root/bench/throwaway_cluster.sh"
start_throwaway_cluster

for i in $(seq 1 "$n"); do
  printf 'CREATE TABLE bench_%d (id bigint PRIMARY KEY, payload text NOT NULL DEFAULT '"''"');\n' "$i"
done >"$work/bare.sql"
awk '{ printf "SELECT status FROM migrate_apply('"'"'%05d'"'"', $m$%s$m$);\n", NR, $0 }' "$work/bare.sql" >"$work/apply.sql"

now_ms() { date +%s%3N; }
fresh_db() {
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
  psql -X -q -d bench -c "CREATE EXTENSION pg_migrate"
}
time_psql() {  # file, extra psql flags...
  local file="$1"; shift
  fresh_db
  local t0 t1
  t0=$(now_ms)
  psql -X -q -v ON_ERROR_STOP=1 -d bench "$@" -f "$file" >/dev/null
  t1=$(now_ms)
  echo $((t1 - t0))
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

declare -A runs
for r in $(seq 1 "$rounds"); do
  runs[floor]+="$(time_psql "$work/bare.sql" -1) "
  runs[apply]+="$(time_psql "$work/apply.sql" -1) "
  runs[bare_each]+="$(time_psql "$work/bare.sql") "
  runs[apply_each]+="$(time_psql "$work/apply.sql") "
  # sanity: every migration recorded
  test "$(psql -X -At -d bench -c 'SELECT count(*) FROM migrate.ledger')" = "$n"
done

m_floor=$(tr ' ' '\n' <<<"${runs[floor]}" | grep . | median)
m_apply=$(tr ' ' '\n' <<<"${runs[apply]}" | grep . | median)
m_bare_each=$(tr ' ' '\n' <<<"${runs[bare_each]}" | grep . | median)
m_apply_each=$(tr ' ' '\n' <<<"${runs[apply_each]}" | grep . | median)
echo "migrations: $n, rounds: $rounds, fsync on, PostgreSQL $(psql -X -At -d postgres -c 'SHOW server_version')"
echo "one transaction:   psql -1 bare ${m_floor} ms (floor), psql -1 migrate_apply ${m_apply} ms"
echo "autocommit:        bare ${m_bare_each} ms, migrate_apply ${m_apply_each} ms"
awk -v a="$m_apply" -v f="$m_floor" -v n="$n" -v ae="$m_apply_each" -v be="$m_bare_each" 'BEGIN {
  printf "ratio migrate_apply / psql -1 floor: %.3f (target <= 1.25)\n", a / f
  printf "per-migration overhead, one transaction: %.3f ms\n", (a - f) / n
  printf "per-migration overhead, autocommit:      %.3f ms\n", (ae - be) / n
}'
