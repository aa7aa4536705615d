// PG zone: see progress.hpp.
#include "progress.hpp"

#include "ledger.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace pgm::pg {
namespace {

// Indexed by whether migrate.progress has the risk column (0.8 on).
SPIPlanPtr find_plan[2];
SPIPlanPtr insert_plan[2];
SPIPlanPtr advance_plan;
SPIPlanPtr error_plan;
SPIPlanPtr delete_plan;

const char* text_column(int col, MemoryContext cxt) {
    char* value = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col);
    return value ? MemoryContextStrdup(cxt, value) : nullptr;
}

int64 int_column(int col) {
    bool isnull;
    Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);
    return isnull ? 0 : DatumGetInt64(d);
}

bool progress_has_risk() { return migrate_table_has_column("progress", "risk"); }

}  // namespace

ProgressRow* find_progress(const char* key, int key_len) {
    MemoryContext caller = CurrentMemoryContext;
    ProgressRow* row = static_cast<ProgressRow*>(palloc0(sizeof(ProgressRow)));
    OwnerScope scope;
    enter_owner_scope(&scope);
    Oid types[1] = {BYTEAOID};
    Datum values[1] = {bytea_datum(key, key_len)};
    const bool has_risk = progress_has_risk();
    SPIPlanPtr plan = kept_plan(&find_plan[has_risk],
                                has_risk ? "SELECT version, checksum, statements::int8, done::int8, "
                                           "started_at, last_error, risk FROM migrate.progress WHERE version_key = $1"
                                         : "SELECT version, checksum, statements::int8, done::int8, "
                                           "started_at, last_error FROM migrate.progress WHERE version_key = $1",
                                1, types);
    if (SPI_execute_plan(plan, values, nullptr, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read migrate.progress");
    if (SPI_processed > 0) {
        row->found = true;
        row->version = text_column(1, caller);
        row->checksum = text_column(2, caller);
        row->statements = static_cast<int>(int_column(3));
        row->done = static_cast<int>(int_column(4));
        bool isnull;
        row->started_at = DatumGetTimestampTz(
            SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 5, &isnull));
        row->last_error = text_column(6, caller);
        if (has_risk) row->risk = text_column(7, caller);
    }
    leave_owner_scope(&scope);
    return row;
}

void start_progress(const char* key, int key_len, const char* version, const char* name,
                    const char* checksum, int statements, const char* started_by, const char* risk) {
    OwnerScope scope;
    enter_owner_scope(&scope);
    Oid types[7] = {BYTEAOID, TEXTOID, TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTOID};
    Datum values[7] = {bytea_datum(key, key_len), CStringGetTextDatum(version),
                       name ? CStringGetTextDatum(name) : (Datum)0, CStringGetTextDatum(checksum),
                       Int32GetDatum(statements), CStringGetTextDatum(started_by),
                       risk ? CStringGetTextDatum(risk) : (Datum)0};
    char nulls[7] = {' ', ' ', static_cast<char>(name ? ' ' : 'n'), ' ', ' ', ' ', static_cast<char>(risk ? ' ' : 'n')};
    const bool has_risk = progress_has_risk();
    SPIPlanPtr plan = kept_plan(&insert_plan[has_risk],
                                has_risk ? "INSERT INTO migrate.progress (version_key, version, name, checksum, "
                                           "statements, done, started_at, updated_at, started_by, risk) "
                                           "VALUES ($1, $2, $3, $4, $5, 0, pg_catalog.clock_timestamp(), "
                                           "pg_catalog.clock_timestamp(), $6, $7)"
                                         : "INSERT INTO migrate.progress (version_key, version, name, checksum, "
                                           "statements, done, started_at, updated_at, started_by) "
                                           "VALUES ($1, $2, $3, $4, $5, 0, pg_catalog.clock_timestamp(), "
                                           "pg_catalog.clock_timestamp(), $6)",
                                has_risk ? 7 : 6, types);
    if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT)
        elog(ERROR, "could not write migrate.progress");
    leave_owner_scope(&scope);
}

bool advance_progress(const char* key, int key_len, int statement) {
    OwnerScope scope;
    enter_owner_scope(&scope);
    Oid types[2] = {BYTEAOID, INT4OID};
    Datum values[2] = {bytea_datum(key, key_len), Int32GetDatum(statement)};
    SPIPlanPtr plan = kept_plan(&advance_plan,
                                "UPDATE migrate.progress SET done = $2, last_error = NULL, "
                                "updated_at = pg_catalog.clock_timestamp() "
                                "WHERE version_key = $1 AND done OPERATOR(pg_catalog.=) ($2 "
                                "OPERATOR(pg_catalog.-) 1)",
                                2, types);
    if (SPI_execute_plan(plan, values, nullptr, false, 0) != SPI_OK_UPDATE)
        elog(ERROR, "could not write migrate.progress");
    bool advanced = SPI_processed == 1;
    leave_owner_scope(&scope);
    return advanced;
}

void record_progress_error(const char* key, int key_len, const char* error) {
    OwnerScope scope;
    enter_owner_scope(&scope);
    Oid types[2] = {BYTEAOID, TEXTOID};
    Datum values[2] = {bytea_datum(key, key_len), CStringGetTextDatum(error)};
    SPIPlanPtr plan = kept_plan(&error_plan,
                                "UPDATE migrate.progress SET last_error = $2, "
                                "updated_at = pg_catalog.clock_timestamp() WHERE version_key = $1",
                                2, types);
    if (SPI_execute_plan(plan, values, nullptr, false, 0) != SPI_OK_UPDATE)
        elog(ERROR, "could not write migrate.progress");
    leave_owner_scope(&scope);
}

void delete_progress(const char* key, int key_len) {
    OwnerScope scope;
    enter_owner_scope(&scope);
    Oid types[1] = {BYTEAOID};
    Datum values[1] = {bytea_datum(key, key_len)};
    SPIPlanPtr plan = kept_plan(&delete_plan, "DELETE FROM migrate.progress WHERE version_key = $1",
                                1, types);
    if (SPI_execute_plan(plan, values, nullptr, false, 0) != SPI_OK_DELETE)
        elog(ERROR, "could not write migrate.progress");
    leave_owner_scope(&scope);
}

}  // namespace pgm::pg
