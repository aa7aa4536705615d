#!/usr/bin/env bash
# migrate_verify() on a large schema (issue: migrate_verify).
#
#   bash bench/verify_bench.sh [N_TABLES] [ROUNDS]      defaults: 10000 5
#
# On a throwaway cluster (fsync on), N tables, each with a primary key, an
# index and a foreign key to the previous table, created by N/1000 migrations
# (each with a verify query); then ROUNDS timed runs of
# SELECT * FROM migrate_verify() in one session.  Prints the median.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-10000}"
rounds="${2:-5}"
work="$(mktemp -d)"
state="$work/cluster.env"
bash "$root/scripts/pg-cluster.sh" start "$state" >/dev/null
trap 'bash "$root/scripts/pg-cluster.sh" stop "$state" >/dev/null; rm -rf "$work"' EXIT
# shellcheck disable=SC1090
. "$state"
psql -X -q -d postgres -c "CREATE DATABASE bench"
psql -X -q -d bench -c "CREATE EXTENSION pg_migrate"

chunk=1000
for start in $(seq 1 $chunk "$n"); do
  end=$((start + chunk - 1)); [ "$end" -gt "$n" ] && end=$n
  {
    printf 'SELECT status FROM migrate_apply(%s, $m$\n' "'$(printf '%05d' "$start")'"
    for i in $(seq "$start" "$end"); do
      if [ "$i" = 1 ]; then ref=""; else ref=", parent_id bigint REFERENCES t_$((i - 1))"; fi
      printf 'CREATE TABLE t_%d (id bigint PRIMARY KEY, name text%s);\n' "$i" "$ref"
      printf 'CREATE INDEX t_%d_name_idx ON t_%d (name);\n' "$i" "$i"
    done
    printf '$m$, verify => %s);\n' "\$v\$SELECT count(*) >= 0 FROM t_$end\$v\$"
  } >"$work/m.sql"
  psql -X -q -v ON_ERROR_STOP=1 -d bench -f "$work/m.sql" >/dev/null
done
tables=$(psql -X -At -d bench -c "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace")
{
  echo '\timing on'
  for _ in $(seq 1 "$rounds"); do echo 'SELECT count(*) FILTER (WHERE NOT ok) AS problems FROM migrate_verify();'; done
} >"$work/verify.sql"
times=$(psql -X -d bench -f "$work/verify.sql" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
problems=$(psql -X -At -d bench -c "SELECT count(*) FILTER (WHERE NOT ok) FROM migrate_verify()")
median=$(echo "$times" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "schema: $tables tables (primary key, index, foreign key each), $((n / chunk)) migrations; problems found: $problems"
echo "migrate_verify(): median ${median} ms over $rounds runs (runs: $(echo $times)); target < 2000 ms"
