#!/usr/bin/env bash
# pg_migrate report: the JSON document and the HTML page of one database and
# of a fleet (a database at the head, one whose migration failed half-way,
# one changed by hand, one with a reverted migration, one that cannot be
# read), then both pages opened in headless Chromium through ChromeDriver
# (tests/report/browser_check.mjs): the DOM checked, screenshots at desktop
# and phone widths and a printout kept in the build's test output.
#   tests/report_test.sh PG_MIGRATE_BINARY ARTIFACT_DIR
set -uo pipefail
PGM="$1"
artifacts="$2"
root="$(cd "$(dirname "$0")/.." && pwd)"

# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"
# As the postgres user when run as root (Chromium refuses root), by exec: a
# driver started in the background is then the process $! names, so it can
# be stopped.
as_browser_user=()
if [ "$(id -u)" = 0 ]; then
  as_browser_user=(setpriv --reuid=postgres --regid=postgres --init-groups env HOME="$(getent passwd postgres | cut -d: -f6)")
fi

work="$(mktemp -d)"
chmod 755 "$work"
mkdir -p "$artifacts"
driver_pid=""
port=$((20000 + PGPORT % 10000))
databases=(rep_ok rep_fail rep_drift rep_revert)
cleanup() {
  [ -n "$driver_pid" ] && { kill "$driver_pid" 2>/dev/null; wait "$driver_pid" 2>/dev/null; }
  for db in "${databases[@]}"; do echo "DROP DATABASE IF EXISTS $db WITH (FORCE);"; done | psql -X -q -d postgres >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

dir="$work/migrations"
mkdir -p "$dir"
printf 'CREATE TABLE a1 (id int);\nINSERT INTO a1 VALUES (1);\n' >"$dir/001_first.sql"
printf 'CREATE TABLE a2 (id int);\n' >"$dir/002_second.sql"
printf -- '-- migrate:no-transaction\nCREATE TABLE a3 (id int);\nCREATE INDEX CONCURRENTLY a3_i ON a3 (id);\n' >"$dir/003_index.sql"
printf 'CREATE TABLE a4 (id int);\n' >"$dir/004_fourth.sql"
for db in "${databases[@]}"; do echo "DROP DATABASE IF EXISTS $db WITH (FORCE); CREATE DATABASE $db;"; done | psql -X -q -d postgres >/dev/null
# rep_fail: a relation already has the index's name (made before pg_migrate
# was installed, so it is not a change outside migrations): 003 stops at its
# second statement.
psql -X -q -d rep_fail -c "CREATE TABLE a3_i (id int)"
fleet="$work/fleet.txt"
{
  for db in "${databases[@]}"; do echo "dbname=$db  $db"; done
  echo "dbname=rep_no_such_database  rep_missing"
} >"$fleet"
"$PGM" up --fleet "$fleet" --dir "$dir" >/dev/null 2>&1
psql -X -q -d rep_drift -c "CREATE TABLE made_by_hand (id int)"
psql -X -q -d rep_revert -c "SELECT FROM migrate_revert('003', down => '{\"004\": \"DROP TABLE a4\"}', reason => 'a4 is not needed')" >/dev/null
for db in rep_ok rep_fail rep_drift; do psql -X -q -d "$db" -c "SELECT FROM migrate_verify()" >/dev/null; done

# --- The JSON document of one database ---------------------------------------
out="$("$PGM" report --json -d dbname=rep_fail --dir "$dir")"; rc=$?
check "report --json: the versions' states, the failure and where it stopped" \
  "0:001 applied,002 applied,003 failed,004 pending:2:statement 2: relation \"a3_i\" already exists" \
  "$rc:$(echo "$out" | json_field 'versions.map(v => v.version + " " + v.state).join()'):$(echo "$out" | json_field 'versions[2].failure.statement'):$(echo "$out" | json_field 'versions[2].failure.error')"
check "... each applied migration's statements and the objects they touched" "2:CREATE TABLE:table public.a1" \
  "$(echo "$out" | json_field 'statements.filter(s => s.ledger_id == j.history[0].id).length'):$(echo "$out" | json_field 'statements[0].command'):$(echo "$out" | json_field 'objects.filter(o => o.version == "001").map(o => o.object_type + " " + o.object_identity).join()')"
check "... the last verify run, the summary" "false:incomplete_migration:1" \
  "$(echo "$out" | json_field 'last_verify.ok'):$(echo "$out" | json_field 'last_verify.failures.map(f => f.check_name).join()'):$(echo "$out" | json_field 'summary.failed')"
out="$("$PGM" report --json -d dbname=rep_fail --dir "$work/no_such_directory")"
check "... without the migration files: the ledger's versions and the failure the database remembers" \
  "001 applied,002 applied,003 failed" "$(echo "$out" | json_field 'versions.map(v => v.version + " " + v.state).join()')"
out="$(PGOPTIONS="-c search_path=evil,pg_catalog" "$PGM" report --json -d dbname=rep_revert --dir "$dir")"
check "... under a hostile search_path too; a revert is in the history" "reverted:a4 is not needed" \
  "$(echo "$out" | json_field 'history.at(-1).status'):$(echo "$out" | json_field 'history.at(-1).reason')"

# --- The pages ---------------------------------------------------------------
"$PGM" report --html "$work/one.html" -d dbname=rep_fail --dir "$dir" >"$work/one.out" 2>&1; rc=$?
check "report --html for one database" "0:wrote $work/one.html" "$rc:$(cut -d' ' -f1-2 "$work/one.out")"
"$PGM" report --html "$work/fleet.html" --fleet "$fleet" --dir "$dir" --jobs 2 >"$work/fleet.out" 2>&1; rc=$?
check "report --html for the fleet: written, exit 1 as one database could not be read" \
  "1:wrote $work/fleet.html: 5 databases, 4 needing attention, 1 could not be read" "$rc:$(cat "$work/fleet.out")"
check "... one self-contained file: no address outside it" "0" \
  "$(grep -Eoc '(src|href)="(https?:)?//' "$work/fleet.html")"
"$PGM" report --fleet "$fleet" --dir "$dir" >/dev/null 2>&1; rc=$?
check "a fleet report without --html is a usage error" 2 "$rc"
chmod 644 "$work"/*.html

# --- In the browser ----------------------------------------------------------
if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
  not_ok "chromium and chromedriver are installed (scripts/install-deps.sh)"
  end_checks; exit 1
fi
# The browser's user may not reach the clone (a clone in a private mktemp
# directory): the check and what it writes stay in $work, copied out after.
cp "$root/tests/report/browser_check.mjs" "$work/"
mkdir -p "$work/artifacts" && chmod 777 "$work/artifacts"
"${as_browser_user[@]}" chromedriver --port="$port" >"$work/chromedriver.log" 2>&1 & driver_pid=$!
for _ in $(seq 50); do
  node -e "fetch('http://127.0.0.1:$port/status').then(r => r.json()).then(j => process.exit(j.value.ready ? 0 : 1), () => process.exit(1))" && break
  sleep 0.2
done
"${as_browser_user[@]}" node "$work/browser_check.mjs" "http://127.0.0.1:$port" "$work/fleet.html" "$work/one.html" "$work/artifacts" >"$work/browser.txt" 2>&1
cp -r "$work/artifacts/." "$artifacts/"
cat "$work/browser.txt"
passed=$((passed + $(grep -c '^ok - ' "$work/browser.txt")))
failed=$((failed + $(grep -c '^not ok - ' "$work/browser.txt")))
grep -q '^ok - one database: a screenshot' "$work/browser.txt" || not_ok "the browser checks ran to the end" "$(tail -5 "$work/browser.txt")"
echo "screenshots and the printout: $artifacts"

end_checks
