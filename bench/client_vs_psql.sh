#!/usr/bin/env bash
# pg_migrate up against psql on the same synthetic history, in alternating
# rounds on one throwaway cluster (fsync on): psql -1 (the floor), one psql
# session with a transaction per file, and pg_migrate up (and up --durable-each:
# a WAL flush at every commit, as psql's per-file session has).  Alternating rounds
# make the medians comparable on a noisy machine.
#
#   bash bench/client_vs_psql.sh [ROUNDS] [HISTORY_DIR]
#
# HISTORY_DIR: ../shared/bench's synthetic history (default the one
# bench/peer_bench.sh generates: ${PEERBENCH:-/tmp/peerbench}/migrations/n1000),
# with all.sql, plain/ and dbmate/ in it.  The client must be built.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
history="${2:-${PEERBENCH:-/tmp/peerbench}/migrations/n1000}"
client="$root/build/client/pg_migrate"
[ -f "$history/all.sql" ] || { echo "no synthetic history in $history: run bench/peer_bench.sh -n 1000 first" >&2; exit 1; }
[ -x "$client" ] || { echo "build the client first (scripts/build.sh)" >&2; exit 1; }

. "$root/bench/throwaway_cluster.sh"
start_throwaway_cluster

# One psql session, each file in its own transaction.
for f in $(ls "$history/plain"); do printf 'BEGIN;\n\\i %s\nCOMMIT;\n' "$history/plain/$f"; done >"$work/session.sql"

# Each run gets a database of its own, and none is dropped while the rounds
# run: on ext4, files deleted in the last minute make creating new ones slow
# (the inode allocator steps over them), so dropping the last run's database
# would slow the next run by seconds, unevenly.
runs=0
run_one() {
  runs=$((runs + 1))
  local db="bench_$runs"
  psql -X -q -d postgres -c "CREATE DATABASE $db"
  local start end
  start=$(date +%s.%N)
  case "$1" in
    psql-1tx) psql -X -q -1 -v ON_ERROR_STOP=1 -d "$db" -f "$history/all.sql" >/dev/null ;;
    psql-session) psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$work/session.sql" >/dev/null ;;
    pg_migrate) "$client" up -d "dbname=$db" --dir "$history/dbmate" >/dev/null ;;
    pg_migrate-durable-each) "$client" up -d "dbname=$db" --dir "$history/dbmate" --durable-each >/dev/null ;;
  esac
  end=$(date +%s.%N)
  echo "$1 $(echo "$end - $start" | bc)"
  # The schema snapshot a run of pg_migrate leaves to a background worker is
  # recorded before the next contender starts, not during its run.
  while [ "$(psql -X -At -d postgres -c "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type LIKE 'pg_migrate%'")" != 0 ]; do
    sleep 0.1
  done
}

for _ in $(seq "$rounds"); do
  for tool in psql-1tx psql-session pg_migrate pg_migrate-durable-each; do run_one "$tool"; done
done >"$work/times"
python3 - "$work/times" <<'PY'
import statistics, sys
times = {}
for line in open(sys.argv[1]):
    tool, t = line.split()
    times.setdefault(tool, []).append(float(t))
floor = statistics.median(times["psql-1tx"])
print(f"{'tool':<24}{'median s':>10}{'x psql -1':>11}   runs")
for tool in ("psql-1tx", "psql-session", "pg_migrate", "pg_migrate-durable-each"):
    m = statistics.median(times[tool])
    print(f"{tool:<24}{m:>10.3f}{m / floor:>11.2f}   " + " ".join(f"{t:.2f}" for t in sorted(times[tool])))
PY
