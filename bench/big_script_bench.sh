#!/usr/bin/env bash
# One migration file of SIZE_MB megabytes (default 500) of INSERT statements,
# or with --copy of one COPY ... FROM stdin block with its rows (as pg_dump
# writes data), applied by `pg_migrate up` and, for scale, by `psql -1 -f`,
# each on a fresh database of one throwaway cluster (pg_migrate installed
# before the timing): wall time, statements, the ratio, and the peak private
# memory of the backends (RssAnon, sampled every 0.2 s) and of the client.
#   bash bench/big_script_bench.sh [SIZE_MB] [--copy]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
size_mb="${1:-500}"
mode="${2:-insert}"
client="$root/build/client/pg_migrate"
[ -x "$client" ] || { echo "build the client first (scripts/build.sh)" >&2; exit 1; }
. "$root/bench/throwaway_cluster.sh"
start_throwaway_cluster

mkdir -p "$work/migrations"
python3 - "$work/migrations/001_big.sql" "$size_mb" "$mode" <<'PY'
import sys
path, limit, mode = sys.argv[1], int(sys.argv[2]) * 1024 * 1024, sys.argv[3]
if mode == "--copy":
    row = "{}\t" + "x" * 60 + "\n"
else:
    row = "INSERT INTO big VALUES ({}, '" + "x" * 60 + "');\n"
with open(path, "w") as f:
    size = f.write("CREATE TABLE big (id int, note text);\n")
    if mode == "--copy":
        size += f.write("COPY big (id, note) FROM stdin;\n")
    n = 0
    while size < limit:
        size += f.write(row.format(n))
        n += 1
    if mode == "--copy":
        f.write("\\.\n")
PY
echo "file: $(wc -c <"$work/migrations/001_big.sql") bytes, $(wc -l <"$work/migrations/001_big.sql") statements"

# The largest private memory (RssAnon: shared buffers left out) of any
# postgres process now, in kB.
backend_anon_kb() {
  local p best=0 kb
  for p in $(pgrep -u postgres postgres); do
    kb=$(awk '/^RssAnon/ {print $2}' "/proc/$p/status" 2>/dev/null)
    [ -n "$kb" ] && [ "$kb" -gt "$best" ] && best=$kb
  done
  echo "$best"
}

# Runs a command on a fresh database "bench" (pg_migrate installed first when
# `with_extension`, outside the timing) while sampling the backend's private
# memory; sets $seconds.
run_sampled() {  # label, with_extension (yes/no), command...
  local label="$1" with_extension="$2"; shift 2
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
  [ "$with_extension" = yes ] && psql -X -q -d bench -c "CREATE EXTENSION pg_migrate"
  local peak=0 start end kb
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/client_rss" "$@" >"$work/out" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    kb=$(backend_anon_kb)
    [ "$kb" -gt "$peak" ] && peak=$kb
    sleep 0.2
  done
  wait "$pid" || { echo "$label failed:"; tail -5 "$work/out"; return 1; }
  end=$(date +%s.%N)
  seconds=$(echo "$end - $start" | bc)
  printf '%-12s %8.1f s   backend peak %6d MB (private)   client peak %6d MB\n' "$label" "$seconds" \
    $((peak / 1024)) $(($(tail -1 "$work/client_rss") / 1024))
}

run_sampled "pg_migrate" yes "$client" up -d dbname=bench --dir "$work/migrations"
ours=$seconds
rows_ours=$(psql -X -At -d bench -c 'SELECT count(*) FROM big')
run_sampled "psql -1" no psql -X -q -1 -v ON_ERROR_STOP=1 -d bench -f "$work/migrations/001_big.sql"
echo "rows: $rows_ours (pg_migrate), $(psql -X -At -d bench -c 'SELECT count(*) FROM big') (psql)"
echo "pg_migrate / psql -1: $(echo "scale=2; $ours / $seconds" | bc)x"
