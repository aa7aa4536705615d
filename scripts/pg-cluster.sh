#!/usr/bin/env bash
# A throwaway PostgreSQL cluster on a private port and socket directory.
#
#   scripts/pg-cluster.sh start STATE_FILE [--fast]   initdb + start; writes PG* variables to STATE_FILE
#   scripts/pg-cluster.sh stop  STATE_FILE            stop and delete the cluster
#
# PostgreSQL refuses to run as root: when run as root the server runs as the
# unprivileged "postgres" user (created by the postgresql package).  The data
# and socket directories live in a fresh mktemp directory, never in a place a
# previous run could have left behind.  --fast turns fsync off (tests only).
set -euo pipefail

# The server's binaries: PG_BINDIR, else those of PG_CONFIG (scripts/pg-server.sh
# prints one per major), else of the pg_config on PATH (Debian's 15).
PG_BINDIR="${PG_BINDIR:-$("${PG_CONFIG:-pg_config}" --bindir)}"
cmd="${1:?usage: pg-cluster.sh start|stop STATE_FILE}"
state="${2:?usage: pg-cluster.sh start|stop STATE_FILE}"

as_server_user() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  local port
  for port in $(seq 54330 54999); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && [ ! -e "/tmp/.s.PGSQL.$port" ]; then
      echo "$port"; return 0
    fi
  done
  echo "no free port found in 54330-54999" >&2; return 1
}

start() {
  local fast="${1:-}"
  local root port
  root="$(mktemp -d "${TMPDIR:-/tmp}/pg_migrate_cluster.XXXXXX")"
  chmod 755 "$root"
  mkdir -p "$root/data" "$root/socket"
  [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$root"
  port="$(free_port)"
  as_server_user "$PG_BINDIR/initdb" --pgdata="$root/data" --username=postgres --auth=trust \
    --encoding=UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 ||
    { cat "$root/initdb.log" >&2; exit 1; }
  {
    echo "port = $port"
    echo "listen_addresses = '127.0.0.1'"
    echo "unix_socket_directories = '$root/socket'"
    echo "max_connections = 60"
    echo "shared_buffers = 128MB"
    echo "max_prepared_transactions = 10"
    if [ "$fast" = "--fast" ]; then echo "fsync = off"; echo "synchronous_commit = off"; echo "full_page_writes = off"; fi
    # pg_cron (when installed) schedules migrate_verify in the tests; its jobs
    # run in background workers, and a failing verification starts one more.
    if [ -f "$("$PG_BINDIR/pg_config" --sharedir)/extension/pg_cron.control" ]; then
      echo "shared_preload_libraries = 'pg_cron'"
      echo "cron.database_name = 'postgres'"
      echo "cron.use_background_workers = on"
      echo "max_worker_processes = 20"
    fi
  } >>"$root/data/postgresql.conf"
  as_server_user "$PG_BINDIR/pg_ctl" --pgdata="$root/data" --log="$root/server.log" \
    --wait --timeout=60 start >/dev/null ||
    { cat "$root/server.log" >&2; exit 1; }
  cat >"$state" <<VARS
export PGM_CLUSTER_ROOT='$root'
export PATH='$PG_BINDIR':"\$PATH"
export PGHOST='$root/socket'
export PGPORT='$port'
export PGUSER=postgres
export PGDATABASE=postgres
VARS
  echo "started PostgreSQL on port $port (socket directory $root/socket)"
}

stop() {
  [ -f "$state" ] || { echo "no cluster state in $state" >&2; return 0; }
  # shellcheck disable=SC1090
  . "$state"
  if [ -d "$PGM_CLUSTER_ROOT/data" ]; then
    as_server_user "$PG_BINDIR/pg_ctl" --pgdata="$PGM_CLUSTER_ROOT/data" --mode=fast --wait stop >/dev/null 2>&1 || true
  fi
  # A server process that crashed while the tests ran: said before the log goes.
  if grep -qE 'terminated by signal|PANIC|Fatal glibc' "$PGM_CLUSTER_ROOT/server.log" 2>/dev/null; then
    echo "the server log of this run shows a crash:" >&2
    grep -E -B2 -A2 'terminated by signal|PANIC|Fatal glibc' "$PGM_CLUSTER_ROOT/server.log" | head -40 >&2
  fi
  case "$PGM_CLUSTER_ROOT" in
    */pg_migrate_cluster.*) rm -rf "$PGM_CLUSTER_ROOT" ;;
  esac
  rm -f "$state"
  echo "stopped PostgreSQL"
}

case "$cmd" in
  start) start "${3:-}" ;;
  stop) stop ;;
  *) echo "usage: pg-cluster.sh start|stop STATE_FILE" >&2; exit 2 ;;
esac
