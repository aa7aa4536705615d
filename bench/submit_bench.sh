#!/usr/bin/env bash
# migrate_submit: how long a one-statement migration outside a transaction
# takes from the call to "applied", beside running the same statement
# directly.
#
#   bash bench/submit_bench.sh [RUNS]   default: 20
#
# On a throwaway cluster, with a table of 1,000 rows, RUNS times in turn:
#  - direct: psql -c 'CREATE INDEX CONCURRENTLY ...' (one process, one statement);
#  - submitted: one psql process sending SELECT migrate_submit(...) and then
#    SELECT migrate_wait(...) as two statements, as an SQL editor would;
# each timed as a whole process (wall clock), and on the server from the
# submission to the runner's end (migrate.submissions.finished_at -
# submitted_at).  Prints the medians and the ratio submitted / direct taken
# within each pair.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
runs="${1:-20}"
. "$root/bench/throwaway_cluster.sh"
start_throwaway_cluster --fast
psql -X -q -d postgres -c "CREATE DATABASE bench"
psql -X -q -v ON_ERROR_STOP=1 -d bench <<'SQL'
CREATE EXTENSION pg_migrate;
CREATE TABLE t AS SELECT g AS id FROM generate_series(1, 1000) g;
SQL
now_ms() { date +%s%3N; }
direct=() submitted=() server=() ratios=()
for i in $(seq "$runs"); do
  start=$(now_ms)
  psql -X -q -v ON_ERROR_STOP=1 -d bench -c "CREATE INDEX CONCURRENTLY direct_$i ON t (id)"
  direct+=($(( $(now_ms) - start )))
  start=$(now_ms)
  out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d bench \
    -c "SELECT status FROM migrate_submit('$(printf '%04d' "$i")', 'CREATE INDEX CONCURRENTLY submitted_$i ON t (id)')" \
    -c "SELECT status FROM migrate_wait('$(printf '%04d' "$i")')")
  submitted+=($(( $(now_ms) - start )))
  [ "$out" = $'queued\napplied' ] || { echo "run $i: $out" >&2; exit 1; }
done
mapfile -t server < <(psql -X -At -d bench -c \
  "SELECT round(extract(epoch FROM finished_at - submitted_at) * 1000) FROM migrate.submissions ORDER BY version")
python3 - "${direct[*]}" "${submitted[*]}" "${server[*]}" <<'PY'
import statistics, sys
direct, submitted, server = ([float(x) for x in a.split()] for a in sys.argv[1:4])
ratios = [s / d for s, d in zip(submitted, direct)]
print(f"runs: {len(direct)}")
print(f"direct CREATE INDEX CONCURRENTLY (psql, wall): median {statistics.median(direct):.0f} ms")
print(f"migrate_submit + migrate_wait (psql, wall):    median {statistics.median(submitted):.0f} ms")
print(f"submitted -> applied on the server:            median {statistics.median(server):.0f} ms")
print(f"ratio submitted / direct, pair by pair:        median {statistics.median(ratios):.2f} "
      f"(min {min(ratios):.2f}, max {max(ratios):.2f})")
PY
