// PG zone: see submissions.hpp.
#include "submissions.hpp"

#include "ledger.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
}

namespace pgm::pg {
namespace {

Datum text_or_null(const char* s) { return s ? CStringGetTextDatum(s) : (Datum)0; }
char null_flag(bool is_null) { return is_null ? 'n' : ' '; }

const char* cell(int col, MemoryContext cxt) {
    char* value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
    return value ? MemoryContextStrdup(cxt, value) : nullptr;
}

}  // namespace

SubmissionState* find_submission(const char* key, int key_len) {
    MemoryContext caller = CurrentMemoryContext;
    SubmissionState* state = static_cast<SubmissionState*>(palloc0(sizeof(SubmissionState)));
    OwnerScope scope;
    enter_owner_scope(&scope);
    Oid types[2] = {BYTEAOID, INT4OID};
    Datum values[2] = {bytea_datum(key, key_len), Int32GetDatum(kRunnerLockKey)};
    // A runner's lock (key1, key2) shows in pg_locks as classid, objid, objsubid 2.
    const char* sql =
        "SELECT s.id::text, s.checksum, s.status, "
        "       EXISTS (SELECT FROM pg_catalog.pg_locks AS l "
        "                WHERE l.locktype OPERATOR(pg_catalog.=) 'advisory' AND l.granted "
        "                  AND l.database OPERATOR(pg_catalog.=) "
        "                      (SELECT d.oid FROM pg_catalog.pg_database AS d "
        "                        WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database()) "
        "                  AND l.classid OPERATOR(pg_catalog.=) $2::pg_catalog.oid "
        "                  AND l.objid OPERATOR(pg_catalog.=) s.id::pg_catalog.oid "
        "                  AND l.objsubid OPERATOR(pg_catalog.=) 2)::text, "
        "       pg_catalog.date_part('epoch', pg_catalog.clock_timestamp() OPERATOR(pg_catalog.-) s.submitted_at)::text, "
        "       EXISTS (SELECT FROM pg_catalog.pg_locks AS w JOIN pg_catalog.pg_locks AS mine "
        "                   ON mine.virtualxid OPERATOR(pg_catalog.=) w.virtualxid "
        "                WHERE w.locktype OPERATOR(pg_catalog.=) 'virtualxid' AND NOT w.granted "
        "                  AND w.pid OPERATOR(pg_catalog.=) s.worker_pid "
        "                  AND mine.locktype OPERATOR(pg_catalog.=) 'virtualxid' AND mine.granted "
        "                  AND mine.pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid())::text "
        "  FROM migrate.submissions AS s WHERE s.version_key OPERATOR(pg_catalog.=) $1";
    if (SPI_execute_with_args(sql, 2, types, values, nullptr, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read migrate.submissions");
    if (SPI_processed > 0) {
        state->found = true;
        state->id = pg_strtoint32(cell(1, caller));
        state->checksum = cell(2, caller);
        state->status = cell(3, caller);
        state->runner_at_work = strcmp(cell(4, caller), "true") == 0;
        state->seconds_queued = strtod(cell(5, caller), nullptr);
        state->runner_waits_for_caller = strcmp(cell(6, caller), "true") == 0;
    }
    leave_owner_scope(&scope);
    return state;
}

int32 queue_submission(const char* key, int key_len, const SubmissionText* t) {
    OwnerScope scope;
    enter_owner_scope(&scope);
    Oid types[11] = {BYTEAOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID,
                     TEXTOID,  BOOLOID, TEXTARRAYOID, BOOLOID, TEXTOID};
    Datum values[11] = {bytea_datum(key, key_len), CStringGetTextDatum(t->version), text_or_null(t->name),
                        CStringGetTextDatum(t->script), CStringGetTextDatum(t->checksum), text_or_null(t->down),
                        text_or_null(t->verify), BoolGetDatum(t->out_of_order), t->allow,
                        BoolGetDatum(t->in_transaction), CStringGetTextDatum(t->submitted_by)};
    char nulls[11] = {' ', ' ', null_flag(!t->name), ' ', ' ', null_flag(!t->down), null_flag(!t->verify), ' ',
                      null_flag(t->allow == 0), ' ', ' '};
    const char* sql =
        "INSERT INTO migrate.submissions AS s (version_key, version, name, script, checksum, down, verify, "
        "       out_of_order, allow, in_transaction, status, submitted_by, submitted_at) "
        "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'queued', $11, pg_catalog.clock_timestamp()) "
        "ON CONFLICT (version_key) DO UPDATE SET version = EXCLUDED.version, name = EXCLUDED.name, "
        "       script = EXCLUDED.script, checksum = EXCLUDED.checksum, down = EXCLUDED.down, "
        "       verify = EXCLUDED.verify, out_of_order = EXCLUDED.out_of_order, allow = EXCLUDED.allow, "
        "       in_transaction = EXCLUDED.in_transaction, status = 'queued', statements = NULL, done = 0, "
        "       statement = NULL, line = NULL, error = NULL, sqlstate = NULL, detail = NULL, hint = NULL, "
        "       invalid_indexes = NULL, submitted_by = EXCLUDED.submitted_by, "
        "       submitted_at = EXCLUDED.submitted_at, started_at = NULL, finished_at = NULL, worker_pid = NULL "
        "RETURNING s.id";
    if (SPI_execute_with_args(sql, 11, types, values, nulls, false, 1) != SPI_OK_INSERT_RETURNING ||
        SPI_processed != 1)
        elog(ERROR, "could not write migrate.submissions");
    bool isnull;
    int32 id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    leave_owner_scope(&scope);
    return id;
}

bool submissions_under_way() {
    if (!migrate_table_has_column("submissions", "worker_pid")) return false;
    static SPIPlanPtr plan = nullptr;
    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr kept = kept_plan(&plan,
                                "SELECT EXISTS (SELECT FROM migrate.submissions "
                                "                WHERE status IN ('queued', 'running'))",
                                0, nullptr);
    if (SPI_execute_plan(kept, nullptr, nullptr, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read migrate.submissions");
    bool isnull;
    const bool under_way = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    leave_owner_scope(&scope);
    return under_way;
}

const char** submission_cells(const char* key, int key_len) {
    MemoryContext caller = CurrentMemoryContext;
    const char** cells = static_cast<const char**>(palloc0(sizeof(char*) * kSubmissionColumns));
    OwnerScope scope;
    enter_owner_scope(&scope);
    Oid types[1] = {BYTEAOID};
    Datum values[1] = {bytea_datum(key, key_len)};
    const char* sql =
        "SELECT version, status, statements, done, statement, line, error, sqlstate, detail, hint, "
        "       invalid_indexes, submitted_at, finished_at "
        "  FROM migrate.submissions WHERE version_key OPERATOR(pg_catalog.=) $1";
    if (SPI_execute_with_args(sql, 1, types, values, nullptr, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read migrate.submissions");
    if (SPI_processed == 0) elog(ERROR, "the submission is missing from migrate.submissions");
    for (int i = 0; i < kSubmissionColumns; i++) cells[i] = cell(i + 1, caller);
    leave_owner_scope(&scope);
    return cells;
}

}  // namespace pgm::pg
