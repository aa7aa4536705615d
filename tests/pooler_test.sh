#!/usr/bin/env bash
# The client through Debian's PgBouncer in transaction mode (pool of 3 server
# connections), in front of the ctest cluster (PG* set), while other clients
# use the same pool.  What this checks today: commands run after run, with no
# state of theirs left on a server connection the pooler hands to another
# client (named prepared statements were: "prepared statement pg_migrate_1
# already exists").  Runs of several deployers at once and migrations outside
# a transaction through such a pooler are issue 22's, not yet here.
#   tests/pooler_test.sh PG_MIGRATE_BINARY
# Exits 77 (skipped) where pgbouncer is not installed.
set -uo pipefail
PGM="$1"
bouncer="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
[ -x "$bouncer" ] || { echo "pgbouncer is not installed: skipped"; exit 77; }

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() { failed=$((failed + 1)); echo "not ok - $1"; [ -n "${2:-}" ] && echo "$2" | sed 's/^/    /'; }
check() { if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1" "expected [$2]"$'\n'"got      [$3]"; fi; }
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

psql -X -q -d postgres -c "DROP DATABASE IF EXISTS pgm_pooler WITH (FORCE)" >/dev/null 2>&1
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
