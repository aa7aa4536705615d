#!/usr/bin/env bash
# The pg_migrate client against a real server (the ctest cluster, PG* set).
#   tests/client/client_test.sh PG_MIGRATE_BINARY SOURCE_DIR
# Each case runs on a fresh database and a scratch migration directory.
# Prints "ok - ..." / "not ok - ..." and a final "N passed, N failed".
set -uo pipefail
PGM="$1"
SRC="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0
export PGDATABASE=pgm_client_test

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
  failed=$((failed + 1)); echo "not ok - $1"; echo "not ok - $1" >>"$work/results"
  [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /'
}
check() {  # description, expected, actual
  if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2]"$'\n'"got      [$3]"; fi
}
contains() {  # description, needle, haystack
  if [[ "$3" == *"$2"* ]]; then ok "$1"; else not_ok "$1" "missing [$2] in:"$'\n'"$3"; fi
}
q() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
fresh() {  # a fresh database and an empty directory $dir
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE WITH (FORCE)" -c "CREATE DATABASE $PGDATABASE" 2>/dev/null
  dir="$work/$1"
  rm -rf "$dir" && mkdir -p "$dir"
}
put() { mkdir -p "$(dirname "$dir/$1")"; printf '%b' "$2" >"$dir/$1"; }
run() { out="$("$PGM" "$@" 2>&1)"; rc=$?; }
ledger() { q "SELECT coalesce(string_agg(version || ':' || status, ',' ORDER BY id), '') FROM migrate.ledger" 2>/dev/null || echo "no ledger"; }
json_field() { node -e 'let d="";process.stdin.on("data",c=>d+=c).on("end",()=>{const j=JSON.parse(d);console.log(eval("j."+process.argv[1]))})' "$1"; }

# --- fresh apply, re-run, status -------------------------------------------
fresh examples
cp "$SRC"/examples/migrations/*.sql "$dir/"
run up --dir "$dir"
check "fresh apply exits 0" 0 "$rc"
check "fresh apply records the five examples" "001:applied,002:applied,003:applied,004:applied,005:applied" "$(ledger)"
contains "fresh apply installs the extension" "installed the pg_migrate extension" "$out"
# The snapshot is recorded once, after the run, by a background worker of the
# server: wait for it (at most 30 s).
snapshot_recorded() {
  local i
  for i in $(seq 300); do
    [ "$(q "SELECT recorded_through = (SELECT max(id) FROM migrate.ddl_log WHERE version IS NOT NULL) FROM migrate.schema_snapshot")" = t ] && { echo t; return; }
    sleep 0.1
  done
  echo f
}
check "a run of several migrations records the schema snapshot once, after it, in the background: nothing owed" \
  "t" "$(snapshot_recorded)"
check "... each table recorded with the newest migration that changed it" "public.project_skills:001,public.projects:004" \
  "$(q "SELECT string_agg(identity || ':' || version, ',' ORDER BY identity) FROM migrate.schema_objects WHERE identity IN ('public.projects', 'public.project_skills')")"
fresh examples_json
cp "$SRC"/examples/migrations/*.sql "$dir/"
run up --dir "$dir" --json
check "up --json says the snapshot is being recorded in the background" "recording in the background" \
  "$(echo "$out" | json_field 'schema_snapshot')"
check "... and it is, soon" "t" "$(snapshot_recorded)"
fresh examples
cp "$SRC"/examples/migrations/*.sql "$dir/"
run up --dir "$dir"
run up --dir "$dir"
check "re-run exits 0" 0 "$rc"
contains "re-run applies nothing" "is up to date" "$out"
check "re-run adds no ledger row" 5 "$(q 'SELECT count(*) FROM migrate.ledger')"
run status --dir "$dir"
check "status exits 0 when all applied" 0 "$rc"
contains "status names the layout" "(plain, 5 migrations)" "$out"
run status --dir "$dir" --json
check "status --json is one JSON document" "5" "$(echo "$out" | json_field 'summary.applied')"

# --- a failure in the middle ------------------------------------------------
fresh middle
put 001_a.sql 'CREATE TABLE a (id int PRIMARY KEY);\nINSERT INTO a VALUES (1);\n'
put 002_b.sql 'CREATE TABLE b (id int);\n'
put 003_c.sql 'CREATE TABLE c (id int);\n\nINSERT INTO a VALUES (1);\n'
put 004_d.sql 'CREATE TABLE d (id int);\n'
run up --dir "$dir"
check "a failing migration exits 1" 1 "$rc"
contains "the failure names file, line and statement" "003_c.sql, line 3, statement 2 (INSERT)" "$out"
contains "the failure shows the server's message" 'duplicate key value violates unique constraint "a_pkey"' "$out"
contains "the failure shows the server's detail" "Key (id)=(1) already exists." "$out"
check "earlier migrations stay applied, the failed one left nothing" "001:applied,002:applied" "$(ledger)"
check "the failed migration's table does not exist" "" "$(q "SELECT to_regclass('c')")"
run up --dir "$dir" --json
check "--json failure: exit code in the document" 1 "$(echo "$out" | json_field 'exit_code')"
check "--json failure: line" 3 "$(echo "$out" | json_field 'error.line')"
check "--json failure: sqlstate" 23505 "$(echo "$out" | json_field 'error.sqlstate')"

# A bad row of COPY data 3,000 rows in: the file's line of that row.
fresh copy_row
{ printf -- '-- migrate:up\nCREATE TABLE nums (n int);\nCOPY nums FROM stdin;\n'; seq 1 2999; echo "three thousand"
  seq 3001 3500; printf '\\.\n\n-- migrate:down\nDROP TABLE nums;\n'; } >"$dir/001_nums.sql"
run up --dir "$dir"
contains "a bad COPY row names its own line of the file" "001_nums.sql, line 3003, statement 2 (COPY)" "$out"
check "... and nothing of the migration stays" ":" "$(ledger):$(q "SELECT to_regclass('nums')")"

# --- edited and cosmetically edited files -----------------------------------
fresh edits
put 001_a.sql 'CREATE TABLE a (id int);\n'
put 002_b.sql 'CREATE TABLE b (id int);\n'
run up --dir "$dir"
put 001_a.sql '-- a comment now\ncreate table A (ID INT)\n'
put 003_c.sql 'CREATE TABLE c (id int);\n'
run status --dir "$dir"
check "status accepts a cosmetic edit" 0 "$rc"
contains "status says the edit is cosmetic" "cosmetic edit since applied" "$out"
run up --dir "$dir"
check "up accepts a cosmetic edit" 0 "$rc"
put 002_b.sql 'CREATE TABLE b (id bigint);\n'
put 004_d.sql 'CREATE TABLE d (id int);\n'
run up --dir "$dir"
check "up refuses a real edit with exit 4" 4 "$rc"
contains "the refusal names the file" "002_b.sql was changed after migration 002 was applied" "$out"
check "nothing was applied after the refusal" "" "$(q "SELECT to_regclass('d')")"
run status --dir "$dir"
check "status exits 4 for a real edit" 4 "$rc"

# --- missing files -----------------------------------------------------------
rm "$dir/002_b.sql" "$dir/004_d.sql"
run status --dir "$dir"
check "status exits 3 when an applied migration is missing" 3 "$rc"
contains "status lists it as missing" "missing" "$out"

# --- single transaction, dry run, --to --------------------------------------
fresh single
put 001_a.sql 'CREATE TABLE a (id int);\n'
put 002_b.sql 'SELECT 1/0;\n'
run up --dir "$dir" --single-transaction
check "--single-transaction failure exits 1" 1 "$rc"
contains "--single-transaction says nothing was applied" "Nothing was applied" "$out"
check "--single-transaction left no ledger rows" "" "$(ledger)"
check "--single-transaction left no table" "" "$(q "SELECT to_regclass('a')")"
put 002_b.sql 'CREATE TABLE b (id int);\n'
put 003_c.sql 'CREATE TABLE c (id int);\n'
run up --dir "$dir" --dry-run
check "--dry-run exits 0" 0 "$rc"
contains "--dry-run reports dry_run" "dry_run" "$out"
check "--dry-run left no ledger rows" "" "$(ledger)"
run up --dir "$dir" --to 002
check "--to stops at the version" "001:applied,002:applied" "$(ledger)"
run up --dir "$dir" --single-transaction
check "--single-transaction applies the rest" "001:applied,002:applied,003:applied" "$(ledger)"

# --- migrations outside a transaction: stop, report, resume ----------------
fresh notx
put 001_t.sql 'CREATE TABLE t (id int, email text);\nINSERT INTO t VALUES (1, $$a$$), (2, $$a$$);\n'
put 002_idx.sql '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n\nCREATE UNIQUE INDEX CONCURRENTLY t_email ON t (email);\nCREATE INDEX CONCURRENTLY t_both ON t (id, email);\n'
put 003_after.sql 'CREATE TABLE after_idx (id int);\n'
run up --dir "$dir" --single-transaction
check "no-transaction: refused inside --single-transaction" 1 "$rc"
contains "no-transaction: the refusal says why" "cannot be part of --single-transaction" "$out"
check "no-transaction: the refusal applied nothing" "" "$(ledger)"
run up --dir "$dir"
check "no-transaction: a failing statement exits 1" 1 "$rc"
contains "no-transaction: says where it stopped" "002_idx.sql, line 4, statement 2 of 3 (CREATE INDEX)" "$out"
contains "no-transaction: says where it resumes" "resumes at statement 2" "$out"
contains "no-transaction: names the INVALID index and the fix" "DROP INDEX CONCURRENTLY t_email;" "$out"
check "no-transaction: progress recorded" "002|1|3" "$(q 'SELECT version, done, statements FROM migrate.progress')"
check "no-transaction: later migrations did not run" "" "$(q "SELECT to_regclass('after_idx')")"
put 002_idx.sql '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);\nCREATE INDEX CONCURRENTLY t_other ON t (email);\n'
run up --dir "$dir"
check "no-transaction: another script for a half-done migration exits 1" 1 "$rc"
contains "no-transaction: the refusal names the file" "migration 002 refused in $dir/002_idx.sql" "$out"
contains "no-transaction: the refusal says where it stopped" "stopped at statement 2 of 3 with a different script" "$out"
put 002_idx.sql '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n\nCREATE UNIQUE INDEX CONCURRENTLY t_email ON t (email);\nCREATE INDEX CONCURRENTLY t_both ON t (id, email);\n'
q "UPDATE t SET email = 'b' WHERE id = 2" >/dev/null
psql -X -q -c "DROP INDEX CONCURRENTLY t_email"
run up --dir "$dir" --json
check "no-transaction: resumes and completes" 0 "$rc"
check "no-transaction: all applied" "001:applied,002:applied,003:applied" "$(ledger)"
check "no-transaction: indexes built once and valid" "t_both:true,t_email:true,t_id:true" "$(q "SELECT string_agg(indexrelid::regclass || ':' || indisvalid, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 't'::regclass")"
check "no-transaction: progress cleared" 0 "$(q 'SELECT count(*) FROM migrate.progress')"
check "no-transaction: each index attributed to its statement, the manual DROP of the INVALID one is not" \
  "002:1:public.t_id,-:-:public.t_email,002:2:public.t_email,002:3:public.t_both" \
  "$(q "SELECT string_agg(coalesce(version, '-') || ':' || coalesce(statement::text, '-') || ':' || object_identity, ',' ORDER BY id) FROM migrate.ddl_log WHERE object_type = 'index'")"

# --- DDL outside migrations: status reports it, the guard refuses it --------
fresh drift
put 001_t.sql 'CREATE TABLE t (id int);
'
put 002_idx.sql '-- migrate:no-transaction
CREATE INDEX CONCURRENTLY t_id ON t (id);
'
q "ALTER DATABASE $PGDATABASE SET migrate.guard = 'block'"
run up --dir "$dir"
check "guard block: migrations (transactional or not) still apply" "0:001:applied,002:applied" "$rc:$(ledger)"
run status --dir "$dir"
check "no drift: status exits 0" 0 "$rc"
psql -X -q -c "CREATE TABLE sneaky (id int)" 2>"$work/guard.err"
contains "guard block: out-of-band DDL refused" "CREATE TABLE is not allowed outside a migration" "$(cat "$work/guard.err")"
psql -X -q -c "SET migrate.guard = off" -c "CREATE TABLE hotfix (id int)" -c "ALTER TABLE t ADD COLUMN note text"
run status --dir "$dir"
check "drift: status exits 3" 3 "$rc"
contains "drift: status says so" "Schema changed outside migrations since the last migration: 2 changes" "$out"
contains "drift: status names the objects" "public.hotfix, public.t" "$out"
run status --dir "$dir" --json
check "drift: --json lists the objects" "public.hotfix ALTER TABLE" "$(echo "$out" | json_field 'out_of_band_ddl.objects.map(o => o.object_identity).join(",").split(",")[0] + " " + j.out_of_band_ddl.objects[1].last_command')"
run up --dir "$dir"
check "drift: up still exits 0" 0 "$rc"
contains "drift: up warns" "the schema was changed outside migrations since the last migration (2 changes" "$out"
q "ALTER DATABASE $PGDATABASE RESET migrate.guard"

# --- verify -------------------------------------------------------------------
fresh verify
run verify
check "verify: without the extension exits 1" 1 "$rc"
contains "verify: says how to install it" '"pg_migrate up" installs it' "$out"
put 001_t.sql '-- migrate:up\nCREATE TABLE t (id int, n int);\n-- migrate:verify\nSELECT count(*) >= 0 FROM t\n'
run up --dir "$dir"
run verify
check "verify: a clean database exits 0" 0 "$rc"
contains "verify: says so" "the database matches its ledger" "$out"
psql -X -q -c "SET migrate.guard = off" -c "ALTER TABLE t ADD CONSTRAINT n_pos CHECK (n > 0) NOT VALID"
run verify --json
check "verify: problems exit 3" 3 "$rc"
check "verify --json: the failing checks" "out_of_band_ddl,schema_drift,unvalidated_constraint" "$(echo "$out" | json_field 'checks.filter(c => !c.ok).map(c => c.check_name).join(",")')"
notified=$(psql -X -c "LISTEN migrate_verify" -c "SELECT count(*) FROM migrate_verify()" 2>&1)
contains "verify: a failing run sends NOTIFY migrate_verify" 'Asynchronous notification "migrate_verify" with payload' "$notified"
contains "verify: the payload names the failing checks" '"checks": ["out_of_band_ddl", "schema_drift", "unvalidated_constraint"]' "$notified"
check "verify: every run is logged" "true,false,false" "$(q "SELECT string_agg(ok::text, ',' ORDER BY id) FROM migrate.verify_log")"
fresh notx_unmarked
put 001_t.sql 'CREATE TABLE t (id int);'
put 002_idx.sql 'CREATE INDEX CONCURRENTLY t_id ON t (id);\n'
put 003_wrapped.sql 'BEGIN;\nCREATE TABLE w (id int);\nCOMMIT;\n'
run up --dir "$dir"
check "an unmarked file holding CREATE INDEX CONCURRENTLY is applied outside a transaction" "0:001:applied,002:applied,003:applied" "$rc:$(ledger)"
contains "... and the output says so" "002_idx.sql  (1 statement outside a transaction" "$out"
check "... the index is valid" "t" "$(q "SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass")"
fresh notx_concurrent
put 001_t.sql 'CREATE TABLE t AS SELECT g AS id, md5(g::text) AS h FROM generate_series(1, 200000) AS g;'
put 002_idx.sql '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY t_h ON t (h);\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n'
put 003_after.sql 'CREATE TABLE after_cic (id int);'
"$PGM" up --dir "$dir" >"$work/n1.log" 2>&1 & p1=$!
"$PGM" up --dir "$dir" >"$work/n2.log" 2>&1 & p2=$!
"$PGM" up --dir "$dir" >"$work/n3.log" 2>&1 & p3=$!
wait $p1; r1=$?; wait $p2; r2=$?; wait $p3; r3=$?
check "three deployers with CREATE INDEX CONCURRENTLY in flight: no deadlock, all exit 0" "0 0 0" "$r1 $r2 $r3"
check "... each migration applied once" "001:applied,002:applied,003:applied" "$(ledger)"
check "... both concurrent indexes valid" "t_h:true,t_id:true" "$(q "SELECT string_agg(indexrelid::regclass || ':' || indisvalid, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 't'::regclass")"
fresh notx_diesel
put 20240101000000_t/up.sql 'CREATE TABLE t (id int);'
put 20240102000000_idx/up.sql 'CREATE INDEX CONCURRENTLY t_id ON t (id);'
put 20240102000000_idx/metadata.toml 'run_in_transaction = false'
run up --dir "$dir"
check "diesel run_in_transaction = false runs CREATE INDEX CONCURRENTLY" "0:20240101000000:applied,20240102000000:applied" "$rc:$(ledger)"

# --- every directory layout ---------------------------------------------------
fresh dbmate
put 20240101120000_a.sql '-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABLE a;\n'
put 20240102120000_b.sql '-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n'
run up --dir "$dir"
check "dbmate: applied" "20240101120000:applied,20240102120000:applied" "$(ledger)"
check "dbmate: down section stored" "DROP TABLE a;" "$(q "SELECT trim(down, E'\\n') FROM migrate.ledger WHERE version = '20240101120000'")"
check "dbmate: only the up section ran" "t" "$(q "SELECT to_regclass('a') IS NOT NULL")"

# goose and rubenv/sql-migrate mark their sections in the same file layout:
# only the up section may run, however it is spelled.
fresh goose
put 20240101120000_a.sql '-- +goose Up\n-- +goose StatementBegin\nCREATE TABLE a (id int);\nCREATE FUNCTION a_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM a; $$;\n-- +goose StatementEnd\n\n-- +goose Down\nDROP FUNCTION a_count();\nDROP TABLE a;\n'
put 20240102120000_b.sql '-- +goose NO TRANSACTION\n-- +goose up\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n-- +goose down\nDROP INDEX CONCURRENTLY a_id;\n'
run up --dir "$dir"
check "goose: applied" "0:20240101120000:applied,20240102120000:applied" "$rc:$(ledger)"
check "goose: only the up sections ran" "t|t" "$(q "SELECT to_regclass('a') IS NOT NULL, to_regclass('a_id') IS NOT NULL" | tr -d '\n')"
check "goose: down section stored" "DROP TABLE a;" "$(q "SELECT split_part(trim(down, E'\\n'), E'\\n', 2) FROM migrate.ledger WHERE version = '20240101120000'")"
run new add_c --dir "$dir"
contains "goose: new writes goose annotations" "-- +goose Up" "$(cat "$dir"/*_add_c.sql)"
fresh sql_migrate
put 0001_a.sql '-- +migrate Up\nCREATE TABLE a (id int);\n\n-- +migrate Down\nDROP TABLE a;\n'
put 0002_b.sql '-- +migrate Up notransaction\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n-- +migrate Down\nDROP INDEX a_id;\n'
run up --dir "$dir"
check "sql-migrate: applied, the notransaction one outside a transaction" "0:0001:applied,0002:applied" "$rc:$(ledger)"
check "sql-migrate: only the up sections ran" "t|t" "$(q "SELECT to_regclass('a') IS NOT NULL, to_regclass('a_id') IS NOT NULL" | tr -d '\n')"
run down --dir "$dir" --to 0001
check "sql-migrate: down runs the Down section" "0:f" "$rc:$(q "SELECT to_regclass('a_id') IS NOT NULL")"
fresh goose_envsub
put 1_a.sql '-- +goose Up\n-- +goose ENVSUB ON\nCREATE TABLE ${TABLE_NAME} (id int);\n'
run up --dir "$dir"
check "goose: ENVSUB is refused before anything runs (exit 1, as bad input)" "1:no ledger" "$rc:$(ledger)"
contains "goose: ... naming the file and line" "1_a.sql: line 2" "$out"

fresh golang
put 1_a.up.sql 'CREATE TABLE a (id int);'
put 1_a.down.sql 'DROP TABLE a;'
put 2_b.up.sql 'CREATE TABLE b (id int);'
put 2_b.down.sql ''
run up --dir "$dir"
check "golang-migrate: applied" "1:applied,2:applied" "$(ledger)"
check "golang-migrate: down file stored" "DROP TABLE a;" "$(q "SELECT down FROM migrate.ledger WHERE version = '1'")"
contains "golang-migrate: layout detected" "golang-migrate" "$("$PGM" status --dir "$dir")"

fresh flyway
put V1__init.sql 'CREATE TABLE a (id int);'
put V1_1__more.sql 'ALTER TABLE a ADD COLUMN b int;'
put V2__next.sql 'CREATE TABLE c (id int);'
put U2__next.sql 'DROP TABLE c;'
put R__views.sql 'CREATE OR REPLACE VIEW va AS SELECT id FROM a;'
run up --dir "$dir"
check "flyway: applied in version order, repeatables last" "1:applied,1.1:applied,2:applied,R__views:applied" "$(ledger)"
check "flyway: undo stored as down" "DROP TABLE c;" "$(q "SELECT down FROM migrate.ledger WHERE version = '2'")"
put R__views.sql 'CREATE OR REPLACE VIEW va AS SELECT id, b FROM a;'
put V3__more.sql 'CREATE TABLE d (id int);'
run status --dir "$dir"
contains "flyway: a changed repeatable is pending" "R__views  views  pending" "$out"
run up --dir "$dir"
check "flyway: versioned first, then the changed repeatable again" "1:applied,1.1:applied,2:applied,R__views:applied,3:applied,R__views:applied" "$(ledger)"
check "flyway: the repeatable's new definition is live" "2" "$(q "SELECT count(*) FROM information_schema.columns WHERE table_name = 'va'")"
run up --dir "$dir"
contains "flyway: an unchanged repeatable is not applied again" "is up to date" "$out"

fresh diesel
put 00000000000000_diesel_initial_setup/up.sql 'CREATE TABLE setup (id int);'
put 00000000000000_diesel_initial_setup/down.sql 'DROP TABLE setup;'
put 2017-08-31-230457_x/up.sql 'CREATE TABLE x (id int);'
put 2017-08-31-230457_x/down.sql 'DROP TABLE x;'
put 20170102131034_y/up.sql 'CREATE TABLE y (id int);'
put 20170102131034_y/down.sql 'DROP TABLE y;'
run up --dir "$dir"
check "diesel: dashes removed, natural order" "00000000000000:applied,20170102131034:applied,20170831230457:applied" "$(ledger)"
# Diesel ignores a loose .sql file beside its folders (a data file): so does
# pg_migrate, and status lists it.
fresh diesel_loose
put 2019-01-01-120000_a/up.sql 'CREATE TABLE a (id int);'
put 2019-01-01-120000_a/down.sql 'DROP TABLE a;'
put 2019-01-02-120000_b/up.sql 'CREATE TABLE b (id int);'
put data.sql 'INSERT INTO a VALUES (1);'
run up --dir "$dir"
check "diesel: a loose .sql file is ignored, the migrations applied" "0:20190101120000:applied,20190102120000:applied:0" \
  "$rc:$(ledger):$(q 'SELECT count(*) FROM a')"
run status --dir "$dir"
check "diesel: status exits 0 with a loose .sql file" 0 "$rc"
contains "diesel: status lists the loose file as not a migration" "not a migration: data.sql" "$out"
run status --dir "$dir" --json
check "diesel: status --json lists it as ignored" "data.sql" "$(echo "$out" | json_field 'ignored[0]')"

fresh prisma
put 20210101120000_init/migration.sql 'CREATE TABLE a (id int);'
put 20210202120000_more/migration.sql 'CREATE TABLE b (id int);'
put migration_lock.toml 'provider = "postgresql"'
run up --dir "$dir"
check "prisma: applied" "20210101120000:applied,20210202120000:applied" "$(ledger)"

# --- bad input: reported by file, nothing applied --------------------------
for case in duplicate utf8 nul unfit; do
  fresh "bad_$case"
  put 001_a.sql 'CREATE TABLE a (id int);'
  case $case in
    duplicate) put 1_again.sql 'CREATE TABLE b (id int);'; expect="1_again.sql: version 1 is also used by" ;;
    utf8) put 002_latin1.sql "SELECT 'caf\\xe9';"; expect="002_latin1.sql: not valid UTF-8 at line 1 (byte offset 11)" ;;
    nul) put 002_nul.sql 'CREATE TABLE b (id int);\n\0CREATE TABLE c (id int);'; expect="002_nul.sql: contains a NUL byte at line 2 (byte offset 25)" ;;
    unfit) put notes.sql 'SELECT 1;'; expect="notes.sql: the name fits no migration layout" ;;
  esac
  run up --dir "$dir"
  check "bad input ($case) exits 1" 1 "$rc"
  contains "bad input ($case) names the file" "$expect" "$out"
  check "bad input ($case) applied nothing" "no ledger" "$(ledger)"
done

# --- placeholders: a migration without statements is a recorded no-op -------
fresh placeholders
put 001_a.sql 'CREATE TABLE a (id int);'
put 002_empty.sql '\n  \n'
put 003_replaced.sql '-- Replaced by 005_e.sql: the number stays taken\n'
put 004_none.sql '-- migrate:no-transaction\n-- nothing to do\n'
put 005_e.sql 'CREATE TABLE e (id int);'
run up --dir "$dir"
check "placeholders: up applies through them" "0:001:applied,002:applied,003:applied,004:applied,005:applied" "$rc:$(ledger)"
contains "placeholders: the client says a no-op was recorded" "003_replaced.sql  (no statements: recorded as a no-op" "$out"
contains "placeholders: the server's notice says so too" "migration 004 has no statements: it is recorded as applied" "$out"
check "placeholders: recorded with 0 statements" "0,0,0" "$(q "SELECT string_agg(statements::text, ',' ORDER BY id) FROM migrate.ledger WHERE version IN ('002', '003', '004')")"
run lint --dir "$dir"
check "placeholders: lint says so without failing" "0" "$rc"
contains "placeholders: lint names the rule" "003_replaced.sql:1: safe empty-script" "$out"

# --- a data migration of several megabytes (parsed in pieces) ---------------
fresh big
put 001_t.sql 'CREATE TABLE big (id int, note text);\n'
python3 -c "
import sys
with open(sys.argv[1], 'w') as f:
    for n in range(60000): f.write(\"INSERT INTO big VALUES (%d, '%s');\\n\" % (n, 'x' * 60))
    f.write('SELEC 1;\\n')" "$dir/002_rows.sql"
run up --dir "$dir"
check "a 5 MB migration with an error on its last line: exit 1, nothing of it kept" "1:001:applied:0" \
  "$rc:$(ledger):$(q 'SELECT count(*) FROM big')"
contains "... the error names its line and statement" "002_rows.sql, line 60001, statement 60001" "$out"
sed -i '$d' "$dir/002_rows.sql"
run up --dir "$dir"
check "the same without the error: applied, every row" "0:001:applied,002:applied:60000" \
  "$rc:$(ledger):$(q 'SELECT count(*) FROM big')"

# --- connection and usage -------------------------------------------------
fresh url
put 001_a.sql 'CREATE TABLE a (id int);'
out="$(env -u PGDATABASE DATABASE_URL="postgresql:///$PGDATABASE?host=$PGHOST&port=$PGPORT&user=postgres" "$PGM" up --dir "$dir" 2>&1)"; rc=$?
check "DATABASE_URL is used" "0:001:applied" "$rc:$(ledger)"
run status --dir "$dir" -d "host=$PGHOST port=$PGPORT dbname=$PGDATABASE"
check "-d takes a conninfo string" 0 "$rc"
run status --dir "$dir" -d "postgresql://nobody@127.0.0.1:1/none"
check "a failed connection exits 1" 1 "$rc"
contains "a failed connection says so" "could not connect" "$out"
run frobnicate
check "an unknown command exits 2" 2 "$rc"
run up --to "bad version!" --dir "$dir"
check "an invalid --to exits 2" 2 "$rc"
run up --help
check "--help exits 0" 0 "$rc"
contains "--help documents the exit codes" "4  a file changed after its migration was applied" "$out"

# --- backup and side-by-side status ------------------------------------------
fresh backup
put 001_a.sql 'CREATE TABLE a (id int);\nINSERT INTO a VALUES (42);\n'
put 002_b.sql 'CREATE TABLE b (id int);\n'
run up --dir "$dir" --to 001
run up --dir "$dir" --backup "/nonexistent/dir/backup.dump"
check "--backup: a failing pg_dump exits 1" 1 "$rc"
contains "--backup: says pg_dump failed" "pg_dump failed" "$out"
check "--backup: nothing applied after a failed dump" "001:applied" "$(ledger)"
run up --dir "$dir" --backup "$work/backup.dump"
check "--backup: applies after the dump" "0:001:applied,002:applied" "$rc:$(ledger)"
check "--backup: the dump is a real custom-format archive" "t" "$(pg_restore -l "$work/backup.dump" | grep -q 'TABLE DATA public a' && echo t)"
check "--backup: the dump was taken before applying" "" "$(pg_restore -l "$work/backup.dump" | grep 'TABLE public b' || true)"
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS pgm_client_other" -c "CREATE DATABASE pgm_client_other"
PGDATABASE=pgm_client_other "$PGM" up --dir "$dir" --to 001 >/dev/null 2>&1
run status --dir "$dir" --db "dbname=$PGDATABASE" --db "dbname=pgm_client_other"
check "status --db --db exits 0" 0 "$rc"
contains "status --db --db: one column per database" "002      b     applied             pending" "$out"
run status --dir "$dir" --db "dbname=$PGDATABASE" --db "dbname=pgm_client_other" --json
check "status --db --db --json: states side by side" "applied,pending" "$(echo "$out" | json_field 'migrations[1].states.join(",")')"
psql -X -q -d postgres -c "DROP DATABASE pgm_client_other"

# --- two deployers at once ----------------------------------------------------
fresh concurrent
for i in $(seq -w 1 30); do put "0${i}_t.sql" "CREATE TABLE t$i (id int);\nSELECT pg_sleep(0.01);\n"; done
"$PGM" up --dir "$dir" >"$work/c1.log" 2>&1 & p1=$!
"$PGM" up --dir "$dir" >"$work/c2.log" 2>&1 & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "two concurrent up both exit 0" "0 0" "$r1 $r2"
check "each migration applied exactly once" "30|30" "$(q "SELECT count(*), count(DISTINCT version) FROM migrate.ledger")"

# --- the deploy lock, given back at the end -------------------------------------
# A migration that releases the session's advisory locks takes the deploy
# lock with them: the run still succeeds, and says it did not hold the lock
# at its end (what a pooler in transaction mode would also cause).
fresh deploy_lock
put 001_a.sql 'CREATE TABLE a (id int);\n'
run up --dir "$dir"
check "a run gives the deploy lock back without a word" "0|" "$rc|$(grep -c 'deploy lock' <<<"$out" | sed 's/^0$//')"
put 002_b.sql 'SELECT pg_advisory_unlock_all();\n'
run up --dir "$dir"
check "a run whose lock a migration released exits 0" 0 "$rc"
contains "... and warns that the lock was no longer held" "warning: the deploy lock was no longer held by this session" "$out"
put 003_c.sql 'SELECT pg_advisory_unlock_all();\n'
out="$("$PGM" up --json --dir "$dir" 2>/dev/null)"
contains "... in --json as deploy_lock_warning" "a migration released it" "$(json_field deploy_lock_warning <<<"$out")"

# --- new ------------------------------------------------------------------
fresh new_plain
put 009_a.sql 'SELECT 1;'
run new add_orders --dir "$dir"
check "new: next number keeps the padding" "$dir/010_add_orders.sql" "$(ls "$dir"/010_*)"
contains "new: dbmate template" "-- migrate:up" "$(cat "$dir/010_add_orders.sql")"
fresh new_golang
put 1_a.up.sql 'SELECT 1;'
put 1_a.down.sql ''
run new second --dir "$dir"
check "new: golang pair" "2_second.down.sql 2_second.up.sql" "$(cd "$dir" && ls 2_* | tr '\n' ' ' | sed 's/ $//')"
fresh new_empty
rmdir "$dir"
run new first --dir "$dir"
check "new: creates the directory and a timestamped file" 1 "$(ls "$dir" | grep -cE '^[0-9]{14}_first\.sql$')"

# --- down, baseline, adopt ------------------------------------------------
fresh down
put 001_a.sql '-- migrate:up\nCREATE TABLE a (id int);\n-- migrate:down\nDROP TABLE a;\n'
put 002_b.sql '-- migrate:up\nCREATE TABLE b (id int);\n-- migrate:down\nDROP TABLE b;\n'
put 003_c.sql 'CREATE TABLE c (id int);\n'
run up --dir "$dir"
run down --to 001 --dir "$dir"
check "down: a migration without a down script refuses the revert" 1 "$rc"
contains "down: the refusal names it" "Without a down script: 003" "$out"
check "down: nothing was reverted" "" "$(q "SELECT string_agg(version, ',') FROM migrate.ledger WHERE status = 'reverted'")"
put 003_c.sql '-- migrate:up\nCREATE TABLE c (id int);\n-- migrate:down\nDROP TABLE c;\n'
run down --to 001 --dir "$dir" --dry-run
check "down --dry-run exits 0 and keeps everything" "0:3" "$rc:$(q "SELECT count(*) FROM pg_class WHERE relname IN ('a', 'b', 'c')")"
contains "down --dry-run: what each down script did, as up --dry-run says it" "lock     AccessExclusiveLock on public.c" "$out"
contains "down --dry-run: ... and the run's strongest locks" "locks    public.b in AccessExclusiveLock (migration 002, statement 1)" "$out"
run down --to 001 --dir "$dir" --reason "bad release" --json
check "down: the file's down script fills the gap, newest first" "003,002" "$(echo "$out" | json_field 'migrations.map(m => m.version).join()')"
check "down: the schema is back at 001" "a" "$(q "SELECT string_agg(relname, ',') FROM pg_class WHERE relname IN ('a', 'b', 'c')")"
check "down: the reason is recorded" "bad release" "$(q "SELECT DISTINCT reason FROM migrate.ledger WHERE status = 'reverted'")"
run status --dir "$dir"
check "down: reverted versions are pending again" "0" "$rc"
contains "down: status shows them pending" "1 applied, 2 pending" "$out"
run up --dir "$dir"
check "down: up applies them again" "0:a,b,c" "$rc:$(q "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relname IN ('a', 'b', 'c')")"
run down --to 003 --dir "$dir"
contains "down: nothing above the version" "nothing to revert" "$out"

fresh baseline
q "CREATE TABLE legacy (id int)"
put 001_legacy.sql 'CREATE TABLE legacy (id int);\n'
put 002_more.sql 'CREATE TABLE more (id int);\n'
run baseline 001 --name "production as found"
check "baseline exits 0 (installing the extension)" 0 "$rc"
run status --dir "$dir"
contains "baseline: the baseline version counts as there" "1 baseline, 1 pending" "$out"
run up --dir "$dir"
check "baseline: up applies only what is above it" "0:001:baseline,002:applied" "$rc:$(ledger)"
run baseline 001 --json
check "baseline: refused at an applied version" "1:MG010" "$rc:$(echo "$out" | json_field 'error.sqlstate')"
run verify
check "baseline: verify is clean" 0 "$rc"

fresh adopt
q "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (2, false); CREATE TABLE a (id int); CREATE TABLE b (id int);"
put 000001_a.up.sql 'CREATE TABLE a (id int);'
put 000001_a.down.sql 'DROP TABLE a;'
put 000002_b.up.sql 'CREATE TABLE b (id int);'
put 000002_b.down.sql 'DROP TABLE b;'
put 000003_c.up.sql 'CREATE TABLE c (id int);'
put 000003_c.down.sql 'DROP TABLE c;'
run adopt --dir "$dir"
check "adopt exits 0" 0 "$rc"
contains "adopt: names the tool" "golang-migrate history" "$out"
check "adopt: one row per file up to golang-migrate's version, with the files' checksums" "000001:adopted:true,000002:adopted:true" \
  "$(q "SELECT string_agg(version || ':' || status || ':' || (checksum IS NOT NULL), ',' ORDER BY id) FROM migrate.ledger")"
run up --dir "$dir"
check "adopt: up applies only the rest" "0:c" "$rc:$(q "SELECT string_agg(relname, ',') FROM pg_class WHERE relname = 'c'")"
check "adopt: golang-migrate's table is untouched" "2|f" "$(q "SELECT version, dirty FROM schema_migrations")"
put 000001_a.up.sql 'CREATE TABLE a (id bigint);'
run status --dir "$dir"
check "adopt: a later edit of an adopted file is noticed" 4 "$rc"
fresh adopt_goose
q "CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT now(), PRIMARY KEY (id)); INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, true), (1, true), (2, true); CREATE TABLE a (id int); CREATE TABLE b (id int);"
put 00001_a.sql '-- +goose Up\nCREATE TABLE a (id int);\n-- +goose Down\nDROP TABLE a;\n'
put 00002_b.sql '-- +goose Up\nCREATE TABLE b (id int);\n-- +goose Down\nDROP TABLE b;\n'
put 00003_c.sql '-- +goose Up\nCREATE TABLE c (id int);\n-- +goose Down\nDROP TABLE c;\n'
run adopt --dir "$dir"
check "adopt goose: the versions goose applied, spelled as the files, with their checksums" "0:00001:adopted:true,00002:adopted:true" \
  "$rc:$(q "SELECT string_agg(version || ':' || status || ':' || (checksum IS NOT NULL), ',' ORDER BY id) FROM migrate.ledger")"
run up --dir "$dir"
check "adopt goose: up applies only the rest, its up section alone" "0:00001:adopted,00002:adopted,00003:applied:t" \
  "$rc:$(ledger):$(q "SELECT to_regclass('c') IS NOT NULL")"
fresh adopt_dirty
q "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (7, true)"
run adopt --dir "$dir" --json
check "adopt: a dirty golang-migrate version is refused" "1:MG012" "$rc:$(echo "$out" | json_field 'error.sqlstate')"

fresh safety
put 001_users.sql 'CREATE TABLE users (id bigint PRIMARY KEY, legacy text);\nINSERT INTO users SELECT g, g::text FROM generate_series(1, 50) g;\n'
put 002_drop_legacy.sql '-- migrate:up\nCREATE TABLE kept (id int);\nALTER TABLE users DROP COLUMN legacy;\n-- migrate:down\nALTER TABLE users ADD COLUMN legacy text;\nDROP TABLE kept;\n'
run up --dir "$dir" --json
check "safety: a migration that would destroy data is refused (MG013), exit 1" "1:MG013" "$rc:$(echo "$out" | json_field 'error.sqlstate')"
contains "safety: the error says how much would be lost" "would destroy 50 values" "$out"
check "safety: nothing of the refused migration ran" "001:applied:" "$(ledger):$(q "SELECT to_regclass('kept')")"
run lint --dir "$dir"
check "lint: a data_loss finding exits 3" 3 "$rc"
contains "lint: names file, line, risk and rule" "002_drop_legacy.sql:3: data_loss dropping-column" "$out"
run lint --dir "$dir" --fail-on data_loss --json
check "lint --json: one document with the findings of each file" "3:data_loss" "$rc:$(echo "$out" | json_field 'files[1].findings[0].risk')"
run lint --dir "$dir" --fail-on ""
check "lint --fail-on '': findings are reported, exit 0" 0 "$rc"
run up --dir "$dir" --allow bogus
check "up --allow with an unknown risk is a usage error" 2 "$rc"
run up --dir "$dir" --allow data_loss
check "up --allow data_loss applies it, with its risk in the ledger" "0:data_loss" \
  "$rc:$(q "SELECT risk FROM migrate.ledger WHERE version = '002'")"
q "INSERT INTO kept VALUES (1)"
run down --to 001 --dir "$dir"
check "down: a down script that would destroy data is refused too" "1:1" "$rc:$(q 'SELECT count(*) FROM kept')"
run down --to 001 --dir "$dir" --allow data_loss
check "down --allow data_loss reverts" "0:" "$rc:$(q "SELECT to_regclass('kept')")"
run up --dir "$dir" --allow data_loss
put 003_truncate.sql '-- migrate:allow data_loss\nTRUNCATE users;\n'
run up --dir "$dir"
check "safety: a '-- migrate:allow data_loss' line in the file allows it" "0:0" "$rc:$(q 'SELECT count(*) FROM users')"
put 004_sections.sql '-- migrate:allow data_loss\n-- migrate:up\nDELETE FROM kept_too;\n-- migrate:down\nSELECT 1;\n'
q "CREATE TABLE kept_too (id int); INSERT INTO kept_too VALUES (1)"
run up --dir "$dir"
check "safety: an allow line above the up section (dbmate layout) allows it too" "0:0" "$rc:$(q 'SELECT count(*) FROM kept_too')"
fresh lint_refusals
q "CREATE EXTENSION pg_migrate"
put 001_index.sql '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY pg_class_probe ON pg_class (relname);\n'
run lint --dir "$dir" --fail-on ""
check "lint: a no-transaction file is linted as it runs (no refusal)" "0" "$rc"
put 002_commit.sql 'CREATE TABLE t (id int);\nCOMMIT;\n'
run lint --dir "$dir" --fail-on ""
check "lint: what up would refuse exits 3 whatever --fail-on" 3 "$rc"
contains "lint: the refusal names file, line and rule" "002_commit.sql:2: error transaction-control: COMMIT is not allowed in a migration" "$out"
put 003_index.sql 'CREATE INDEX ON not_in_this_database (x);\n'
run lint --dir "$dir" --format github --fail-on data_loss
check "lint --format github: exit code as in text" 3 "$rc"
contains "lint --format github: what fails is an ::error annotation with file, line and rule" \
  "002_commit.sql,line=2,title=error transaction-control::COMMIT is not allowed in a migration: Statement 2" "$out"
contains "lint --format github: what does not fail is a ::warning" "::warning file=$dir/003_index.sql,line=1,title=locking creating-index::CREATE INDEX on not_in_this_database" "$out"
run lint --dir "$dir" --format json
check "lint --format json is --json" "002_commit.sql:error" "$(echo "$out" | json_field 'files[1].file.split("/").pop()'):$(echo "$out" | json_field 'files[1].findings[0].risk')"
put 004_typo.sql 'CREATE TABLE t4 (id int);\nCREATE TABEL t5 (id int);\n'
run lint --dir "$dir" --fail-on ""
check "lint: a syntax error fails the lint (exit 3)" 3 "$rc"
contains "lint: ... as a finding of its own, at its line" "004_typo.sql:2: error syntax-error: syntax error at or near \"TABEL\"" "$out"

# --- dry run with evidence; a migration under way in status ----------------
fresh evidence
put 001_users.sql 'CREATE TABLE users (id int PRIMARY KEY, n int);\nINSERT INTO users SELECT g, g FROM generate_series(1, 100) g;\n'
run up --dir "$dir"
put 002_widen.sql '-- widen n\n\nALTER TABLE users ALTER COLUMN n TYPE bigint;\nUPDATE users SET n = n + 1 WHERE id <= 5;\n'
put 003_index.sql '-- migrate:up\nCREATE TABLE extra (id int);\nCREATE INDEX ON users (n);\n-- migrate:down\nDROP TABLE extra;\n'
run up --dir "$dir" --dry-run
check "dry run with evidence: exits 0, applies nothing" "0:001:applied" "$rc:$(ledger)"
contains "dry run: each statement with its file line, command and rows" "statement 2, line 4: UPDATE  (5 rows" "$out"
contains "dry run: the lock a statement took" "lock     AccessExclusiveLock on public.users" "$out"
contains "dry run: the table a statement rewrote" "rewrite  public.users (column type changed)" "$out"
contains "dry run: lines of a section file are the file's" "statement 2, line 3: CREATE INDEX" "$out"
contains "dry run: the summary names the strongest lock and where" \
  "locks    public.users in AccessExclusiveLock (migration 002, statement 1)" "$out"
run up --dir "$dir" --dry-run --json
check "dry run --json: rows per statement" 5 "$(echo "$out" | json_field 'migrations[0].report.statements[1].rows')"
check "dry run --json: the run's rewritten tables" "public.users:002" \
  "$(echo "$out" | json_field 'evidence.tables_rewritten[0].table + ":" + j.evidence.tables_rewritten[0].version')"
check "dry run --json: each migration's risk" "breaking" "$(echo "$out" | json_field 'migrations[0].risk')"
# A session holds a lock the next migration needs: status shows the migration
# waiting, at which statement, and who blocks it; once the holder is gone it applies.
PGAPPNAME=holder psql -X -q -c "BEGIN" -c "LOCK TABLE users IN ACCESS SHARE MODE" -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 50); do [ "$(q "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'holder' AND l.relation = 'users'::regclass")" = 1 ] && break; sleep 0.1; done
PGOPTIONS="-c migrate.lock_timeout=60s" "$PGM" up --dir "$dir" >"$work/up.out" 2>&1 &
deployer=$!
for _ in $(seq 100); do run status --dir "$dir"; [[ "$out" == *"running: "* ]] && break; sleep 0.1; done
contains "status: a migration under way, where it is and what it waits for" \
  "running: migration 002 by $PGUSER since" "$out"
contains "status: ... statement n of N and the lock" "statement 1 of 2: ALTER TABLE; waiting for AccessExclusiveLock on public.users" "$out"
contains "status: ... and who blocks it" 'blocked by pid' "$out"
run status --dir "$dir" --json
check "status --json: the running migration" "002" "$(echo "$out" | json_field 'running[0].version')"
q "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'holder'" >/dev/null
wait "$holder" 2>/dev/null
wait "$deployer"
check "once the holder is gone, the waiting run applies" "0:001:applied,002:applied,003:applied" "$?:$(ledger)"

# --- a plain pg_dump (schema and data) as the first migration -------------
# What a team adopting pg_migrate on an existing database starts from: the
# dump as psql would restore it, COPY data and \restrict lines included.
fresh dump_baseline
dump_src=pgm_client_dump_src
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $dump_src WITH (FORCE)" -c "CREATE DATABASE $dump_src" 2>/dev/null
psql -X -q -v ON_ERROR_STOP=1 -d $dump_src <<'SQL'
CREATE TYPE mood AS ENUM ('ok', 'meh');
CREATE TABLE people (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, name text NOT NULL, mood mood,
                     note text, tags text[], born date);
CREATE TABLE empty_one (id int);
CREATE TABLE orders (id serial PRIMARY KEY, person bigint REFERENCES people, total numeric(10,2) CHECK (total >= 0));
CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100;
CREATE FUNCTION total_of(p bigint) RETURNS numeric LANGUAGE sql AS $$ SELECT sum(total) FROM orders WHERE person = p $$;
INSERT INTO people (name, mood, note, tags, born) VALUES
  ('Ada', 'ok', E'tab\there; semi', '{a,"b c"}', '1815-12-10'),
  ('Bo', NULL, E'line\nbreak \\ backslash', NULL, NULL),
  ('Cé', 'meh', E'\\.', '{}', '2000-01-01');
INSERT INTO orders (person, total) SELECT 1 + i % 3, i * 7.5 FROM generate_series(1, 50) AS i;
SQL
pg_dump --no-owner --no-privileges -d $dump_src -f "$dir/20240101000000_baseline.sql"
rows_of() {  # database
  psql -X -q -At -d "$1" -c "SELECT string_agg(format('%s|%s|%s|%s|%s|%s', id, name, mood, note, tags, born), ';' ORDER BY id) FROM people" \
    -c "SELECT count(*), sum(total), max(id) FROM orders" -c "SELECT count(*) FROM empty_one" | paste -sd'#'
}
schema_of() {  # database: the dump's schema, without pg_migrate, comments and the random \restrict key
  pg_dump --no-owner --no-privileges -s -N migrate -d "$1" |
    grep -v -e '^\\\(un\)\?restrict ' -e 'pg_migrate' -e '^--' -e '^$'
}
run up --dir "$dir"
check "a plain pg_dump with data applies as the first migration" "0:20240101000000:applied" "$rc:$(ledger)"
check "... it holds \\restrict lines and COPY data" "2:3" \
  "$(grep -c '^\\\(un\)\?restrict ' "$dir/20240101000000_baseline.sql"):$(grep -c '^COPY .* FROM stdin;$' "$dir/20240101000000_baseline.sql")"
check "... the rows are the source's (tabs, newlines, backslashes, a value \\. , arrays, NULLs)" "$(rows_of $dump_src)" "$(rows_of $PGDATABASE)"
check "... and so is the schema" "$(schema_of $dump_src)" "$(schema_of $PGDATABASE)"
check "... the identity goes on after the dumped rows" "4" "$(q "INSERT INTO people (name) VALUES ('Di') RETURNING id")"
pg_dump --no-owner --no-privileges -d $dump_src -f "$work/redump.sql"
cp "$work/redump.sql" "$dir/20240101000000_baseline.sql"
run up --dir "$dir"
check "a new dump of the same database (another \\restrict key) is a cosmetic change" "0" "$rc"
psql -X -q -d $dump_src -c "UPDATE people SET name = 'Ida' WHERE id = 1"
pg_dump --no-owner --no-privileges -d $dump_src -f "$dir/20240101000000_baseline.sql"
run up --dir "$dir"
check "a dump with a changed row is an edited migration (exit 4)" "4" "$rc"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $dump_src WITH (FORCE)"

# --- a large file: streamed, or sent whole ---------------------------------
# A file of 8 MB or more goes as COPY data to migrate_apply_stream (the ledger
# keeps its COPY data summarised); a role that may run migrate_apply but was
# not granted migrate_apply_stream has it sent whole, as before 0.16.
large_file() {
  { printf 'CREATE TABLE big (id int, note text);\nCOPY big FROM stdin;\n'
    seq 1 140000 | sed 's/$/\tabcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefgh/'
    printf '\\.\n'; } >"$dir/001_big.sql"
}
fresh streamed
large_file
run up --dir "$dir"
check "a large file applies streamed: its rows, its data summarised in the ledger" "0:140000:t" \
  "$rc:$(q "SELECT count(*) FROM big"):$(q "SELECT script_summarised FROM migrate.ledger")"
fresh streamed_whole
large_file
psql -X -q -d postgres -c "DROP ROLE IF EXISTS pgm_whole_deployer" -c "CREATE ROLE pgm_whole_deployer LOGIN"
q "CREATE EXTENSION pg_migrate"
q "GRANT CREATE ON SCHEMA public TO pgm_whole_deployer"
q "DO \$\$ DECLARE f regprocedure; BEGIN
     FOR f IN SELECT objid::regprocedure FROM pg_depend
               WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_migrate')
                 AND classid = 'pg_proc'::regclass AND deptype = 'e'
                 AND objid <> 'pg_catalog.migrate_apply_stream(text, text, text, text, integer, interval, boolean, text, jsonb, text, text, text[])'::regprocedure LOOP
       EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO pgm_whole_deployer', f);
     END LOOP; END \$\$"
out="$(PGUSER=pgm_whole_deployer "$PGM" up --dir "$dir" 2>&1)"; rc=$?
check "... a role without EXECUTE on migrate_apply_stream has it sent whole" "0:140000:f" \
  "$rc:$(q "SELECT count(*) FROM big"):$(q "SELECT script_summarised FROM migrate.ledger")"
psql -X -q -d postgres -c "DROP DATABASE $PGDATABASE WITH (FORCE)" -c "DROP ROLE pgm_whole_deployer"

# --- background workers stopped mid-work ----------------------------------
# A run of several migrations leaves the schema recording to a background
# worker; DROP DATABASE ... WITH (FORCE) right after it terminates the worker
# wherever it is, again and again: the server neither crashes nor hangs (a
# worker ended inside its signal handler could die in malloc, or leave a
# shared lock taken for ever).
server_log="${PGM_CLUSTER_ROOT:-}/server.log"
crashes() { if [ -r "$server_log" ]; then grep -c 'terminated by signal' "$server_log"; else echo 0; fi; }
crashes_before=$(crashes)
fresh worker_stop
for i in 1 2 3 4 5 6; do put "00${i}_t.sql" "CREATE TABLE t$i (id int, v text);\nCREATE INDEX ON t$i (v);\n"; done
no_hang=true
for _ in $(seq 25); do
  "$PGM" up --dir "$dir" >/dev/null 2>&1
  if ! timeout 60 psql -X -q -d postgres -c "DROP DATABASE $PGDATABASE WITH (FORCE)" \
         -c "CREATE DATABASE $PGDATABASE" >/dev/null 2>&1; then no_hang=false; break; fi
done
check "workers terminated mid-work by DROP DATABASE ... WITH (FORCE), 25 times: nothing hangs" true "$no_hang"
check "... and no server process crashed" "$crashes_before" "$(crashes)"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $PGDATABASE WITH (FORCE)"
# Every failure again, where a log cut short still shows it.
[ "$failed" = 0 ] || grep -h "^not ok" "$work/results" 2>/dev/null
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
