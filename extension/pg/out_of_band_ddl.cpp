#include "out_of_band_ddl.hpp"

#include "ledger.hpp"

extern "C" {
#include "catalog/pg_type_d.h"
#include "executor/spi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
}

namespace pgm::pg {
const RecordedStatements* read_recorded_statements(SPIPlanPtr* plan_slot, const char* sql) {
    MemoryContext caller = CurrentMemoryContext;
    RecordedStatements* result = static_cast<RecordedStatements*>(palloc0(sizeof(RecordedStatements)));
    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr plan = kept_plan(plan_slot, sql, 0, nullptr);
    if (SPI_execute_plan(plan, nullptr, nullptr, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "could not read migrate.ddl_log");
    const int rows = static_cast<int>(SPI_processed);
    RecordedStatement* items =
        static_cast<RecordedStatement*>(MemoryContextAllocZero(caller, sizeof(RecordedStatement) * (rows + 1)));
    TupleDesc desc = SPI_tuptable->tupdesc;
    for (int r = 0; r < rows; r++) {
        HeapTuple tuple = SPI_tuptable->vals[r];
        RecordedStatement* item = &items[r];
        item->logged_at = copied_text_column(tuple, desc, 2, caller);
        item->role = copied_text_column(tuple, desc, 3, caller);
        item->sql = copied_text_column(tuple, desc, 8, caller);
        bool isnull = false;
        Datum ids = SPI_getbinval(tuple, desc, 9, &isnull);
        if (isnull) continue;
        ArrayType* array = DatumGetArrayTypeP(ids);
        Datum* elements = nullptr;
        int count = 0;
        deconstruct_array(array, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &elements, nullptr, &count);
        int64* copied = static_cast<int64*>(MemoryContextAlloc(caller, sizeof(int64) * (count + 1)));
        for (int i = 0; i < count; i++) copied[i] = DatumGetInt64(elements[i]);
        item->ids = copied;
        item->id_count = count;
    }
    result->count = rows;
    result->items = items;
    leave_owner_scope(&scope);
    return result;
}

void record_already_run(const char* version, int statement, const RecordedStatement* recorded) {
    const int64* ids = recorded->ids;
    const int count = recorded->id_count;
    static SPIPlanPtr plan = nullptr;
    OwnerScope scope;
    enter_owner_scope(&scope);
    Datum* elements = static_cast<Datum*>(palloc(sizeof(Datum) * (count + 1)));
    for (int i = 0; i < count; i++) elements[i] = Int64GetDatum(ids[i]);
    ArrayType* array = construct_array(elements, count, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
    Oid types[3] = {TEXTOID, INT4OID, INT8ARRAYOID};
    Datum values[3] = {CStringGetTextDatum(version), Int32GetDatum(statement), PointerGetDatum(array)};
    SPIPlanPtr p = kept_plan(&plan,
                             "UPDATE migrate.ddl_log SET version = $1, statement = $2 "
                             "WHERE id OPERATOR(pg_catalog.=) ANY ($3) AND version IS NULL",
                             3, types);
    if (SPI_execute_plan(p, values, nullptr, false, 0) != SPI_OK_UPDATE)
        elog(ERROR, "could not update migrate.ddl_log");
    leave_owner_scope(&scope);
    ereport(NOTICE,
            (errmsg("migration %s, statement %d already ran here outside migrations: recorded, not run again", version,
                    statement),
             errdetail("It ran at %s as role %s; its rows of migrate.ddl_log are now migration %s's.",
                       recorded->logged_at ? recorded->logged_at : "?", recorded->role ? recorded->role : "?",
                       version)));
}

}  // namespace pgm::pg
