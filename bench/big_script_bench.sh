#!/usr/bin/env bash
# One migration file of SIZE_MB megabytes (default 500) of INSERT statements,
# or with --copy of one COPY ... FROM stdin block with its rows (as pg_dump
# writes data), applied by `pg_migrate up` and, for scale, by `psql -1 -f`,
# each on a fresh database of one throwaway cluster: wall time, statements,
# and the peak resident memory of the backend (sampled every 0.2 s) and of the
# client.
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

# Runs a command while sampling the largest backend's resident memory.
run_sampled() {  # label, command...
  local label="$1"; shift
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS bench" -c "CREATE DATABASE bench"
  local peak=0 start end rss
  start=$(date +%s.%N)
  /usr/bin/time -f "%M" -o "$work/client_rss" "$@" >"$work/out" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    rss=$(ps -o rss= -u postgres --sort=-rss | head -1 | tr -d ' ')
    [ -n "$rss" ] && [ "$rss" -gt "$peak" ] && peak=$rss
    sleep 0.2
  done
  wait "$pid" || { echo "$label failed:"; tail -5 "$work/out"; return 1; }
  end=$(date +%s.%N)
  printf '%-12s %8.1f s   backend peak %6d MB   client peak %6d MB\n' "$label" "$(echo "$end - $start" | bc)" \
    $((peak / 1024)) $(($(tail -1 "$work/client_rss") / 1024))
}

run_sampled "pg_migrate" "$client" up -d dbname=bench --dir "$work/migrations"
run_sampled "psql -1" psql -X -q -1 -v ON_ERROR_STOP=1 -d bench -f "$work/migrations/001_big.sql"
echo "rows: $(psql -X -At -d bench -c 'SELECT count(*) FROM big')"
