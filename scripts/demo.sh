#!/usr/bin/env bash
# The main job, from a fresh clone: install dependencies, build and install the
# extension and the client, start a throwaway local cluster (unprivileged user,
# private port and socket directory), create a demo database, apply
# examples/migrations/ with the pg_migrate client, show status, the ledger, the
# DDL log and verify, re-run to show that nothing is applied twice, then stop.
#
#   scripts/demo.sh               run the demo on Debian's PostgreSQL 15 and stop the cluster
#   scripts/demo.sh --major 18    the same on PostgreSQL 18 (built from source once, cached)
#   scripts/demo.sh --keep        leave the cluster running and print how to connect
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
keep=""
major=15
while [ $# -gt 0 ]; do
  case "$1" in
    --keep) keep="--keep"; shift ;;
    --major) major="$2"; shift 2 ;;
    --major=*) major="${1#--major=}"; shift ;;
    *) echo "usage: scripts/demo.sh [--major N] [--keep]" >&2; exit 2 ;;
  esac
done
build="$root/build"
[ "$major" = 15 ] || build="$root/build-pg$major"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" --major "$major" "$build"
PG_CONFIG="$(bash "$root/scripts/pg-server.sh" "$major")"
export PG_CONFIG

state="$build/demo-cluster.env"
[ -f "$state" ] && bash "$root/scripts/pg-cluster.sh" stop "$state" >/dev/null
bash "$root/scripts/pg-cluster.sh" start "$state"
# shellcheck disable=SC1090
. "$state"
if [ "$keep" != "--keep" ]; then
  trap 'bash "$root/scripts/pg-cluster.sh" stop "$state"' EXIT
fi

psql() { command psql -X -v ON_ERROR_STOP=1 "$@"; }
pg_migrate() { "$build/client/pg_migrate" "$@"; }
echo "== PostgreSQL $(psql -X -At -d postgres -c 'SHOW server_version')"
psql -q -d postgres -c "CREATE DATABASE portfolio"
export PGDATABASE=portfolio

echo
echo "== pg_migrate status   (before: nothing applied)"
pg_migrate status --dir "$root/examples/migrations"
echo
echo "== pg_migrate up"
pg_migrate up --dir "$root/examples/migrations"
echo
echo "== pg_migrate status"
pg_migrate status --dir "$root/examples/migrations"
echo
echo "== the data after 004_tenants: every project exists for both tenants"
psql -c "SELECT tenant, slug, screenshot_path FROM projects ORDER BY tenant, slug"
psql -c "SELECT tenant, name, level FROM skills ORDER BY tenant, name"
echo "== re-running is safe"
pg_migrate up --dir "$root/examples/migrations"
echo
echo "== the same from SQL: migrate_status() and migrate_version()"
psql -c "SELECT version, name, state, statements, applied_by, duration FROM migrate_status()"
echo "migrate_version(): $(psql -At -c 'SELECT migrate_version()')"
echo
echo "== ledger integrity: every row chained to the previous one"
psql -c "SELECT id, version, status, left(prev_hash, 12) AS prev_hash, left(hash, 12) AS hash FROM migrate.ledger ORDER BY id"
echo "== who changed the schema: migrate.ddl_log (every object, with its migration and statement)"
psql -c "SELECT version, statement, command_tag, object_identity FROM migrate.ddl_log ORDER BY id LIMIT 12"
echo "== pg_migrate verify   (migrate_verify(): the database still matches its ledger)"
pg_migrate verify
echo
echo "== a change made by hand, outside any migration, is reported"
psql -q -c "ALTER TABLE projects ADD COLUMN hotfix text"
pg_migrate verify || echo "(pg_migrate verify exited $?: a problem was found)"

if [ "$keep" = "--keep" ]; then
  echo "The cluster keeps running:  . $state && psql -d portfolio"
  echo "Stop it with:               bash scripts/pg-cluster.sh stop $state"
fi
