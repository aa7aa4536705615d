#!/usr/bin/env bash
# The main job, from a fresh clone: install dependencies, build and install the
# extension, start a throwaway local cluster (unprivileged user, private port
# and socket directory), create a demo database, apply examples/migrations/,
# show the ledger, re-run to show that nothing is applied twice, then stop.
#
#   scripts/demo.sh          run the demo and stop the cluster
#   scripts/demo.sh --keep   leave the cluster running and print how to connect
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
keep="${1:-}"
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/build.sh" "$root/build"

state="$root/build/demo-cluster.env"
[ -f "$state" ] && bash "$root/scripts/pg-cluster.sh" stop "$state" >/dev/null
bash "$root/scripts/pg-cluster.sh" start "$state"
# shellcheck disable=SC1090
. "$state"
if [ "$keep" != "--keep" ]; then
  trap 'bash "$root/scripts/pg-cluster.sh" stop "$state"' EXIT
fi

psql() { command psql -X -v ON_ERROR_STOP=1 "$@"; }
psql -q -d postgres -c "CREATE DATABASE portfolio"
psql -q -d portfolio -c "CREATE EXTENSION pg_migrate"

apply_all() {
  local file base version name
  for file in "$root"/examples/migrations/*.sql; do
    base="$(basename "$file" .sql)"
    version="${base%%_*}"
    name="${base#*_}"
    # psql variables pass the file as one bound literal (:'script'), quoting and all.
    psql -d portfolio -At -F ' | ' -v version="$version" -v name="$name" -v script="$(cat "$file")" <<'SQL'
SELECT version, name, status, statements || ' statements', duration FROM migrate_apply(:'version', :'script', name => :'name');
SQL
  done
}

echo
echo "== applying examples/migrations"
apply_all
echo
echo "== migrate_status()"
psql -d portfolio -c "SELECT version, name, state, statements, applied_by, duration FROM migrate_status()"
echo "== migrate_version(): $(psql -d portfolio -At -c 'SELECT migrate_version()')"
echo
echo "== the data after 004_tenants: every project exists for both tenants"
psql -d portfolio -c "SELECT tenant, slug, screenshot_path FROM projects ORDER BY tenant, slug"
psql -d portfolio -c "SELECT tenant, name, level FROM skills ORDER BY tenant, name"
echo "== re-running the whole directory is safe: everything is skipped"
apply_all
echo
echo "== ledger integrity: every row chained to the previous one"
psql -d portfolio -c "SELECT id, version, status, left(prev_hash, 12) AS prev_hash, left(hash, 12) AS hash FROM migrate.ledger ORDER BY id"

if [ "$keep" = "--keep" ]; then
  echo "The cluster keeps running:  . $state && psql -d portfolio"
  echo "Stop it with:               bash scripts/pg-cluster.sh stop $state"
fi
