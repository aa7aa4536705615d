#!/usr/bin/env bash
# pg_migrate up over a fleet of databases beside psql applying the same files
# one database after another.
#
#   bash bench/fleet_bench.sh [DATABASES] [MIGRATIONS]   default: 200 20
#
# On a throwaway cluster (fsync on), DATABASES fresh databases each time:
#  - psql: for each database in turn, one `psql -1` over the MIGRATIONS files
#    (the fastest way psql applies them: one session, one transaction);
#  - pg_migrate up --fleet with --jobs 1, 4 and 8.
# Each timed as a whole (wall clock); for pg_migrate also the largest RSS of
# its processes (getrusage of the waited children: the fleet process and each
# database's client) and the most connections of application "pg_migrate"
# seen at once (pg_stat_activity sampled every 50 ms).  Prints the seconds and
# each run's ratio to psql's.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
count="${1:-200}"
migrations="${2:-20}"
client="$root/build/client/pg_migrate"
[ -x "$client" ] || { echo "build the client first (scripts/build.sh)" >&2; exit 1; }
. "$root/bench/throwaway_cluster.sh"
start_throwaway_cluster

dir="$work/migrations"
mkdir -p "$dir"
for i in $(seq -f %03g 1 "$migrations"); do
  printf 'CREATE TABLE t%s (id bigint PRIMARY KEY, v text);\nINSERT INTO t%s SELECT g, g::text FROM generate_series(1, 100) g;\nCREATE INDEX t%s_v ON t%s (v);\n' \
    "$i" "$i" "$i" "$i" >"$dir/${i}_t.sql"
done
fresh_databases() {
  for i in $(seq -f %03g 1 "$count"); do echo "DROP DATABASE IF EXISTS fleet_$i; CREATE DATABASE fleet_$i;"; done |
    psql -X -q -d postgres >/dev/null
  psql -X -q -d postgres -c "CHECKPOINT"
}
fleet="$work/fleet.txt"
for i in $(seq -f %03g 1 "$count"); do echo "dbname=fleet_$i"; done >"$fleet"

now() { date +%s.%N; }
fresh_databases
start=$(now)
for i in $(seq -f %03g 1 "$count"); do
  args=()
  for f in "$dir"/*.sql; do args+=(-f "$f"); done
  psql -X -q -1 -v ON_ERROR_STOP=1 -d "fleet_$i" "${args[@]}" >/dev/null
done
psql_s=$(python3 -c "print($(now) - $start)")
printf 'psql -1, one database after another: %.1f s\n' "$psql_s"

for jobs in 1 4 8; do
  fresh_databases
  ( while :; do psql -X -At -d postgres -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'pg_migrate'"; sleep 0.05; done ) \
    >"$work/connections.txt" 2>/dev/null & sampler=$!
  read -r seconds rss < <(python3 - "$client" "$fleet" "$dir" "$jobs" <<'PY'
import resource, subprocess, sys, time
client, fleet, directory, jobs = sys.argv[1:5]
start = time.monotonic()
rc = subprocess.run([client, "up", "--fleet", fleet, "--dir", directory, "--jobs", jobs],
                    stdout=subprocess.DEVNULL).returncode
elapsed = time.monotonic() - start
if rc != 0:
    sys.exit(f"the fleet run failed ({rc})")
print(f"{elapsed:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f}")
PY
)
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true
  peak=$(sort -n "$work/connections.txt" | tail -1)
  python3 -c "import sys; s, p = float(sys.argv[1]), float(sys.argv[2]); print(f'pg_migrate up --fleet --jobs {sys.argv[3]}: {s:.1f} s, {s / p:.2f}x psql; largest client process {sys.argv[4]} MB RSS; at most {sys.argv[5]} connections')" \
    "$seconds" "$psql_s" "$jobs" "$rss" "$peak"
done
