#!/usr/bin/env bash
# migrate_verify on a real pg_cron schedule (pg_cron preloaded by
# scripts/pg-cluster.sh): a job on a clean database succeeds; a job on a
# database whose ledger was edited behind the event triggers' back fails, and
# its failing run is still in migrate.verify_log; so does a job on a database
# whose schema was changed behind their back (schema_drift).  Both jobs run at the next
# minute boundary (pg_cron 1.4 schedules by the minute); bounded to 150 s.
# Uses the PG* variables of the test cluster.
set -euo pipefail
# pg_cron comes with Debian's 15 and, for a major built from source, from
# ../shared/vendor (scripts/pg-server.sh); without it this suite is skipped
# (exit 77, which ctest reports as "Skipped").
if [ ! -f "$(pg_config --sharedir)/extension/pg_cron.control" ]; then
  echo "skipped: pg_cron is not installed for PostgreSQL $(pg_config --version | sed 's/^PostgreSQL //')"
  exit 77
fi
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
passed=0; failed=0
check() { if [ "$2" = "$3" ]; then passed=$((passed+1)); echo "ok - $1"; else failed=$((failed+1)); echo "not ok - $1: expected [$2] got [$3]"; fi; }

for db in pgm_cron_clean pgm_cron_tampered pgm_cron_altered; do
  psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  psql_q -d $db -c "CREATE EXTENSION pg_migrate" \
    -c "SELECT status FROM migrate_apply('001', 'CREATE TABLE t (id int)')" >/dev/null
done
# The hidden change: with session_replication_role = replica no event trigger
# fires and no ordinary trigger either; the hash chain still tells.
psql_q -d pgm_cron_tampered -c "SET session_replication_role = replica" \
  -c "UPDATE migrate.ledger SET name = 'rewritten history'" >/dev/null
psql_q -d pgm_cron_altered -c "SET session_replication_role = replica" \
  -c "ALTER TABLE t ADD COLUMN hidden text" >/dev/null

psql_q -d postgres -c "CREATE EXTENSION IF NOT EXISTS pg_cron"
psql_q -d postgres -c "DELETE FROM cron.job_run_details"
for db in pgm_cron_clean pgm_cron_tampered pgm_cron_altered; do
  psql_q -d postgres -c "SELECT cron.schedule_in_database('verify-$db', '* * * * *', 'SELECT count(*) FROM migrate_verify(raise => true)', '$db')" >/dev/null
done

finished() {
  psql_q -d postgres -c "SELECT count(*) FROM cron.job_run_details AS d JOIN cron.job AS j USING (jobid)
                          WHERE j.jobname LIKE 'verify-pgm_cron_%' AND d.status IN ('succeeded', 'failed')"
}
for _ in $(seq 1 150); do [ "$(finished)" -ge 3 ] && break; sleep 1; done
status_of() {
  psql_q -d postgres -c "SELECT d.status FROM cron.job_run_details AS d JOIN cron.job AS j USING (jobid)
                          WHERE j.jobname = 'verify-$1' ORDER BY d.runid LIMIT 1"
}
check "the job on a clean database succeeded" "succeeded" "$(status_of pgm_cron_clean)"
check "the job on the tampered database failed" "failed" "$(status_of pgm_cron_tampered)"
check "its error names the broken chain" "t" "$(psql_q -d postgres -c "SELECT d.return_message LIKE '%migrate_verify found 1 problem%' FROM cron.job_run_details AS d JOIN cron.job AS j USING (jobid) WHERE j.jobname = 'verify-pgm_cron_tampered' ORDER BY d.runid LIMIT 1")"
check "the clean run is logged" "t" "$(psql_q -d pgm_cron_clean -c "SELECT bool_and(ok) FROM migrate.verify_log")"
check "the job on the database changed behind the triggers' back failed" "failed" "$(status_of pgm_cron_altered)"
check "its run names the hidden column" "schema_drift column public.t.hidden" "$(psql_q -d pgm_cron_altered -c "SELECT (failures -> 0 ->> 'check_name') || ' ' || (failures -> 0 ->> 'object') FROM migrate.verify_log WHERE NOT ok ORDER BY id LIMIT 1")"
check "the failing run is logged although its transaction failed" "ledger_chain" "$(psql_q -d pgm_cron_tampered -c "SELECT failures -> 0 ->> 'check_name' FROM migrate.verify_log WHERE NOT ok ORDER BY id LIMIT 1")"

for db in pgm_cron_clean pgm_cron_tampered pgm_cron_altered; do
  psql_q -d postgres -c "SELECT cron.unschedule('verify-$db')" >/dev/null
done
psql_q -d postgres -c "DROP EXTENSION pg_cron"
for db in pgm_cron_clean pgm_cron_tampered pgm_cron_altered; do psql_q -d postgres -c "DROP DATABASE $db WITH (FORCE)"; done
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
