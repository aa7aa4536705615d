#!/usr/bin/env bash
# The ledger survives pg_dump / pg_restore: its rows, its hash chain, and the
# identity sequence (the next migration gets a new id, not a duplicate).  So
# does migrate.ddl_log, and the restore's own DDL (logged while it runs) does
# not make the restore fail.  The schema snapshot is compared by name, so a
# faithful restore shows no schema drift, a partial one shows what is missing,
# and the next migration moves the snapshot's object identifiers to the new
# database.
# Uses the PG* variables of the test cluster; OUT is a scratch directory.
set -euo pipefail
out="$1"
src=pgm_dump_src
dst=pgm_dump_dst
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

partial=pgm_dump_partial
for db in $src $dst $partial; do psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; done
psql_q -d $src <<'SQL'
CREATE EXTENSION pg_migrate;
SELECT status FROM migrate_apply('001', 'CREATE TABLE a (id int)', name => 'a');
SELECT status FROM migrate_apply('002', 'CREATE TABLE b (id int)', down => 'DROP TABLE b');
SELECT status FROM migrate_apply('002.1', $m$
    CREATE INDEX a_id ON a (id);
    CREATE FUNCTION a_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM a';
    CREATE VIEW a_view AS SELECT id FROM a;
$m$);
-- A row of hash format 2 (with reason and previous checksum) in the dump too.
SELECT status FROM migrate_repair('001', 'CREATE TABLE a (id int) -- reviewed', reason => 'comment added');
SQL
"$PG_BINDIR/pg_dump" -Fc -d $src -f "$out/dump.custom"
"$PG_BINDIR/pg_restore" -d $dst "$out/dump.custom"
"$PG_BINDIR/pg_dump" -Fc -d $src -T b -f "$out/partial.custom"
"$PG_BINDIR/pg_restore" -d $partial "$out/partial.custom"
drift="SELECT string_agg(object || ': ' || detail, E'\n' ORDER BY object) FROM migrate_verify() WHERE check_name = 'schema_drift' AND NOT ok"

fingerprint="SELECT string_agg(concat_ws('|', id, version, name, status, checksum, fingerprint, script, down, applied_at, prev_hash, hash, hash_format, reason, previous_checksum), E'\n' ORDER BY id) FROM migrate.ledger"
before=$(psql_q -d $src -c "$fingerprint")
after=$(psql_q -d $dst -c "$fingerprint")
passed=0; failed=0
check() { if [ "$2" = "$3" ]; then passed=$((passed+1)); echo "ok - $1"; else failed=$((failed+1)); echo "not ok - $1: expected [$2] got [$3]"; fi; }
check "ledger rows identical after restore" "$before" "$after"
check "restored ledger has every row" "4" "$(psql_q -d $dst -c 'SELECT count(*) FROM migrate.ledger')"
check "the restored chain verifies, format 2 rows included" "t" "$(psql_q -d $dst -c "SELECT ok FROM migrate_verify() WHERE check_name = 'ledger_chain'")"
check "DDL log of the migrations restored" "001 public.a|002 public.b" "$(psql_q -d $dst -c "SELECT string_agg(version || ' ' || object_identity, '|' ORDER BY id) FROM migrate.ddl_log WHERE version IN ('001', '002')")"
check "the restore's own DDL is logged as out-of-band" "t" "$(psql_q -d $dst -c "SELECT count(*) > 0 FROM migrate.ddl_log WHERE version IS NULL AND object_identity = 'public.a'")"
check "a faithful restore shows no schema drift" "" "$(psql_q -d $dst -c "$drift")"
check "a restore without table b shows it missing" \
  "column public.b.id: recorded by migration 002, but no longer exists: integer
table public.b: recorded by migration 002, but no longer exists: table" "$(psql_q -d $partial -c "$drift")"
check "restored database is at version 002.1" "002.1" "$(psql_q -d $dst -c 'SELECT migrate_version()')"
check "next migration applies after restore" "applied" "$(psql_q -d $dst -c "SELECT status FROM migrate_apply('003', 'CREATE TABLE c (id int)')")"
check "no drift reported after the next migration" "0" "$(psql_q -d $dst -c "SELECT count(*) FROM migrate_status() WHERE state = 'drift'")"
check "no schema drift after the next migration" "" "$(psql_q -d $dst -c "$drift")"
check "the snapshot's identifiers are the restored database's" "t" "$(psql_q -d $dst -c "SELECT bool_and(s.own_oid = 'public.a'::regclass) FROM migrate.schema_objects AS s WHERE identity IN ('public.a', 'public.a.id')")"
check "a migration dropping a restored object leaves no trace of it" "applied|0|" "$(psql_q -d $dst -c "SELECT status FROM migrate_apply('004', 'DROP VIEW a_view; DROP TABLE a')" -c "SELECT count(*) FROM migrate.schema_objects WHERE identity IN ('public.a', 'public.a.id', 'public.a_id', 'public.a_view')" -c "$drift" | paste -sd'|')"
check "identity continues after restore" "5" "$(psql_q -d $dst -c "SELECT id FROM migrate.ledger WHERE version = '003'")"
check "chain continues after restore" "t" "$(psql_q -d $dst -c "SELECT prev_hash = (SELECT hash FROM migrate.ledger WHERE id = 4) FROM migrate.ledger WHERE version = '003'")"
for db in $src $dst $partial; do psql_q -d postgres -c "DROP DATABASE $db"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
