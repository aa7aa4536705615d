#!/usr/bin/env bash
# migrate_verify() on a large schema, and what keeping the schema snapshot
# costs each migration there (issue: migrate_verify).
#
#   bash bench/verify_bench.sh [N_TABLES] [ROUNDS] [MIGRATIONS]   defaults: 10000 5 100
#
# On a throwaway cluster (fsync on): N tables, each with a primary key, an
# index and a foreign key to the previous table, created by N/1000 migrations
# (each with a verify query).  Then:
#  1. ROUNDS timed runs of SELECT * FROM migrate_verify() (median), in one
#     session and in a new session each (as pg_cron runs a job);
#  2. migrate_snapshot(), i.e. describing the whole schema once (median);
#  3. MIGRATIONS one-statement migrations (ALTER TABLE t_k ADD COLUMN), each in
#     its own transaction, applied with the snapshot kept and, interleaved,
#     with it switched off (migrate.schema_objects renamed away, which is how
#     the library sees an extension older than 0.5); the difference per
#     migration is the cost of keeping the snapshot.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
n="${1:-10000}"
rounds="${2:-5}"
migrations="${3:-100}"
. "$root/bench/throwaway_cluster.sh"
start_throwaway_cluster
psql -X -q -d postgres -c "CREATE DATABASE bench"
psql -X -q -d bench -c "CREATE EXTENSION pg_migrate"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
timings() { sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p'; }

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
objects=$(psql -X -At -d bench -c "SELECT count(*) FROM migrate.schema_objects")

# 1. migrate_verify()
{
  echo '\timing on'
  for _ in $(seq 1 "$rounds"); do echo 'SELECT count(*) FILTER (WHERE NOT ok) AS problems FROM migrate_verify();'; done
} >"$work/verify.sql"
verify_times=$(psql -X -d bench -f "$work/verify.sql" | timings)
problems=$(psql -X -At -d bench -c "SELECT count(*) FILTER (WHERE NOT ok) FROM migrate_verify()")
# ... and each in a session of its own, as a scheduled job runs it (cold caches).
cold_times=$(for _ in $(seq 1 "$rounds"); do
  psql -X -d bench -c '\timing on' -c 'SELECT count(*) FROM migrate_verify()' | timings
done)

# 2. the whole schema described and stored once
{
  echo '\timing on'
  for _ in $(seq 1 "$rounds"); do echo 'SELECT migrate_snapshot();'; done
} >"$work/snapshot.sql"
snapshot_times=$(psql -X -d bench -f "$work/snapshot.sql" | timings)

# 3. per-migration cost, kept vs off, interleaved in batches of 10.
apply_batch() {  # $1: first migration number, $2: label
  {
    echo '\timing on'
    for i in $(seq "$1" $(($1 + 9))); do
      k=$(( (i * 7919) % n + 1 ))
      printf "SELECT status FROM migrate_apply('9%05d', 'ALTER TABLE t_%d ADD COLUMN c_%d int');\n" "$i" "$k" "$i"
    done
  } >"$work/apply.sql"
  psql -X -d bench -f "$work/apply.sql" | timings | awk -v label="$2" '{ print label, $1 }'
}
snapshot_off() { psql -X -q -d bench -c "ALTER TABLE migrate.schema_objects RENAME TO schema_objects_off"; }
snapshot_on() { psql -X -q -d bench -c "ALTER TABLE migrate.schema_objects_off RENAME TO schema_objects"; }
: >"$work/apply.times"
for b in $(seq 0 10 $((migrations - 1))); do
  apply_batch $((2 * b)) kept >>"$work/apply.times"
  snapshot_off
  apply_batch $((2 * b + 10)) off >>"$work/apply.times"
  snapshot_on
done
kept_ms=$(awk '$1 == "kept" { print $2 }' "$work/apply.times" | median)
off_ms=$(awk '$1 == "off" { print $2 }' "$work/apply.times" | median)

echo "schema: $tables tables (primary key, index, foreign key each), $((n / chunk)) migrations; $objects objects in the snapshot; problems found: $problems (the kept/off runs below add drift on purpose)"
echo "migrate_verify(): median $(echo "$verify_times" | median) ms over $rounds runs in one session (runs: $(echo $verify_times)); target < 2000 ms"
echo "migrate_verify() in a new session each time: median $(echo "$cold_times" | median) ms (runs: $(echo $cold_times))"
echo "migrate_snapshot() (whole schema described and stored): median $(echo "$snapshot_times" | median) ms"
echo "one-statement migration (ALTER TABLE ... ADD COLUMN on a table with two foreign keys), median of $migrations each:"
echo "  snapshot kept: ${kept_ms} ms   snapshot off: ${off_ms} ms   cost of keeping it: $(awk -v a="$kept_ms" -v b="$off_ms" 'BEGIN { printf "%.2f", a - b }') ms per migration"
