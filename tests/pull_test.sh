#!/usr/bin/env bash
# pg_migrate pull: a hotfix typed outside migrations (psql here, as a
# dashboard's SQL editor would send it) becomes the next migration file; `up`
# on the database it ran on records it without running it again and
# migrate_verify() is clean there; `up` on another database applies it, and
# both schemas are then the same.  A hotfix that cannot run in a transaction
# (CREATE INDEX CONCURRENTLY) is pulled as a no-transaction migration.
#   tests/pull_test.sh PG_MIGRATE_BINARY
set -uo pipefail
PGM="$1"
here="$(cd "$(dirname "$0")" && pwd)"

# shellcheck source=checks.sh
. "$here/checks.sh"

work="$(mktemp -d)"
chmod 755 "$work"
scratch_databases pull_origin pull_other
mkdir -p "$work/migrations"
cat >"$work/migrations/001_accounts.sql" <<'SQL'
-- migrate:up
CREATE TABLE accounts (id bigint PRIMARY KEY, email text NOT NULL);
INSERT INTO accounts VALUES (1, 'a@example.com'), (2, 'b@example.com');

-- migrate:down
DROP TABLE accounts;
SQL
ORIGIN="dbname=pull_origin"
OTHER="dbname=pull_other"
for db in "$ORIGIN" "$OTHER"; do "$PGM" up -d "$db" --dir "$work/migrations" >/dev/null || { echo "could not migrate $db"; exit 1; }; done

out="$("$PGM" pull -d "$ORIGIN" --dir "$work/migrations")"; rc=$?
check "nothing ran outside migrations: nothing to pull" "0:nothing to pull" "$rc:$(echo "$out" | cut -c1-15)"

# The hotfix: three statements in one query (a function with a body among
# them), grants, and a view made by another role (CREATE ROLE is not a
# database's DDL: it is not logged, nor pulled).
psql -X -q -v ON_ERROR_STOP=1 -d pull_origin >/dev/null <<'SQL'
ALTER TABLE accounts ADD COLUMN plan text NOT NULL DEFAULT 'free'; CREATE INDEX accounts_plan ON accounts (plan); CREATE FUNCTION account_count() RETURNS bigint LANGUAGE sql STABLE AS $$ SELECT count(*) FROM accounts; $$;
CREATE ROLE pull_hotfixer;
GRANT CREATE ON SCHEMA public TO pull_hotfixer;
GRANT SELECT ON accounts TO pull_hotfixer;
SET ROLE pull_hotfixer;
CREATE VIEW paying AS SELECT id, email FROM accounts WHERE plan <> 'free'  -- paying customers
;
RESET ROLE;
SQL
"$PGM" verify -d "$ORIGIN" >/dev/null; rc=$?
check "before: verify finds the hotfix (exit 3)" 3 "$rc"
out="$("$PGM" pull -d "$ORIGIN" --dir "$work/migrations")"; rc=$?
pulled="$(ls "$work/migrations" | grep -v '^001')"
check "pull writes the next migration file" "0:002_pulled_out_of_band_ddl.sql" "$rc:$pulled"
file="$work/migrations/$pulled"
check "... marked pulled, each statement in order with who and when" "1:6:1:1" \
  "$(grep -c '^-- migrate:pulled$' "$file"):$(grep -c '^-- [1-9]: ' "$file"):$(grep -c '^-- 6: CREATE VIEW at .* by pull_hotfixer (logged in as postgres)' "$file"):$(grep -c "^CREATE INDEX accounts_plan ON accounts (plan);$" "$file")"
check "... a statement ending in a comment is closed on a line of its own" "1" \
  "$(grep -A1 -- "-- paying customers$" "$file" | grep -c '^;$')"

"$PGM" up -d "$ORIGIN" --dir "$work/migrations" >"$work/up_origin.txt" 2>&1; rc=$?
check "up on the database the hotfix ran on: applied, nothing run twice" "0:6" \
  "$rc:$(grep -c 'already ran here outside migrations: recorded, not run again' "$work/up_origin.txt")"
"$PGM" verify -d "$ORIGIN" >/dev/null; rc=$?
check "... and verify is clean there" 0 "$rc"
"$PGM" up -d "$OTHER" --dir "$work/migrations" >"$work/up_other.txt" 2>&1; rc=$?
check "up on another database runs the statements" "0:0:1" \
  "$rc:$(grep -c 'already ran here' "$work/up_other.txt"):$(grep -c 'applied .*002_pulled_out_of_band_ddl.sql' "$work/up_other.txt")"
"$PGM" verify -d "$OTHER" >/dev/null; rc=$?
check "... verify is clean there too" 0 "$rc"
"$PGM" diff --db "$ORIGIN" --db "$OTHER" >/dev/null; rc=$?
check "... and the two schemas are the same" 0 "$rc"
out="$("$PGM" pull -d "$ORIGIN" --dir "$work/migrations")"
check "pulled and applied: nothing more to pull" "nothing to pull" "$(echo "$out" | cut -c1-15)"

# A hotfix outside a transaction.
psql -X -q -v ON_ERROR_STOP=1 -d pull_origin -c "CREATE INDEX CONCURRENTLY accounts_email ON accounts (email)" >/dev/null
"$PGM" pull -d "$ORIGIN" --dir "$work/migrations" --name concurrent_index --json >"$work/pull.json"; rc=$?
check "pull --json: the statement and the file" "0:1:CREATE INDEX CONCURRENTLY accounts_email ON accounts (email)" \
  "$rc:$(json_field 'files.length' <"$work/pull.json"):$(json_field 'statements[0].sql' <"$work/pull.json")"
file="$(json_field 'files[0]' <"$work/pull.json")"
check "... CREATE INDEX CONCURRENTLY pulled as a no-transaction migration" "1" \
  "$(grep -c '^-- migrate:up transaction:false$' "$file")"
"$PGM" up -d "$ORIGIN" --dir "$work/migrations" >"$work/up_origin2.txt" 2>&1; rc=$?
"$PGM" verify -d "$ORIGIN" >/dev/null; vrc=$?
check "... recorded, not built again, on its database; verify clean" "0:1:0" \
  "$rc:$(grep -c 'already ran here outside migrations' "$work/up_origin2.txt"):$vrc"
"$PGM" up -d "$OTHER" --dir "$work/migrations" >/dev/null 2>&1; rc=$?
"$PGM" diff --db "$ORIGIN" --db "$OTHER" >/dev/null; drc=$?
check "... built on the other database; the schemas the same" "0:0" "$rc:$drc"

# The role is the cluster's: its databases go first, then it.
for db in $scratch_names; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1; done
psql -X -q -d postgres -c "DROP ROLE IF EXISTS pull_hotfixer" >/dev/null
end_checks
