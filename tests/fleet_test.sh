#!/usr/bin/env bash
# pg_migrate up over a fleet: three clusters on localhost (the ctest cluster,
# PG* set, and two more started and stopped here), 210 databases in all, 20
# migrations (one outside a transaction).  One database is made to fail half
# way: its earlier migrations stay applied, the failed one leaves no trace,
# every other database reaches the head, the exit code says so.  --jobs bounds
# the connections; --canary and --max-failures stop early; --each-database
# picks databases by name; a client killed mid-fleet and run again brings
# every database to the head with nothing applied twice.
#   tests/fleet_test.sh PG_MIGRATE_BINARY
set -uo pipefail
PGM="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"
per_cluster="${PGM_FLEET_PER_CLUSTER:-70}"

# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"

work="$(mktemp -d)"
chmod 755 "$work"
hosts=("$PGHOST")
ports=("$PGPORT")
cleanup() {
  for c in 1 2; do [ -f "$work/cluster$c.env" ] && bash "$root/scripts/pg-cluster.sh" stop "$work/cluster$c.env" >/dev/null 2>&1; done
  for i in $(seq -f %03g 1 "$per_cluster"); do echo "DROP DATABASE IF EXISTS fleet_$i WITH (FORCE);"; done |
    psql -X -q -d postgres >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
for c in 1 2; do
  bash "$root/scripts/pg-cluster.sh" start "$work/cluster$c.env" --fast >/dev/null || { echo "could not start cluster $c"; exit 1; }
  hosts+=("$(. "$work/cluster$c.env"; echo "$PGHOST")")
  ports+=("$(. "$work/cluster$c.env"; echo "$PGPORT")")
done
# psql against cluster $1 (0, 1, 2), database $2.
on() { local c="$1" db="$2"; shift 2; PGHOST="${hosts[$c]}" PGPORT="${ports[$c]}" psql -X -q -At -d "$db" "$@"; }
# One query in every database of the fleet, a line each (one psql per cluster).
each_db() {
  for c in 0 1 2; do
    for i in $(seq -f %03g 1 "$per_cluster"); do printf '\\c fleet_%s\n%s;\n' "$i" "$1"; done | on "$c" postgres
  done
}

# 70 databases on each cluster, and the fleet file naming them all (a URL
# and a label per line).
fleet="$work/fleet.txt"
echo "# three clusters, $((3 * per_cluster)) databases" >"$fleet"
for c in 0 1 2; do
  for i in $(seq -f %03g 1 "$per_cluster"); do echo "DROP DATABASE IF EXISTS fleet_$i WITH (FORCE); CREATE DATABASE fleet_$i;"; done |
    on "$c" postgres >/dev/null
  for i in $(seq -f %03g 1 "$per_cluster"); do
    echo "postgresql:///fleet_$i?host=${hosts[$c]}&port=${ports[$c]}&user=postgres  c$c/fleet_$i" >>"$fleet"
  done
done
total=$((3 * per_cluster))

dir="$work/migrations"
mkdir -p "$dir"
for i in $(seq -w 1 20); do
  if [ "$i" = 10 ]; then
    printf -- '-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY t09_id ON t09 (id);\n' >"$dir/0${i}_index.sql"
  else
    printf 'CREATE TABLE t%s (id int);\nINSERT INTO t%s VALUES (%d);\n' "$i" "$i" "$((10#$i))" >"$dir/0${i}_t.sql"
  fi
done
# One database fails at migration 011: the table it creates is already there.
on 1 fleet_017 -c "CREATE TABLE t11 (id int)"

# --- The fleet, 8 at a time -------------------------------------------------
# The client processes that each hold one database's connection, sampled
# (counted on the client's side: a server's backend outlives its client by a
# moment, and three servers cannot be sampled at one instant).
sample_connections() {
  while :; do
    pgrep -fc -- "pg_migrate up --json --dir" || true
    sleep 0.05
  done
}
sample_connections >"$work/connections.txt" & sampler=$!
"$PGM" up --fleet "$fleet" --dir "$dir" --jobs 8 --json >"$work/run1.json" 2>"$work/run1.err"; rc=$?
kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null
check "a fleet with one failing database exits 1" 1 "$rc"
check "... one entry per database" "$total" "$(json_field 'databases.length' <"$work/run1.json")"
check "... every other database at the head" "$((total - 1)):1:0" \
  "$(json_field 'summary.at_head + ":" + j.summary.failed + ":" + j.summary.not_reached' <"$work/run1.json")"
check "... the failure names the database, migration, file and line" "c1/fleet_017:011:1:relation \"t11\" already exists" \
  "$(json_field 'databases.filter(d => d.status == "failed").map(d => [d.label, d.error.version, d.error.line, d.error.message].join(":")).join()' <"$work/run1.json")"
check "... its earlier migrations stay applied, the failed one left no trace" "10:0" \
  "$(on 1 fleet_017 -c "SELECT count(*) FILTER (WHERE status = 'applied'), count(*) FILTER (WHERE version = '011') FROM migrate.ledger" | tr '|' ':')"
check "... every other database has the 20 migrations and their index" "$((total - 1))" \
  "$(each_db "SELECT count(*) = 20 AND to_regclass('t09_id') IS NOT NULL FROM migrate.ledger WHERE status = 'applied'" | grep -c '^t$')"
check "... at most 8 connections at any moment" "yes" \
  "$(sort -n "$work/connections.txt" | tail -1 | awk '{ print ($1 <= 8 && $1 > 0) ? "yes" : "no (" $1 ")" }')"

# A re-run touches nothing that is at the head; the failing database fails again.
"$PGM" up --fleet "$fleet" --dir "$dir" --jobs 8 --html "$work/run2.html" >"$work/run2.txt" 2>&1; rc=$?
check "a re-run exits 1 again" 1 "$rc"
check "... --html: the page has the fleet's matrix, the failure of this run marked in its row" \
  "$total:1:c1/fleet_017" \
  "$(grep -c '^<tr data-database=' "$work/run2.html"):$(grep -c 'title="011: failed"' "$work/run2.html"):$(grep 'title="011: failed"' "$work/run2.html" | grep -o 'data-database="[^"]*"' | cut -d'"' -f2)"
check "... and says so in one line, with the failed database in a table" "1:$total databases: $((total - 1)) at the head, 1 failed, 0 not reached" \
  "$(grep -c 'c1/fleet_017.*failed.*migration 011' "$work/run2.txt"):$(grep -o "^$total databases: [0-9]* at the head, [0-9]* failed, [0-9]* not reached" "$work/run2.txt")"
check "... nothing applied twice" "$((total * 20 - 10))" \
  "$(each_db "SELECT count(*) FROM migrate.ledger" | awk '{ s += $1 } END { print s }')"

# --- --canary, --max-failures, --each-database ------------------------------
printf 'CREATE TABLE t21 (id int);\n' >"$dir/021_t.sql"
on 0 fleet_002 -c "CREATE TABLE t21 (id int)"
on 0 fleet_004 -c "CREATE TABLE t21 (id int)"
"$PGM" up --fleet "$fleet" --dir "$dir" --canary 3 --json >"$work/canary.json" 2>/dev/null; rc=$?
check "--canary 3: the second database fails, nothing after the canaries runs" "1:2:1:$((total - 3))" \
  "$rc:$(json_field 'summary.at_head + ":" + j.summary.failed + ":" + j.summary.not_reached' <"$work/canary.json")"
"$PGM" up --fleet "$fleet" --dir "$dir" --max-failures 2 --jobs 1 --json >"$work/max.json" 2>/dev/null; rc=$?
check "--max-failures 2 --jobs 1: the run stops at the second failure" "1:2:$((total - 4))" \
  "$rc:$(json_field 'summary.failed + ":" + j.summary.not_reached' <"$work/max.json")"
on 0 fleet_002 -c "DROP TABLE t21"
on 0 fleet_004 -c "DROP TABLE t21"
on 1 fleet_017 -c "DROP TABLE t11"
out="$(PGHOST="${hosts[2]}" PGPORT="${ports[2]}" "$PGM" up --each-database 'fleet\_00%' --dir "$dir" --json 2>/dev/null)"; rc=$?
check "--each-database picks the server's databases by a LIKE pattern" "0:9:9" \
  "$rc:$(echo "$out" | json_field 'databases.length'):$(echo "$out" | json_field 'summary.at_head')"

# --- The client killed mid-fleet, then run again -----------------------------
printf 'CREATE TABLE t22 (id int);\nSELECT pg_sleep(0.02);\n' >"$dir/022_t.sql"
"$PGM" up --fleet "$fleet" --dir "$dir" --jobs 4 >/dev/null 2>&1 & fleet_pid=$!
for _ in $(seq 100); do
  [ "$(on 0 fleet_010 -c "SELECT count(*) FROM migrate.ledger WHERE version = '022'" 2>/dev/null)" = 1 ] && break
  sleep 0.1
done
kill -9 "$fleet_pid"; wait "$fleet_pid" 2>/dev/null
sleep 1  # the database processes it had started finish on their own
partial=$(each_db "SELECT count(*) FROM migrate.ledger WHERE version = '022'" | grep -c '^1$')
check "killed mid-fleet: some databases were migrated, not all" "yes" \
  "$([ "$partial" -gt 0 ] && [ "$partial" -lt "$total" ] && echo yes || echo "no ($partial)")"
"$PGM" up --fleet "$fleet" --dir "$dir" --jobs 8 --json >"$work/rerun.json" 2>/dev/null; rc=$?
check "... run again: every database at the head" "0:$total" "$rc:$(json_field 'summary.at_head' <"$work/rerun.json")"
check "... every migration applied exactly once everywhere" "$total" \
  "$(each_db "SELECT count(*) = 22 AND count(DISTINCT version) = 22 FROM migrate.ledger WHERE status = 'applied'" | grep -c '^t$')"

# --- status and verify over the fleet: a row per database ------------------
"$PGM" status --fleet "$fleet" --dir "$dir" --jobs 8 --json >"$work/status.json" 2>/dev/null; rc=$?
check "status --fleet: every database at 022, nothing pending, exit 0" "0:$total:$total" \
  "$rc:$(json_field 'databases.length' <"$work/status.json"):$(json_field 'databases.filter(d => d.version == "022" && d.pending == 0 && d.applied == 22).length' <"$work/status.json")"
printf 'CREATE TABLE t23 (id int);\n' >"$dir/023_t.sql"
on 2 fleet_005 -c "CREATE TABLE made_by_hand (id int)"
"$PGM" verify --fleet "$fleet" --dir "$dir" --jobs 8 --json >"$work/verify.json" 2>/dev/null; rc=$?
check "verify --fleet: the database changed by hand fails verify, exit 3" "3:c2/fleet_005:$((total - 1))" \
  "$rc:$(json_field 'databases.filter(d => d.problems > 0).map(d => d.label).join()' <"$work/verify.json"):$(json_field 'databases.filter(d => d.problems == 0 && d.version == "022").length' <"$work/verify.json")"
check "... naming the failed checks" "out_of_band_ddl,schema_drift" \
  "$(json_field 'databases.find(d => d.label == "c2/fleet_005").failed_checks' <"$work/verify.json")"
"$PGM" status --fleet "$fleet" --dir "$dir" --jobs 8 >"$work/status.txt" 2>&1; rc=$?
check "status --fleet after it: exit 3, a row each, the drift and the last verify shown" \
  "3:$total:1:$total databases: $((total - 1)) clean, 1 with problems, 0 could not be read; $total with pending migrations" \
  "$rc:$(grep -c ' 022 *22 *1 ' "$work/status.txt"):$(grep -c '^c2/fleet_005 *022 *22 *1 *0 *0 *1 *[1-9][0-9]* at ' "$work/status.txt"):$(tail -1 "$work/status.txt")"
out="$("$PGM" status -d "${hosts[0]:+host=${hosts[0]} port=${ports[0]} dbname=fleet_001}" -d "dbname=no_such_db host=${hosts[0]} port=${ports[0]}" --dir "$dir" --json 2>/dev/null)"; rc=$?
check "status over -d repeated: a database that cannot be read is an error row, exit 1" "1:2:does not exist" \
  "$rc:$(echo "$out" | json_field 'databases.length'):$(echo "$out" | json_field 'databases[1].error' | grep -o 'does not exist')"

end_checks
