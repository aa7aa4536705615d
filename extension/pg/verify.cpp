// PG zone: see verify.hpp.
#include "verify.hpp"

#include "ledger.hpp"
#include "settings.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/resowner.h"
#include "utils/timestamp.h"
#include "utils/varlena.h"
}

namespace pgm::pg {
namespace {

int64 int64_column(HeapTuple tuple, TupleDesc desc, int col) {
    bool isnull;
    Datum d = SPI_getbinval(tuple, desc, col, &isnull);
    return isnull ? 0 : DatumGetInt64(d);
}

Datum text_array(const char* const* items, int count) {
    Datum* elems = static_cast<Datum*>(palloc(sizeof(Datum) * Max(count, 1)));
    bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * Max(count, 1)));
    for (int i = 0; i < count; i++) {
        nulls[i] = items[i] == nullptr;
        elems[i] = nulls[i] ? Datum(0) : CStringGetTextDatum(items[i]);
    }
    int dims[1] = {count};
    int lbs[1] = {1};
    return PointerGetDatum(construct_md_array(elems, nulls, 1, dims, lbs, TEXTOID, -1, false, TYPALIGN_INT));
}

}  // namespace

Datum covered_schemas(bool* isnull) {
    *isnull = true;
    if (schemas_setting == nullptr || schemas_setting[0] == '\0') return Datum(0);
    char* copy = pstrdup(schemas_setting);
    List* names = NIL;
    if (!SplitIdentifierString(copy, ',', &names))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid list syntax in migrate.schemas")));
    int count = list_length(names);
    const char** items = static_cast<const char**>(palloc(sizeof(char*) * Max(count, 1)));
    ListCell* cell;
    int i = 0;
    foreach (cell, names) items[i++] = static_cast<const char*>(lfirst(cell));
    *isnull = false;
    return text_array(items, count);
}

namespace {

SPIPlanPtr chain_plan, chain_v1_plan, chain_v2_plan;

// Times as integers: exactly the microseconds that were hashed.
#define PGM_CHAIN_QUERY(V2_COLUMNS)                                                                        \
    "SELECT id, version, name, status, checksum, fingerprint, script, down, verify, out_of_order, "        \
    "statements::pg_catalog.int8, "                                                                        \
    "(EXTRACT(epoch FROM applied_at - '2000-01-01 00:00:00+00'::pg_catalog.timestamptz) "                 \
    "* 1000000)::pg_catalog.int8, applied_by, application_name, pg_catalog.host(client_addr), "           \
    "(EXTRACT(epoch FROM duration) * 1000000)::pg_catalog.int8, prev_hash, hash, hash_format, " V2_COLUMNS \
    " FROM migrate.ledger ORDER BY id"
SPIPlanPtr verify_queries_plan;
SPIPlanPtr record_plan;

// The failures as JSON, the log row, and (for a failing run) a NOTIFY whose
// payload stays far below the 8000-byte limit: counts and check names only.
constexpr const char* kRecordRun = R"SQL(
WITH failures AS (
    SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
               'check_name', u.check_name, 'object', u.object, 'detail', u.detail)), '[]'::pg_catalog.jsonb)
           AS list
      FROM ROWS FROM (pg_catalog.unnest($4::pg_catalog.text[]), pg_catalog.unnest($5::pg_catalog.text[]),
                      pg_catalog.unnest($6::pg_catalog.text[])) AS u(check_name, object, detail)
), logged AS (
    INSERT INTO migrate.verify_log (ok, checks, failures, duration, verified_by, application_name, backend_pid)
    SELECT $1, $2, f.list, $3, $7, $8, $9 FROM failures AS f
    RETURNING id, verified_at, failures
)
SELECT CASE WHEN NOT $1 THEN pg_catalog.pg_notify('migrate_verify', pg_catalog.jsonb_build_object(
           'database', pg_catalog.current_database(),
           'log_id', l.id,
           'verified_at', l.verified_at,
           'problems', pg_catalog.jsonb_array_length(l.failures),
           'checks', (SELECT pg_catalog.jsonb_agg(DISTINCT e.value ->> 'check_name')
                        FROM pg_catalog.jsonb_array_elements(l.failures) AS e))::pg_catalog.text) END
  FROM logged AS l
)SQL";

}  // namespace

Findings* query_findings(SPIPlanPtr* plan_slot, const char* sql, const char* text_param) {
    MemoryContext caller = CurrentMemoryContext;
    Oid types[2] = {TEXTARRAYOID, TEXTOID};
    bool isnull;
    Datum values[2] = {covered_schemas(&isnull), text_param ? CStringGetTextDatum(text_param) : Datum(0)};
    char nulls[2] = {isnull ? 'n' : ' ', ' '};
    Findings* findings = static_cast<Findings*>(palloc0(sizeof(Findings)));

    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr plan = kept_plan(plan_slot, sql, text_param ? 2 : 1, types);
    if (SPI_execute_plan(plan, values, nulls, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "could not run a verification query");
    int count = static_cast<int>(SPI_processed);
    findings->count = count;
    findings->objects = static_cast<const char**>(MemoryContextAlloc(caller, sizeof(char*) * Max(count, 1)));
    findings->details = static_cast<const char**>(MemoryContextAlloc(caller, sizeof(char*) * Max(count, 1)));
    for (int i = 0; i < count; i++) {
        findings->objects[i] = copied_text_column(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, caller);
        findings->details[i] = copied_text_column(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, caller);
    }
    leave_owner_scope(&scope);
    return findings;
}

ChainRows* read_chain() {
    MemoryContext caller = CurrentMemoryContext;
    ChainRows* chain = static_cast<ChainRows*>(palloc0(sizeof(ChainRows)));
    OwnerScope scope;
    enter_owner_scope(&scope);
    // The columns of 0.6 (reason, previous_checksum, adopted_from) and 0.7
    // (risk) as NULL when the installed tables are older than the library.
    SPIPlanPtr plan =
        migrate_table_has_column("ledger", "risk")
            ? kept_plan(&chain_plan, PGM_CHAIN_QUERY("reason, previous_checksum, adopted_from, risk"), 0, nullptr)
        : migrate_table_has_column("ledger", "adopted_from")
            ? kept_plan(&chain_v2_plan, PGM_CHAIN_QUERY("reason, previous_checksum, adopted_from, NULL"), 0, nullptr)
            : kept_plan(&chain_v1_plan, PGM_CHAIN_QUERY("NULL, NULL, NULL, NULL"), 0, nullptr);
    if (SPI_execute_plan(plan, nullptr, nullptr, true, 0) != SPI_OK_SELECT) elog(ERROR, "could not read the ledger");
    chain->count = static_cast<int>(SPI_processed);
    chain->rows = static_cast<ChainRow*>(MemoryContextAllocZero(caller, sizeof(ChainRow) * Max(chain->count, 1)));
    for (int i = 0; i < chain->count; i++) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        ChainRow* r = &chain->rows[i];
        r->id = int64_column(t, d, 1);
        r->version = copied_text_column(t, d, 2, caller);
        r->name = copied_text_column(t, d, 3, caller);
        r->status = copied_text_column(t, d, 4, caller);
        r->checksum = copied_text_column(t, d, 5, caller);
        r->fingerprint = copied_text_column(t, d, 6, caller);
        r->script = copied_text_column(t, d, 7, caller);
        r->down = copied_text_column(t, d, 8, caller);
        r->verify = copied_text_column(t, d, 9, caller);
        bool isnull;
        r->out_of_order = DatumGetBool(SPI_getbinval(t, d, 10, &isnull));
        r->statements = int64_column(t, d, 11);
        r->applied_at = int64_column(t, d, 12);
        r->applied_by = copied_text_column(t, d, 13, caller);
        r->application_name = copied_text_column(t, d, 14, caller);
        r->client_addr = copied_text_column(t, d, 15, caller);
        r->duration_us = int64_column(t, d, 16);
        r->prev_hash = copied_text_column(t, d, 17, caller);
        r->hash = copied_text_column(t, d, 18, caller);
        r->hash_format = DatumGetInt32(SPI_getbinval(t, d, 19, &isnull));
        r->reason = copied_text_column(t, d, 20, caller);
        r->previous_checksum = copied_text_column(t, d, 21, caller);
        r->adopted_from = copied_text_column(t, d, 22, caller);
        r->risk = copied_text_column(t, d, 23, caller);
    }
    leave_owner_scope(&scope);
    return chain;
}

VerifyQueries* applied_verify_queries() {
    MemoryContext caller = CurrentMemoryContext;
    VerifyQueries* result = static_cast<VerifyQueries*>(palloc0(sizeof(VerifyQueries)));
    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr plan = kept_plan(
        &verify_queries_plan,
        "SELECT n.version, n.verify, n.applied_by FROM (SELECT DISTINCT ON (version_key) version, version_key, "
        "status, verify, applied_by "
        "FROM migrate.ledger ORDER BY version_key, id DESC) AS n "
        "WHERE n.status IN ('applied', 'baseline', 'repaired', 'adopted') AND n.verify IS NOT NULL "
        "ORDER BY n.version_key",
        0, nullptr);
    if (SPI_execute_plan(plan, nullptr, nullptr, true, 0) != SPI_OK_SELECT) elog(ERROR, "could not read the ledger");
    int count = static_cast<int>(SPI_processed);
    result->count = count;
    result->versions = static_cast<const char**>(MemoryContextAlloc(caller, sizeof(char*) * Max(count, 1)));
    result->queries = static_cast<const char**>(MemoryContextAlloc(caller, sizeof(char*) * Max(count, 1)));
    result->roles = static_cast<const char**>(MemoryContextAlloc(caller, sizeof(char*) * Max(count, 1)));
    for (int i = 0; i < count; i++) {
        result->versions[i] = copied_text_column(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, caller);
        result->queries[i] = copied_text_column(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, caller);
        result->roles[i] = copied_text_column(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 3, caller);
    }
    leave_owner_scope(&scope);
    return result;
}

const char* run_verify_query(const char* sql, const char* role) {
    Oid author = get_role_oid(role, true);
    if (!OidIsValid(author)) return psprintf("was not run: role \"%s\", which applied it, no longer exists", role);
    MemoryContext caller_context = CurrentMemoryContext;
    ResourceOwner caller_owner = CurrentResourceOwner;
    Oid saved_user;
    int saved_context;
    GetUserIdAndSecContext(&saved_user, &saved_context);
    const char* volatile problem = nullptr;
    BeginInternalSubTransaction(nullptr);
    // Undone by the subtransaction's end, on error too.
    SetUserIdAndSecContext(author, saved_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
    MemoryContextSwitchTo(caller_context);
    PG_TRY();
    {
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        // read_only: a verify query may look, not change anything.
        int rc = SPI_execute(sql, true, 1);
        if (rc != SPI_OK_SELECT)
            problem = "is not a query returning rows";
        else if (SPI_processed == 0)
            problem = "returned no row";
        else {
            bool isnull;
            Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
            if (SPI_gettypeid(SPI_tuptable->tupdesc, 1) != BOOLOID)
                problem = "does not return a boolean";
            else if (isnull)
                problem = "returned NULL";
            else if (!DatumGetBool(d))
                problem = "returned false";
        }
        SPI_finish();
        ReleaseCurrentSubTransaction();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        ErrorData* edata = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
        problem = psprintf("failed: %s", edata->message);
        FreeErrorData(edata);
    }
    PG_END_TRY();
    MemoryContextSwitchTo(caller_context);
    CurrentResourceOwner = caller_owner;
    SetUserIdAndSecContext(saved_user, saved_context);
    return problem;
}

void insert_verify_log(const VerifyRun* run, const char* role, const char* application_name, int pid) {
    constexpr int kArgs = 9;
    Oid types[kArgs] = {BOOLOID, INT4OID, INTERVALOID, TEXTARRAYOID, TEXTARRAYOID, TEXTARRAYOID,
                        TEXTOID, TEXTOID, INT4OID};
    Interval* duration = static_cast<Interval*>(palloc0(sizeof(Interval)));
    duration->time = run->duration_us;
    Datum values[kArgs] = {BoolGetDatum(run->ok),
                           Int32GetDatum(run->checks),
                           IntervalPGetDatum(duration),
                           text_array(run->check_names, run->failures),
                           text_array(run->objects, run->failures),
                           text_array(run->details, run->failures),
                           CStringGetTextDatum(role),
                           application_name ? CStringGetTextDatum(application_name) : Datum(0),
                           Int32GetDatum(pid)};
    char nulls[kArgs] = {' ', ' ', ' ', ' ', ' ', ' ', ' ', application_name ? ' ' : 'n', ' '};
    SPIPlanPtr plan = kept_plan(&record_plan, kRecordRun, kArgs, types);
    if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_SELECT)
        elog(ERROR, "could not write migrate.verify_log");
}

void record_verify_run(const VerifyRun* run) {
    const char* role = GetUserNameFromId(GetUserId(), false);
    const char* app = GetConfigOption("application_name", true, false);
    OwnerScope scope;
    enter_owner_scope(&scope);
    insert_verify_log(run, role, (app != nullptr && app[0] != '\0') ? app : nullptr, MyProcPid);
    leave_owner_scope(&scope);
}

void verify_result(FunctionCallInfo fcinfo, const VerifyRow* rows, int count) {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (int i = 0; i < count; i++) {
        Datum values[4];
        bool nulls[4] = {false, rows[i].object == nullptr, false, rows[i].detail == nullptr};
        values[0] = CStringGetTextDatum(rows[i].check_name);
        values[1] = rows[i].object ? CStringGetTextDatum(rows[i].object) : Datum(0);
        values[2] = BoolGetDatum(rows[i].ok);
        values[3] = rows[i].detail ? CStringGetTextDatum(rows[i].detail) : Datum(0);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
}

}  // namespace pgm::pg
