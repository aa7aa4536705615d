#!/usr/bin/env bash
# Splitting and applying one script of N statements (default 100,000) on a
# throwaway cluster: migrate_split and migrate_apply timings, and the same
# statements by psql -1 for scale.
#   bash bench/large_script_bench.sh [N]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-100000}"
. "$root/bench/throwaway_cluster.sh"
start_throwaway_cluster
psql -X -q -d postgres -c "CREATE EXTENSION pg_migrate"
for i in $(seq "$n"); do echo "SELECT $i;"; done >"$work/script.sql"
echo "$n statements, $(wc -c <"$work/script.sql") bytes"
psql -X -q -d postgres <<SQL
\\set script \`cat $work/script.sql\`
\\timing on
\\echo migrate_split:
SELECT count(*) FROM migrate_split(:'script');
\\echo migrate_apply:
SELECT statements FROM migrate_apply('1', :'script');
SQL
start=$(date +%s.%N)
psql -X -q -1 -d postgres -f "$work/script.sql" >/dev/null
echo "psql -1: $(echo "$(date +%s.%N) - $start" | bc) s"
