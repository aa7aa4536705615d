#!/usr/bin/env bash
# pg_migrate diff of two databases of N tables each (default 10,000) with a
# few hundred differences, beside the way it is done by hand: pg_dump
# --schema-only of both, then diff(1); migrate_describe() alone; and diff
# --sql, the migrations that close the gap, linted in B and not.
#
#   bash bench/diff_bench.sh [TABLES]
#
# Each table: 5 columns (a bigint identity primary key, text NOT NULL with a
# default, numeric(12,2), timestamptz, a varchar), a CHECK, an index.  A has
# pg_migrate (described by migrate_describe()), B has not (described by the
# client's query).  B differs: every 50th table has a column of another type,
# every 50th (offset 10) lost its index, every 50th (offset 20) has a column
# more, every 50th (offset 30) another default, and 50 tables only B has.
# Prints wall times (best of 3), the client's largest RSS, and the ratio to
# pg_dump + diff.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tables="${1:-10000}"
client="$root/build/client/pg_migrate"
[ -x "$client" ] || { echo "build the client first (scripts/build.sh)" >&2; exit 1; }
. "$root/bench/throwaway_cluster.sh"
start_throwaway_cluster --fast

build() {  # build DB: N tables in batches of 500 (one transaction each)
  psql -X -q -d postgres -c "CREATE DATABASE $1"
  psql -X -q -d "$1" -v ON_ERROR_STOP=1 -v n="$tables" <<'SQL'
CREATE SCHEMA app;
SELECT format('DO $$ BEGIN FOR i IN %s..%s LOOP EXECUTE format(''CREATE TABLE app.t%%s (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL DEFAULT ''''unnamed'''',
    amount numeric(12, 2) CHECK (amount >= 0),
    created_at timestamptz NOT NULL DEFAULT now(),
    code varchar(40))'', i);
  EXECUTE format(''CREATE INDEX t%%s_created ON app.t%%s (created_at)'', i, i); END LOOP; END $$', b, LEAST(b + 499, :n))
  FROM generate_series(1, :n, 500) AS b \gexec
SQL
}
build diff_a
build diff_b
psql -X -q -d diff_a -c "CREATE EXTENSION pg_migrate"
psql -X -q -d diff_b -v ON_ERROR_STOP=1 -v n="$tables" <<'SQL'
SELECT format('ALTER TABLE app.t%s ALTER COLUMN code TYPE text', i) FROM generate_series(1, :n, 50) AS i \gexec
SELECT format('DROP INDEX app.t%s_created', i) FROM generate_series(11, :n, 50) AS i \gexec
SELECT format('ALTER TABLE app.t%s ADD COLUMN note text', i) FROM generate_series(21, :n, 50) AS i \gexec
SELECT format('ALTER TABLE app.t%s ALTER COLUMN name SET DEFAULT ''none''', i) FROM generate_series(31, :n, 50) AS i \gexec
SELECT format('CREATE TABLE app.extra%s (id int)', i) FROM generate_series(1, 50) AS i \gexec
SQL
psql -X -q -d postgres -c "VACUUM ANALYZE" >/dev/null
objects=$(psql -X -At -d diff_a -c "SELECT count(*) FROM migrate_describe()")

# best of 3: wall seconds and the largest RSS of the command's processes
best_of_3() {
  python3 - "$@" <<'PY'
import resource, subprocess, sys, time
best = None
for _ in range(3):
    start = time.monotonic()
    subprocess.run(["bash", "-c", sys.argv[1]], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    t = time.monotonic() - start
    best = t if best is None or t < best else best
print(f"{best:.2f} {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f}")
PY
}
read -r describe_s _ < <(best_of_3 "psql -X -q -d diff_a -c 'SELECT count(*) FROM migrate_describe()'")
read -r diff_s diff_rss < <(best_of_3 "'$client' diff --db dbname=diff_a --db dbname=diff_b --json")
read -r dump_s _ < <(best_of_3 "pg_dump -s -d diff_a >'$work/a.sql' && pg_dump -s -d diff_b >'$work/b.sql'; diff '$work/a.sql' '$work/b.sql' >/dev/null; true")
differences=$("$client" diff --db dbname=diff_a --db dbname=diff_b --json | python3 -c "import json,sys; print(len(json.load(sys.stdin)['differences']))" || true)
# --sql: the migrations that make B match A; B without pg_migrate first (not
# linted), then with it (every statement run through migrate_lint in B).
read -r sql_s sql_rss < <(best_of_3 "'$client' diff --db dbname=diff_a --db dbname=diff_b --sql")
psql -X -q -d diff_b -c "CREATE EXTENSION pg_migrate"
read -r lint_s lint_rss < <(best_of_3 "'$client' diff --db dbname=diff_a --db dbname=diff_b --sql")
statements=$("$client" diff --db dbname=diff_a --db dbname=diff_b --sql --json | python3 -c "import json,sys; print(sum(1 for m in json.load(sys.stdin)['migrations'] for s in m['statements'] if s['kind'] == 'run'))" || true)
python3 - "$tables" "$objects" "$differences" "$describe_s" "$diff_s" "$diff_rss" "$dump_s" "$sql_s" "$sql_rss" "$lint_s" "$lint_rss" "$statements" <<'PY'
import sys
tables, objects, diffs, describe, diff, rss, dump, sql, sql_rss, lint, lint_rss, statements = sys.argv[1:]
print(f"{tables} tables a database ({objects} objects described in A), {diffs} differences")
print(f"migrate_describe() in A (psql): {float(describe):.2f} s")
print(f"pg_migrate diff --json: {float(diff):.2f} s, largest client process {rss} MB RSS")
print(f"pg_dump --schema-only of both + diff: {float(dump):.2f} s; pg_migrate diff / that: {float(diff) / float(dump):.2f}x")
print(f"pg_migrate diff --sql ({statements} statements), B without pg_migrate: {float(sql):.2f} s, {sql_rss} MB RSS")
print(f"pg_migrate diff --sql, B with pg_migrate (each statement linted): {float(lint):.2f} s, {lint_rss} MB RSS; "
      f"/ pg_dump + diff: {float(lint) / float(dump):.2f}x")
PY
