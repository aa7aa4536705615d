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
# Then, the fleet at the head: status --fleet, verify --fleet and
# report --fleet --html with --jobs 8, beside psql reading migrate_status() /
# running migrate_verify() one database after another; the report's largest
# client process and page size, and the report of a tenth of the fleet (its
# largest process: memory does not grow with the number of databases).
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

# --- Reading the fleet (every database at the head after the last run) -------
timed() {  # timed NAME COMMAND...: prints "seconds largest_child_rss_mb"
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
start = time.monotonic()
subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(f"{time.monotonic() - start:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f}")
PY
}
psql_each() {  # one psql per database, one after another
  local start; start=$(now)
  for i in $(seq -f %03g 1 "$count"); do psql -X -q -At -d "fleet_$i" -c "$1" >/dev/null; done
  python3 -c "print($(now) - $start)"
}
status_psql=$(psql_each "SELECT count(*) FROM migrate_status()")
verify_psql=$(psql_each "SELECT count(*) FROM migrate_verify()")
read -r status_s _ < <(timed status "$client" status --fleet "$fleet" --dir "$dir" --jobs 8)
read -r verify_s _ < <(timed verify "$client" verify --fleet "$fleet" --dir "$dir" --jobs 8)
read -r report_s report_rss < <(timed report "$client" report --fleet "$fleet" --dir "$dir" --jobs 8 --html "$work/fleet.html")
head -n $((count / 10)) "$fleet" >"$work/tenth.txt"
read -r _ tenth_rss < <(timed report "$client" report --fleet "$work/tenth.txt" --dir "$dir" --jobs 8 --html "$work/tenth.html")
python3 - "$count" "$status_s" "$status_psql" "$verify_s" "$verify_psql" "$report_s" "$report_rss" "$tenth_rss" \
  "$(stat -c %s "$work/fleet.html")" <<'PY'
import sys
n, st, stp, ve, vep, re_, rss, tenth, size = sys.argv[1:]
print(f"status --fleet --jobs 8: {float(st):.1f} s, {float(st) / float(stp):.2f}x psql migrate_status() per database ({float(stp):.1f} s)")
print(f"verify --fleet --jobs 8: {float(ve):.1f} s, {float(ve) / float(vep):.2f}x psql migrate_verify() per database ({float(vep):.1f} s)")
print(f"report --fleet --html --jobs 8: {float(re_):.1f} s, {float(re_) / float(stp):.2f}x psql migrate_status() per database; "
      f"page {int(size) / 1e6:.1f} MB; largest client process {rss} MB RSS ({n} databases), {tenth} MB ({int(n) // 10})")
PY
