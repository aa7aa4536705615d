#!/usr/bin/env bash
# The client through Debian's PgBouncer in transaction mode (pool of 3 server
# connections), in front of the ctest cluster (PG* set), while other clients
# use the same pool: every command run after run, with no state of its own
# left on a server connection the pooler hands to another client (named
# prepared statements were: "prepared statement pg_migrate_1 already
# exists"); four deployers at once over 44 migrations, four of them outside a
# transaction (run by the server's runner: the client has no session to run
# them in), each migration applied exactly once and every index valid; the
# client says it is behind a pooler, and is not on a direct connection; the
# same runs through PgBouncer in session mode.
#   tests/pooler_test.sh PG_MIGRATE_BINARY
# Exits 77 (skipped) where pgbouncer is not installed.
set -uo pipefail
PGM="$1"
bouncer="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
[ -x "$bouncer" ] || { echo "pgbouncer is not installed: skipped"; exit 77; }

# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"
as_server_user() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# PgBouncer on a private port and socket directory, run as the server's user
# (it refuses root), stopped on exit.
work="$(mktemp -d)"
chmod 755 "$work"
port=""
for p in $(seq 56330 56999); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
cat >"$work/pgbouncer.ini" <<INI
[databases]
pgm_pooler_session = host=$PGHOST port=$PGPORT dbname=pgm_pooler pool_mode=session
* = host=$PGHOST port=$PGPORT
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir = $work
auth_type = trust
auth_file = $work/users.txt
pool_mode = transaction
default_pool_size = 3
max_client_conn = 100
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
INI
echo '"postgres" ""' >"$work/users.txt"
chown -R postgres "$work"
as_server_user "$bouncer" -d "$work/pgbouncer.ini" || { echo "pgbouncer did not start"; cat "$work/pgbouncer.log"; exit 1; }
cleanup() {
  [ -f "$work/pgbouncer.pid" ] && kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 50); do [ -e "$work/.s.PGSQL.$port" ] && break; sleep 0.1; done

direct() { psql -X -q -At -v ON_ERROR_STOP=1 -d pgm_pooler "$@"; }
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS pgm_pooler WITH (FORCE)" -c "CREATE DATABASE pgm_pooler"
# Commits as a production server makes them (the test cluster may not): the
# client defers all but a run's last, which must not outlive the migration's
# transaction on a pooled server connection.
psql -X -q -d postgres -c "ALTER DATABASE pgm_pooler SET synchronous_commit = on"
# The client's connection goes through the pooler.
pooled() { PGHOST="$work" PGPORT="$port" PGDATABASE=pgm_pooler "$PGM" "$@"; }

dir="$work/migrations"
mkdir -p "$dir"
for i in $(seq -w 1 12); do printf 'CREATE TABLE t%s (id int);\nINSERT INTO t%s VALUES (%d);\n' "$i" "$i" "$((10#$i))" >"$dir/0${i}_t.sql"; done

# One deployer, run after run (several at once through such a pooler are
# issue 22's: a run's session lock can stay on a server connection).
for run in 1 2 3; do
  # Files added between runs: each run has something to apply.
  [ "$run" -gt 1 ] && printf 'CREATE TABLE r%d (id int);\n' "$run" >"$dir/10${run}_r.sql"
  out="$(pooled up --dir "$dir" 2>&1)"; rc=$?
  check "through the pooler, up run $run exits 0" 0 "$rc"
  [ "$rc" = 0 ] || echo "$out" | sed 's/^/    /'
done
check "each migration applied exactly once" "14:14" \
  "$(direct -c "SELECT count(*), count(DISTINCT version) FROM migrate.ledger WHERE status = 'applied'" | tr '|' ':')"
# Other clients keep the pool's server connections busy meanwhile, so that
# the client's statements land on different ones.
busy() {
  for _ in $(seq 40); do
    PGHOST="$work" PGPORT="$port" psql -X -q -At -d pgm_pooler -c "SELECT pg_sleep(0.05)" >/dev/null 2>&1
  done
}
busy & b1=$!
busy & b2=$!
for command in status lint verify; do
  codes=""
  for _ in 1 2 3; do
    pooled "$command" --dir "$dir" >/dev/null 2>&1
    codes+="$?"
  done
  check "through the pooler, $command run after run exits 0" "000" "$codes"
done
wait "$b1" "$b2"

# --- The client knows where it is ------------------------------------------
out="$(pooled status --dir "$dir" 2>&1)"
check "status through the pooler says so" "1" "$(echo "$out" | grep -c 'connection pooler')"
printf 'CREATE TABLE detect (id int);\n' >"$dir/200_detect.sql"
check "up --json through the pooler: pooler true" '"pooler": true' "$(pooled up --dir "$dir" --json | grep -o '"pooler": [a-z]*')"
printf 'CREATE TABLE detect2 (id int);\n' >"$dir/201_detect.sql"
check "up --json on a direct connection: pooler false" '"pooler": false' \
  "$(PGDATABASE=pgm_pooler "$PGM" up --dir "$dir" --json | grep -o '"pooler": [a-z]*')"

# A run of several migrations leaves the schema snapshot to the server's
# worker after it, as on a direct connection (a setting of each migration's
# own transaction instead of the session's), and sets nothing for the session.
for i in 1 2 3; do printf 'CREATE TABLE defer%s (id int);\n' "$i" >"$dir/30${i}_defer.sql"; done
check "up of several migrations through the pooler defers the schema snapshot" '"recording in the background"' \
  "$(pooled up --dir "$dir" --json | grep -o '"schema_snapshot": "[a-z ]*"' | cut -d' ' -f2-)"
check "... and leaves no setting on the pool's connections" "off:on" \
  "$(for _ in 1 2 3 4; do PGHOST="$work" PGPORT="$port" psql -X -At -d pgm_pooler -c "SELECT current_setting('migrate.defer_schema_snapshot', true)" ; done | sort -u | tr '\n' ':' | sed 's/:$//'):$(PGHOST="$work" PGPORT="$port" psql -X -At -d pgm_pooler -c "SHOW synchronous_commit")"

# --- Four deployers at once, with migrations outside a transaction --------
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS pgm_pooler WITH (FORCE)" -c "CREATE DATABASE pgm_pooler"
dir="$work/fleet"
mkdir -p "$dir"
for i in $(seq -w 1 44); do
  n=$((10#$i))
  if [ $((n % 11)) = 0 ]; then
    # Outside a transaction: two concurrent index builds on the table before.
    prev=$(printf '%02d' $((n - 1)))
    printf -- '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY c%s_a ON t%s (id);\nCREATE INDEX CONCURRENTLY c%s_b ON t%s (v);\n-- migrate:down\nDROP INDEX c%s_a;\nDROP INDEX c%s_b;\n' \
      "$i" "$prev" "$i" "$prev" "$i" "$i" >"$dir/0${i}_concurrent.sql"
  else
    printf -- '-- migrate:up\nCREATE TABLE t%s (id int, v text);\nINSERT INTO t%s SELECT g, g::text FROM generate_series(1, 2000) g;\nCREATE INDEX t%s_id ON t%s (id);\n-- migrate:down\nDROP TABLE t%s;\n' \
      "$i" "$i" "$i" "$i" "$i" >"$dir/0${i}_t.sql"
  fi
done
busy & b1=$!
busy & b2=$!
pids=()
for d in 1 2 3 4; do
  pooled up --dir "$dir" --json >"$work/deployer$d.json" 2>"$work/deployer$d.err" & pids+=($!)
done
codes=""
for pid in "${pids[@]}"; do wait "$pid"; codes+="$?"; done
wait "$b1" "$b2"
check "four deployers at once through the pooler: each exits 0" "0000" "$codes"
[ "$codes" = "0000" ] || for d in 1 2 3 4; do sed 's/^/    /' "$work/deployer$d.err"; grep -A8 '"error"' "$work/deployer$d.json" | sed 's/^/    /'; done
check "... every migration applied exactly once" "44:44" \
  "$(direct -c "SELECT count(*), count(DISTINCT version) FROM migrate.ledger WHERE status = 'applied'" | tr '|' ':')"
check "... each applied by exactly one deployer" "44" \
  "$(cat "$work"/deployer*.json | grep -c '"status": "applied"')"
check "... every index valid, the concurrent ones included" "0:8" \
  "$(direct -c "SELECT count(*) FILTER (WHERE NOT indisvalid), count(*) FILTER (WHERE indexrelid::regclass::text LIKE 'c%') FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid WHERE c.relname LIKE 't%'" | tr '|' ':')"
check "... the runner's DDL attributed to its migrations, nothing out of band" "8:0" \
  "$(direct -c "SELECT count(*) FILTER (WHERE version IN ('011', '022', '033', '044')), count(*) FILTER (WHERE version IS NULL) FROM migrate.ddl_log" | tr '|' ':')"

# --- Session mode: the same runs keep working ------------------------------
printf -- '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY t01_v ON t01 (v);\n-- migrate:down\nDROP INDEX t01_v;\n' >"$dir/050_session.sql"
printf -- '-- migrate:up\nCREATE TABLE s51 (id int);\n-- migrate:down\nDROP TABLE s51;\n' >"$dir/051_session.sql"
codes=""
for command in up status verify up; do
  PGHOST="$work" PGPORT="$port" PGDATABASE=pgm_pooler_session "$PGM" "$command" --dir "$dir" >/dev/null 2>&1
  codes+="$?"
done
check "through the pooler in session mode: up, status, verify, up exit 0" "0000" "$codes"
check "... the migrations applied" "2:0" \
  "$(direct -c "SELECT count(*) FROM migrate.ledger WHERE version IN ('050', '051') AND status = 'applied'"):$(direct -c "SELECT count(*) FROM pg_index WHERE NOT indisvalid")"
pooled down --to 044 --dir "$dir" >/dev/null 2>&1
check "down through the pooler reverts them" "0" "$?"
rm "$dir/050_session.sql" "$dir/051_session.sql"

# A migration outside a transaction that fails through the pooler: the
# server runner's row comes back as the client's error, with the index left
# INVALID named.
printf -- '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY t01_id_b ON t01 (id);\nCREATE UNIQUE INDEX CONCURRENTLY t01_one ON t01 ((1));\n' >"$dir/060_fails.sql"
out="$(pooled up --dir "$dir" 2>&1)"; rc=$?
check "a failing no-transaction migration through the pooler exits 1" 1 "$rc"
check "... naming the statement, line and the index left INVALID" "1:1" \
  "$(echo "$out" | grep -c 'line 3, statement 2 of 2'):$(echo "$out" | grep -c 'left index t01_one INVALID')"
rm "$dir/060_fails.sql"
direct -c "DROP INDEX t01_one; DROP INDEX t01_id_b; DELETE FROM migrate.progress" >/dev/null

# --- down, new, baseline, adopt through the pooler ------------------------
out="$(pooled down --to 042 --dir "$dir" --reason "pooler test" --allow data_loss 2>&1)"; rc=$?
[ "$rc" = 0 ] || echo "$out" | sed 's/^/    /'
check "down through the pooler reverts 044 and 043" "0:043,044,050,051" \
  "$rc:$(direct -c "SELECT string_agg(version, ',' ORDER BY version) FROM migrate.ledger WHERE status = 'reverted'")"
pooled up --dir "$dir" >/dev/null 2>&1
check "up through the pooler applies them again" "0:0" "$?:$(direct -c "SELECT count(*) FROM pg_index WHERE NOT indisvalid")"
pooled new add_column --dir "$dir" >/dev/null 2>&1
check "new through the pooler writes the next file" "0:1" "$?:$(ls "$dir" | grep -c '^045_add_column')"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS pgm_pooler WITH (FORCE)" -c "CREATE DATABASE pgm_pooler"
pooled baseline 010 --dir "$dir" >/dev/null 2>&1
check "baseline through the pooler" "0:010:baseline" "$?:$(direct -c "SELECT version || ':' || status FROM migrate.ledger")"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS pgm_pooler WITH (FORCE)" -c "CREATE DATABASE pgm_pooler"
direct -c "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL); INSERT INTO schema_migrations VALUES (1, false); CREATE TABLE a (id int)"
adopt_dir="$work/golang"
mkdir -p "$adopt_dir"
printf 'CREATE TABLE a (id int);' >"$adopt_dir/000001_a.up.sql"
printf 'DROP TABLE a;' >"$adopt_dir/000001_a.down.sql"
pooled adopt --dir "$adopt_dir" >/dev/null 2>&1
check "adopt through the pooler" "0:000001:adopted" "$?:$(direct -c "SELECT version || ':' || status FROM migrate.ledger")"

# --- A data migration streamed through the pooler --------------------------
# Files of 8 MB or more go as COPY data after CALL migrate_apply_stream():
# through a transaction-mode pooler, with the run's settings in the same
# implicit transaction, while other clients use the pool.
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS pgm_pooler WITH (FORCE)" -c "CREATE DATABASE pgm_pooler"
dir="$work/data"
mkdir -p "$dir"
printf 'CREATE TABLE before_data (id int);\n' >"$dir/001_before.sql"
{
  printf 'CREATE TABLE data (id int, note text);\nCOPY data (id, note) FROM stdin;\n'
  seq 1 150000 | sed 's/$/\tsixty characters of a note that makes each row about seventy bytes/'
  printf '\\.\nCREATE INDEX data_id ON data (id);\n'
} >"$dir/002_data.sql"
printf 'CREATE TABLE after_data (id int);\n' >"$dir/003_after.sql"
busy & b1=$!
out="$(pooled up --dir "$dir" 2>&1)"; rc=$?
wait "$b1"
check "a streamed data migration through the pooler: up exits 0" 0 "$rc"
[ "$rc" = 0 ] || echo "$out" | sed 's/^/    /'
check "... its rows loaded, the migrations around it applied" "150000:3" \
  "$(direct -c "SELECT (SELECT count(*) FROM data) || ':' || (SELECT count(*) FROM migrate.ledger)")"
check "... the ledger's checksum is the file's" "$(sha256sum "$dir/002_data.sql" | cut -d' ' -f1)" \
  "$(direct -c "SELECT checksum FROM migrate.ledger WHERE version = '002'")"
check "... and a second run skips it" "0:3" "$(pooled up --dir "$dir" >/dev/null 2>&1; echo "$?"):$(direct -c "SELECT count(*) FROM migrate.ledger")"

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS pgm_pooler WITH (FORCE)" >/dev/null 2>&1
end_checks
