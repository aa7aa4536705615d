#!/usr/bin/env bash
# pg_migrate diff --sql --out, the round trip: two databases built from
# different histories (tests/diff_sql/a and b: more than 30 kinds of
# difference), the migrations that make B match A written into B's history,
# `up` on B, and then diff finds only what B has extra (dropped only in
# comments); those uncommented and applied, the schemas are the same.
#   tests/diff_sql_test.sh PG_MIGRATE_BINARY
set -uo pipefail
PGM="$1"
here="$(cd "$(dirname "$0")" && pwd)"

# shellcheck source=checks.sh
. "$here/checks.sh"

work="$(mktemp -d)"
chmod 755 "$work"
scratch_databases rt_a rt_b rt_plain rt_every rt_empty rt_none
cp -r "$here/diff_sql/a" "$work/a"
cp -r "$here/diff_sql/b" "$work/b"
cp "$here/diff_sql/a/001_base.sql" "$work/b/"  # both histories start alike
A="dbname=rt_a"
B="dbname=rt_b"
"$PGM" up -d "$A" --dir "$work/a" >/dev/null || { echo "could not build A"; exit 1; }
"$PGM" up -d "$B" --dir "$work/b" >/dev/null || { echo "could not build B"; exit 1; }

"$PGM" diff --db "$A" --db "$B" --json >"$work/before.json"
count="$(json_field 'differences.length' <"$work/before.json")"
# A kind of difference: the object's type, which side has it, and for one
# both have, which facts differ (a column's type, default, ...).
kinds="$(json_field 'differences.map(d => d.object_type + "/" + d.presence + "/" + (d.what_differs || "").split("; ").map(p => /^[AB]: /.test(p) ? "definition" : p.split(":")[0]).join("+")).filter((k, i, all) => all.indexOf(k) == i).length' <"$work/before.json")"
echo "# $count differences between A and B, of $kinds kinds"
check "the histories differ in at least 30 kinds of way" true "$([ "$kinds" -ge 30 ] && echo true || echo "$kinds")"

# --sql: printed, linted against B, nothing applied.
"$PGM" diff --db "$A" --db "$B" --sql >"$work/plan.sql"; rc=$?
check "--sql: exit 3 as diff's" 3 "$rc"
check "... nothing applied: B differs as before" "$count" \
  "$("$PGM" diff --db "$A" --db "$B" --json | json_field differences.length)"
check "... every statement with its risk from migrate_lint against B" "0" \
  "$(awk '/^-- Migration/ {next} /^(CREATE|ALTER|DROP|SET)/ && prev !~ /^-- risk: / && prev !~ /^--   / {n++} {prev=$0} END {print n+0}' "$work/plan.sql")"
check "... a column's type changed with a USING cast, beside its risk" "1:1" \
  "$(grep -c '^ALTER TABLE shop.orders ALTER COLUMN ref TYPE bigint USING ref::bigint;$' "$work/plan.sql"):$(grep -B3 'ALTER COLUMN ref TYPE bigint' "$work/plan.sql" | grep -c '^-- risk: breaking')"
check "... a CHECK and a FOREIGN KEY on a table B has added NOT VALID, validated in the third migration" "2:2" \
  "$(grep -c '^ALTER TABLE shop.orders ADD CONSTRAINT orders_.* NOT VALID;$' "$work/plan.sql"):$(sed -n '/^-- Migration 3/,$p' "$work/plan.sql" | grep -c 'VALIDATE CONSTRAINT orders_')"
check "... SET NOT NULL after a validated CHECK (name IS NOT NULL)" "1:1" \
  "$(grep -c 'ADD CONSTRAINT name_not_null CHECK (name IS NOT NULL) NOT VALID' "$work/plan.sql"):$(sed -n '/^-- Migration 3/,$p' "$work/plan.sql" | grep -c 'ALTER COLUMN name SET NOT NULL')"
check "... an index on a table B has built CONCURRENTLY, outside a transaction" "2:1" \
  "$(sed -n '/^-- Migration 2/,/^-- Migration 3/p' "$work/plan.sql" | grep -c '^CREATE INDEX CONCURRENTLY')":"$(grep -c '^-- Migration 2 .*no-transaction' "$work/plan.sql")"
check "... what only B has dropped only in comments, data loss marked" "1:1:0" \
  "$(grep -A1 'DATA LOSS' "$work/plan.sql" | grep -c '^-- DROP TABLE shop.audit;')":"$(grep -c '^-- DROP FUNCTION shop.old_helper();' "$work/plan.sql")":"$(grep -c '^DROP TABLE shop.audit' "$work/plan.sql")"
check "... tables in dependency order (invoices before the lines that reference them)" "true" \
  "$([ "$(grep -n '^CREATE TABLE billing.invoices' "$work/plan.sql" | cut -d: -f1)" -lt "$(grep -n '^CREATE TABLE billing.lines' "$work/plan.sql" | cut -d: -f1)" ] && echo true)"

"$PGM" diff --db "$A" --db "$B" --sql --json >"$work/plan.json"
check "--sql --json: the migrations, each statement with kind and risk" "3:true:run:safe" \
  "$(json_field migrations.length <"$work/plan.json"):$(json_field linted_against_b <"$work/plan.json"):$(json_field 'migrations[0].statements[0].kind' <"$work/plan.json"):$(json_field 'migrations[0].statements[0].risk' <"$work/plan.json")"

# --out: B's next migrations, then up.
"$PGM" diff --db "$A" --db "$B" --out "$work/b" >"$work/out.txt"; rc=$?
check "--out writes B's next three migration files" "3:3" "$rc:$(grep -c '^created ' "$work/out.txt")"
check "... numbered after B's history, the index one marked no-transaction" "003_schema_diff.sql 004_schema_diff_indexes.sql 005_schema_diff_validate.sql:1" \
  "$(cd "$work/b" && echo 003_* 004_* 005_*):$(grep -c '^-- migrate:up transaction:false' "$work/b/004_schema_diff_indexes.sql")"
"$PGM" up -d "$B" --dir "$work/b" >"$work/up1.txt" 2>&1; rc=$?
check "up on B stops at the validation: a row of B has no name (real data the diff cannot know)" "1:1:1" \
  "$([ "$rc" -ne 0 ] && echo 1):$(grep -c 'name_not_null.*is violated by some row' "$work/up1.txt"):$(grep -c 'applied .*004_schema_diff_indexes.sql' "$work/up1.txt")"
psql -X -q -d rt_b -c "UPDATE shop.customers SET name = 'unknown' WHERE name IS NULL" >/dev/null
"$PGM" up -d "$B" --dir "$work/b" >"$work/up2.txt" 2>&1; rc=$?
check "... the row fixed, the validation applies" "0" "$rc"
"$PGM" diff --db "$A" --db "$B" --json >"$work/after.json"; rc=$?
check "after up, diff finds only what B has extra" "3:8:8" \
  "$rc:$(json_field 'differences.length' <"$work/after.json"):$(json_field 'differences.filter(d => d.presence == "only_in_b").length' <"$work/after.json")"

# The commented drops, uncommented and applied: the schemas are the same.
{
  echo "-- migrate:allow data_loss"
  "$PGM" diff --db "$A" --db "$B" --sql | awk '/^-- only in B/ {take=1; next} take && /^-- / {sub(/^-- /, ""); print; next} {take=0}'
} >"$work/b/006_drop_what_a_has_not.sql"
"$PGM" up -d "$B" --dir "$work/b" >/dev/null 2>&1; rc=$?
check "the commented drops are valid SQL: uncommented, they apply" 0 "$rc"
out="$("$PGM" diff --db "$A" --db "$B")"; rc=$?
check "... and then diff says equal" "0:the schemas are the same" "$rc:$(echo "$out" | tail -1)"
out="$("$PGM" diff --db "$A" --db "$B" --sql --out "$work/b")"; rc=$?
check "... and --out writes nothing" "0:nothing to write: the schemas are the same" "$rc:$out"

# B without pg_migrate: the statements are still written, said not linted.
psql -X -q -v ON_ERROR_STOP=1 -d rt_plain -f "$here/diff_sql/a/001_base.sql" >/dev/null
out="$("$PGM" diff --db "$A" --db "dbname=rt_plain" --sql)"; rc=$?
check "a B without pg_migrate: the SQL, said not linted" "3:1:0" \
  "$rc:$(echo "$out" | grep -c '^-- Nothing has been applied. Not linted: pg_migrate is not installed in B.')":"$(echo "$out" | grep -c '^-- risk:')"

# From nothing: a schema of most kinds (tests/diff_sql/every_kind.sql, built by
# psql in a database without pg_migrate) made by the written migration in an
# empty database.
psql -X -q -v ON_ERROR_STOP=1 -d rt_every -f "$here/diff_sql/every_kind.sql" >/dev/null
psql -X -q -d rt_empty -c "CREATE EXTENSION pg_migrate" >/dev/null
"$PGM" diff --db "dbname=rt_every" --db "dbname=rt_empty" --out "$work/empty" >/dev/null; rc=$?
"$PGM" up -d "dbname=rt_empty" --dir "$work/empty" >"$work/up_empty.txt" 2>&1; urc=$?
out="$("$PGM" diff --db "dbname=rt_every" --db "dbname=rt_empty")"; drc=$?
check "a schema of most kinds, made in an empty database by the written migration, is the same" \
  "3:0:0:the schemas are the same" "$rc:$urc:$drc:$(echo "$out" | tail -1)"
[ "$urc" = 0 ] || cat "$work/up_empty.txt"
check "... an identity keeps its sequence's name and options" "1" \
  "$(grep -c 'generated always as identity (SEQUENCE NAME app.people_id_seq START WITH 100 ' "$work"/empty/*.sql)"

# ... and the other way: what only B has is every object, its commented DROPs,
# uncommented and run by psql, remove them all in an order that works.
psql -X -q -d rt_none -c "CREATE EXTENSION pg_migrate" >/dev/null
"$PGM" diff --db "dbname=rt_none" --db "dbname=rt_every" --sql |
  awk '/^-- only in B/ {take=1; next} take && /^-- / {sub(/^-- /, ""); print; next} {take=0}' >"$work/drop_all.sql"
psql -X -q -v ON_ERROR_STOP=1 -d rt_every -f "$work/drop_all.sql" >"$work/drop_all.out" 2>&1; rc=$?
out="$("$PGM" diff --db "dbname=rt_none" --db "dbname=rt_every")"; drc=$?
check "the commented DROPs of a whole schema of most kinds run in an order that works" "0:0" "$rc:$drc"
[ "$rc" = 0 ] || cat "$work/drop_all.out"

end_checks
