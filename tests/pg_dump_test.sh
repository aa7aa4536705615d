#!/usr/bin/env bash
# The ledger survives pg_dump / pg_restore: its rows, its hash chain, and the
# identity sequence (the next migration gets a new id, not a duplicate).  So
# does migrate.ddl_log, and the restore's own DDL (logged while it runs) does
# not make the restore fail.
# Uses the PG* variables of the test cluster; OUT is a scratch directory.
set -euo pipefail
out="$1"
src=pgm_dump_src
dst=pgm_dump_dst
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }

for db in $src $dst; do psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; done
psql_q -d $src <<'SQL'
CREATE EXTENSION pg_migrate;
SELECT status FROM migrate_apply('001', 'CREATE TABLE a (id int)', name => 'a');
SELECT status FROM migrate_apply('002', 'CREATE TABLE b (id int)', down => 'DROP TABLE b');
SQL
"$PG_BINDIR/pg_dump" -Fc -d $src -f "$out/dump.custom"
"$PG_BINDIR/pg_restore" -d $dst "$out/dump.custom"

fingerprint="SELECT string_agg(concat_ws('|', id, version, name, status, checksum, fingerprint, script, down, applied_at, prev_hash, hash), E'\n' ORDER BY id) FROM migrate.ledger"
before=$(psql_q -d $src -c "$fingerprint")
after=$(psql_q -d $dst -c "$fingerprint")
passed=0; failed=0
check() { if [ "$2" = "$3" ]; then passed=$((passed+1)); echo "ok - $1"; else failed=$((failed+1)); echo "not ok - $1: expected [$2] got [$3]"; fi; }
check "ledger rows identical after restore" "$before" "$after"
check "restored ledger has both rows" "2" "$(psql_q -d $dst -c 'SELECT count(*) FROM migrate.ledger')"
check "DDL log of the migrations restored" "001 public.a|002 public.b" "$(psql_q -d $dst -c "SELECT string_agg(version || ' ' || object_identity, '|' ORDER BY id) FROM migrate.ddl_log WHERE version IS NOT NULL")"
check "the restore's own DDL is logged as out-of-band" "t" "$(psql_q -d $dst -c "SELECT count(*) > 0 FROM migrate.ddl_log WHERE version IS NULL AND object_identity = 'public.a'")"
check "restored database is at version 002" "002" "$(psql_q -d $dst -c 'SELECT migrate_version()')"
check "next migration applies after restore" "applied" "$(psql_q -d $dst -c "SELECT status FROM migrate_apply('003', 'CREATE TABLE c (id int)')")"
check "no drift reported after the next migration" "0" "$(psql_q -d $dst -c "SELECT count(*) FROM migrate_status() WHERE state = 'drift'")"
check "identity continues after restore" "3" "$(psql_q -d $dst -c "SELECT id FROM migrate.ledger WHERE version = '003'")"
check "chain continues after restore" "t" "$(psql_q -d $dst -c "SELECT prev_hash = (SELECT hash FROM migrate.ledger WHERE version = '002') FROM migrate.ledger WHERE version = '003'")"
for db in $src $dst; do psql_q -d postgres -c "DROP DATABASE $db"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
