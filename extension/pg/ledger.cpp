// PG zone: see ledger.hpp.
#include "ledger.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/lsyscache.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

namespace pgm::pg {
namespace {

// Advisory lock key of the ledger: the bytes of "pg_migra" as a bigint, so it
// is recognisable in pg_locks (classid 1885300589, objid 1634887527).
constexpr int64 kLedgerLockKey = 0x70675f6d69677261LL;


// Copies column `col` of the current SPI row out of SPI memory (into `cxt`).
const char* copy_text_column(HeapTuple tuple, TupleDesc desc, int col, MemoryContext cxt) {
    char* value = SPI_getvalue(tuple, desc, col);
    if (value == nullptr) return nullptr;
    return MemoryContextStrdup(cxt, value);
}

void copy_key_column(HeapTuple tuple, TupleDesc desc, int col, MemoryContext cxt, LedgerRow* row) {
    bool isnull;
    Datum d = SPI_getbinval(tuple, desc, col, &isnull);
    if (isnull) return;
    bytea* key = DatumGetByteaPP(d);
    row->version_key_len = VARSIZE_ANY_EXHDR(key);
    char* copy = static_cast<char*>(MemoryContextAlloc(cxt, row->version_key_len + 1));
    memcpy(copy, VARDATA_ANY(key), row->version_key_len);
    row->version_key = copy;
}

int compare_keys(const char* a, int alen, const char* b, int blen) {
    int c = memcmp(a, b, Min(alen, blen));
    if (c != 0) return c;
    return alen - blen;
}

// Mirrors core::status_counts_as_applied (pure C++ is not called from the PG
// zone); the SQL of migrate_status lists the same statuses.
bool status_counts_as_applied(const char* status) {
    return strcmp(status, "applied") == 0 || strcmp(status, "baseline") == 0 ||
           strcmp(status, "repaired") == 0 || strcmp(status, "adopted") == 0;
}

SPIPlanPtr find_version_plan;
SPIPlanPtr top_version_plan;
SPIPlanPtr next_lower_version_plan;
SPIPlanPtr last_hash_plan;
SPIPlanPtr last_id_plan;
SPIPlanPtr insert_plan;
SPIPlanPtr insert_v2_plan;
SPIPlanPtr insert_v3_plan;
SPIPlanPtr applied_above_plan, applied_above_v1_plan, applied_one_plan, applied_one_v1_plan;

// Each version's newest row, when it counts as applied, with the id of the
// row that applied it (a repair keeps the place of the row it repaired).
#define PGM_APPLIED_VERSIONS(ADOPTED_FROM, WHERE)                                                     \
    "SELECT n.version, n.version_key, n.name, n.status, n.checksum, n.fingerprint, n.script, "         \
    "n.down, n.verify, " ADOPTED_FROM " FROM (SELECT DISTINCT ON (l.version_key) l.* "                 \
    "FROM migrate.ledger AS l WHERE " WHERE " ORDER BY l.version_key, l.id DESC) AS n "                  \
    "WHERE n.status IN ('applied', 'baseline', 'repaired', 'adopted') "                                \
    "ORDER BY (SELECT pg_catalog.max(a.id) FROM migrate.ledger AS a "                                  \
    "WHERE a.version_key = n.version_key AND a.status <> 'repaired') DESC"
#define PGM_ABOVE "l.version_key > $1 AND l.version_key < pg_catalog.decode('ff', 'hex')"
#define PGM_EXACT "l.version_key = $1"
char* cached_client_addr;
bool client_addr_known;

}  // namespace

Oid ledger_owner() {
    Oid schema = get_namespace_oid("migrate", true);
    Oid relid = OidIsValid(schema) ? get_relname_relid("ledger", schema) : InvalidOid;
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("the pg_migrate ledger table migrate.ledger does not exist"),
                        errhint("Reinstall the extension with DROP EXTENSION pg_migrate and "
                                "CREATE EXTENSION pg_migrate.")));
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple)) elog(ERROR, "cache lookup failed for relation %u", relid);
    Oid owner = ((Form_pg_class)GETSTRUCT(tuple))->relowner;
    ReleaseSysCache(tuple);
    return owner;
}

void enter_owner_scope(OwnerScope* scope) {
    Oid owner = ledger_owner();
    GetUserIdAndSecContext(&scope->saved_user, &scope->saved_security_context);
    SetUserIdAndSecContext(owner, scope->saved_security_context | SECURITY_LOCAL_USERID_CHANGE |
                                      SECURITY_RESTRICTED_OPERATION);
    scope->guc_nest_level = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION,
                      GUC_ACTION_SAVE, true, 0, false);
    // Our queries over the catalogs are estimated as costly (set-returning
    // and deparsing functions) yet run in milliseconds to a second; compiling
    // them with JIT took four times longer than running them (migrate_verify
    // on 10,000 tables: 5 s with JIT, 1.2 s without).
    set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
}

void leave_owner_scope(const OwnerScope* scope) {
    SPI_finish();
    // false: nothing set while running as the ledger owner outlives the scope.
    AtEOXact_GUC(false, scope->guc_nest_level);
    SetUserIdAndSecContext(scope->saved_user, scope->saved_security_context);
}

void enter_caller_scope(CallerScope* scope) {
    scope->guc_nest_level = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                      false);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
}

void leave_caller_scope(const CallerScope* scope) {
    SPI_finish();
    AtEOXact_GUC(false, scope->guc_nest_level);
}

namespace {

SPIPlanPtr kept_plan_with_options(SPIPlanPtr* slot, const char* sql, int nargs, Oid* argtypes, int options) {
    if (*slot != nullptr) return *slot;
    SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, argtypes, options);
    if (plan == nullptr)
        elog(ERROR, "could not prepare ledger query: %s", SPI_result_code_string(SPI_result));
    SPI_keepplan(plan);
    *slot = plan;
    return plan;
}

}  // namespace

SPIPlanPtr kept_plan(SPIPlanPtr* slot, const char* sql, int nargs, Oid* argtypes) {
    return kept_plan_with_options(slot, sql, nargs, argtypes, 0);
}

SPIPlanPtr kept_generic_plan(SPIPlanPtr* slot, const char* sql, int nargs, Oid* argtypes) {
    return kept_plan_with_options(slot, sql, nargs, argtypes, CURSOR_OPT_GENERIC_PLAN);
}

Datum bytea_datum(const char* bytes, int len) {
    bytea* value = static_cast<bytea*>(palloc(VARHDRSZ + len));
    SET_VARSIZE(value, VARHDRSZ + len);
    memcpy(VARDATA(value), bytes, len);
    return PointerGetDatum(value);
}

void lock_ledger() { DirectFunctionCall1(pg_advisory_xact_lock_int8, Int64GetDatum(kLedgerLockKey)); }

void check_ledger_snapshot() {
    if (!IsolationUsesXactSnapshot()) return;
    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr plan = kept_plan(&last_id_plan,
                                "SELECT pg_catalog.max(id) FROM migrate.ledger", 0, nullptr);
    int64 seen[2] = {0, 0};
    Snapshot snapshots[2] = {GetTransactionSnapshot(), GetLatestSnapshot()};
    for (int i = 0; i < 2; i++) {
        if (SPI_execute_snapshot(plan, nullptr, nullptr, snapshots[i], InvalidSnapshot, true,
                                 false, 1) != SPI_OK_SELECT)
            elog(ERROR, "could not read the ledger");
        bool isnull;
        Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
        seen[i] = isnull ? 0 : DatumGetInt64(d);
    }
    leave_owner_scope(&scope);
    if (seen[0] != seen[1])
        ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                        errmsg("could not serialize access due to a concurrent migration"),
                        errdetail("Another session changed the migration ledger after this "
                                  "transaction's snapshot was taken."),
                        errhint("Retry the transaction.")));
}

namespace {

// Both lookups below assume an owner scope is active (SPI connected).
void find_version_in_scope(const char* key, int key_len, MemoryContext caller, LedgerRow* row) {
    Oid types[1] = {BYTEAOID};
    Datum values[1] = {bytea_datum(key, key_len)};
    SPIPlanPtr plan = kept_plan(&find_version_plan,
                                "SELECT version, version_key, status, checksum, fingerprint, "
                                "pg_catalog.to_char(pg_catalog.timezone('UTC', applied_at), "
                                "'YYYY-MM-DD HH24:MI:SS UTC') FROM migrate.ledger WHERE version_key = $1 "
                                "ORDER BY id DESC LIMIT 1",
                                1, types);
    // read_only = false: SPI takes a fresh snapshot, so under READ COMMITTED a
    // migration committed while we waited for the ledger lock is seen.
    if (SPI_execute_plan(plan, values, nullptr, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read the ledger");
    if (SPI_processed > 0) {
        HeapTuple tuple = SPI_tuptable->vals[0];
        TupleDesc desc = SPI_tuptable->tupdesc;
        row->found = true;
        row->version = copy_text_column(tuple, desc, 1, caller);
        copy_key_column(tuple, desc, 2, caller, row);
        row->status = copy_text_column(tuple, desc, 3, caller);
        row->checksum = copy_text_column(tuple, desc, 4, caller);
        row->fingerprint = copy_text_column(tuple, desc, 5, caller);
        row->applied_at = copy_text_column(tuple, desc, 6, caller);
    }
}

void highest_applied_in_scope(const char* key, int key_len, bool fresh_snapshot, MemoryContext caller,
                              LedgerRow* row) {
    Oid types[1] = {BYTEAOID};
    SPIPlanPtr top = kept_plan(&top_version_plan,
                               "SELECT version, version_key, status FROM migrate.ledger "
                               "WHERE version_key < pg_catalog.decode('ff', 'hex') "
                               "ORDER BY version_key DESC, id DESC LIMIT 1",
                               0, nullptr);
    SPIPlanPtr lower = kept_plan(&next_lower_version_plan,
                                 "SELECT version, version_key, status FROM migrate.ledger "
                                 "WHERE version_key < $1 ORDER BY version_key DESC, id DESC LIMIT 1",
                                 1, types);
    // Walk down the versions, newest row of each, until one is applied.  Only
    // reverted versions are skipped, so this is one probe in the usual case.
    // Repeatable migrations (keys from 0xFF up) are not versions: never counted.
    LedgerRow candidate;
    memset(&candidate, 0, sizeof(candidate));
    bool first = true;
    for (;;) {
        int rc;
        if (first) {
            rc = SPI_execute_plan(top, nullptr, nullptr, !fresh_snapshot, 1);
        } else {
            Datum values[1] = {bytea_datum(candidate.version_key, candidate.version_key_len)};
            rc = SPI_execute_plan(lower, values, nullptr, !fresh_snapshot, 1);
        }
        first = false;
        if (rc != SPI_OK_SELECT) elog(ERROR, "could not read the ledger");
        if (SPI_processed == 0) break;
        HeapTuple tuple = SPI_tuptable->vals[0];
        TupleDesc desc = SPI_tuptable->tupdesc;
        copy_key_column(tuple, desc, 2, caller, &candidate);
        if (key != nullptr &&
            compare_keys(candidate.version_key, candidate.version_key_len, key, key_len) <= 0)
            break;
        const char* status = copy_text_column(tuple, desc, 3, caller);
        if (status_counts_as_applied(status)) {
            *row = candidate;
            row->found = true;
            row->version = copy_text_column(tuple, desc, 1, caller);
            row->status = status;
            break;
        }
        SPI_freetuptable(SPI_tuptable);
    }
}

}  // namespace

LedgerRow* find_version(const char* key, int key_len) {
    MemoryContext caller = CurrentMemoryContext;
    LedgerRow* row = static_cast<LedgerRow*>(palloc0(sizeof(LedgerRow)));
    OwnerScope scope;
    enter_owner_scope(&scope);
    find_version_in_scope(key, key_len, caller, row);
    leave_owner_scope(&scope);
    return row;
}

VersionLookup* lookup_version(const char* key, int key_len) {
    MemoryContext caller = CurrentMemoryContext;
    VersionLookup* lookup = static_cast<VersionLookup*>(palloc0(sizeof(VersionLookup)));
    OwnerScope scope;
    enter_owner_scope(&scope);
    find_version_in_scope(key, key_len, caller, &lookup->existing);
    highest_applied_in_scope(key, key_len, true, caller, &lookup->higher);
    leave_owner_scope(&scope);
    return lookup;
}

LedgerRow* highest_applied_above(const char* key, int key_len, bool fresh_snapshot) {
    MemoryContext caller = CurrentMemoryContext;
    LedgerRow* row = static_cast<LedgerRow*>(palloc0(sizeof(LedgerRow)));
    OwnerScope scope;
    enter_owner_scope(&scope);
    highest_applied_in_scope(key, key_len, fresh_snapshot, caller, row);
    leave_owner_scope(&scope);
    return row;
}

namespace {

AppliedVersions* read_applied(SPIPlanPtr* slot, SPIPlanPtr* v1_slot, const char* sql, const char* v1_sql,
                              const char* key, int key_len) {
    MemoryContext caller = CurrentMemoryContext;
    AppliedVersions* result = static_cast<AppliedVersions*>(palloc0(sizeof(AppliedVersions)));
    const bool has_source = migrate_table_has_column("ledger", "adopted_from");
    OwnerScope scope;
    enter_owner_scope(&scope);
    Oid types[1] = {BYTEAOID};
    Datum values[1] = {bytea_datum(key, key_len)};
    SPIPlanPtr plan = has_source ? kept_plan(slot, sql, 1, types) : kept_plan(v1_slot, v1_sql, 1, types);
    if (SPI_execute_plan(plan, values, nullptr, false, 0) != SPI_OK_SELECT) elog(ERROR, "could not read the ledger");
    result->count = static_cast<int>(SPI_processed);
    result->rows = static_cast<AppliedVersion*>(MemoryContextAllocZero(caller, sizeof(AppliedVersion) * Max(result->count, 1)));
    for (int i = 0; i < result->count; i++) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        AppliedVersion* r = &result->rows[i];
        LedgerRow key_holder{};
        copy_key_column(t, d, 2, caller, &key_holder);
        r->version = copy_text_column(t, d, 1, caller);
        r->version_key = key_holder.version_key;
        r->version_key_len = key_holder.version_key_len;
        r->name = copy_text_column(t, d, 3, caller);
        r->status = copy_text_column(t, d, 4, caller);
        r->checksum = copy_text_column(t, d, 5, caller);
        r->fingerprint = copy_text_column(t, d, 6, caller);
        r->script = copy_text_column(t, d, 7, caller);
        r->down = copy_text_column(t, d, 8, caller);
        r->verify = copy_text_column(t, d, 9, caller);
        r->adopted_from = copy_text_column(t, d, 10, caller);
    }
    leave_owner_scope(&scope);
    return result;
}

}  // namespace

AppliedVersions* applied_versions_above(const char* key, int key_len) {
    return read_applied(&applied_above_plan, &applied_above_v1_plan,
                        PGM_APPLIED_VERSIONS("n.adopted_from", PGM_ABOVE),
                        PGM_APPLIED_VERSIONS("NULL::text", PGM_ABOVE), key, key_len);
}

AppliedVersions* applied_version(const char* key, int key_len) {
    return read_applied(&applied_one_plan, &applied_one_v1_plan,
                        PGM_APPLIED_VERSIONS("n.adopted_from", PGM_EXACT),
                        PGM_APPLIED_VERSIONS("NULL::text", PGM_EXACT), key, key_len);
}

const char* last_hash() {
    MemoryContext caller = CurrentMemoryContext;
    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr plan = kept_plan(&last_hash_plan,
                                "SELECT hash FROM migrate.ledger ORDER BY id DESC LIMIT 1", 0,
                                nullptr);
    if (SPI_execute_plan(plan, nullptr, nullptr, false, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read the ledger");
    const char* hash = nullptr;
    if (SPI_processed > 0)
        hash = copy_text_column(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, caller);
    leave_owner_scope(&scope);
    return hash;
}

bool migrate_table_has_column(const char* table, const char* column) {
    Oid schema = get_namespace_oid("migrate", true);
    Oid relid = OidIsValid(schema) ? get_relname_relid(table, schema) : InvalidOid;
    return OidIsValid(relid) && get_attnum(relid, column) != InvalidAttrNumber;
}

#define PGM_LEDGER_INSERT(V2_COLUMNS, V2_VALUES)                                                \
    "INSERT INTO migrate.ledger (version, version_key, name, status, checksum, fingerprint, "     \
    "script, down, verify, out_of_order, statements, applied_at, applied_by, "                  \
    "application_name, client_addr, duration, prev_hash, hash, hash_format, reason" V2_COLUMNS ") " \
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "                       \
    "$15::pg_catalog.inet, $16, $17, $18, $19, $20" V2_VALUES ")"

void insert_row(const LedgerInsert* row) {
    constexpr int kColumns = 23;
    Oid types[kColumns] = {TEXTOID, BYTEAOID, TEXTOID,  TEXTOID, TEXTOID,        TEXTOID, TEXTOID,
                           TEXTOID, TEXTOID,  BOOLOID,  INT4OID, TIMESTAMPTZOID, TEXTOID, TEXTOID,
                           TEXTOID, INTERVALOID, TEXTOID, TEXTOID, INT4OID,      TEXTOID, TEXTOID,
                           TEXTOID, TEXTOID};
    Datum values[kColumns];
    char nulls[kColumns];
    memset(nulls, ' ', sizeof(nulls));
    auto text_or_null = [&](int i, const char* s) {
        if (s == nullptr)
            nulls[i] = 'n', values[i] = (Datum)0;
        else
            values[i] = CStringGetTextDatum(s);
    };
    Interval* duration = static_cast<Interval*>(palloc0(sizeof(Interval)));
    duration->time = row->duration_us;

    text_or_null(0, row->version);
    values[1] = bytea_datum(row->version_key, row->version_key_len);
    text_or_null(2, row->name);
    text_or_null(3, row->status);
    text_or_null(4, row->checksum);
    text_or_null(5, row->fingerprint);
    text_or_null(6, row->script);
    text_or_null(7, row->down);
    text_or_null(8, row->verify);
    values[9] = BoolGetDatum(row->out_of_order);
    values[10] = Int32GetDatum(row->statements);
    values[11] = TimestampTzGetDatum(row->applied_at);
    text_or_null(12, row->applied_by);
    text_or_null(13, row->application_name);
    text_or_null(14, row->client_addr);
    values[15] = IntervalPGetDatum(duration);
    text_or_null(16, row->prev_hash);
    text_or_null(17, row->hash);
    values[18] = Int32GetDatum(row->hash_format);
    text_or_null(19, row->reason);
    text_or_null(20, row->previous_checksum);
    text_or_null(21, row->adopted_from);
    text_or_null(22, row->risk);
    if (row->hash_format < 3 && row->risk)
        elog(ERROR, "a ledger row of hash format %d cannot carry a risk", row->hash_format);
    if (row->hash_format == 1 && (row->reason || row->previous_checksum || row->adopted_from))
        elog(ERROR, "a ledger row of hash format 1 cannot carry reason, previous_checksum or adopted_from");

    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr plan =
        row->hash_format == 1
            ? kept_plan(&insert_plan, PGM_LEDGER_INSERT("", ""), kColumns - 3, types)
        : row->hash_format == 2
            ? kept_plan(&insert_v2_plan, PGM_LEDGER_INSERT(", previous_checksum, adopted_from", ", $21, $22"),
                        kColumns - 1, types)
            : kept_plan(&insert_v3_plan,
                        PGM_LEDGER_INSERT(", previous_checksum, adopted_from, risk", ", $21, $22, $23"), kColumns,
                        types);
    if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT)
        elog(ERROR, "could not write the ledger");
    leave_owner_scope(&scope);
}

int64 clock_now() { return GetCurrentTimestamp(); }

SessionFacts* session_facts() {
    SessionFacts* facts = static_cast<SessionFacts*>(palloc0(sizeof(SessionFacts)));
    facts->role = GetUserNameFromId(GetUserId(), false);
    const char* app = GetConfigOption("application_name", true, false);
    facts->application_name = (app != nullptr && app[0] != '\0') ? pstrdup(app) : nullptr;
    if (!client_addr_known) {
        // The client address cannot change during a session: look it up once.
        MemoryContext caller = CurrentMemoryContext;
        OwnerScope scope;
        enter_owner_scope(&scope);
        if (SPI_execute("SELECT pg_catalog.host(pg_catalog.inet_client_addr())", true, 1) !=
            SPI_OK_SELECT)
            elog(ERROR, "could not read the client address");
        const char* addr = copy_text_column(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, caller);
        leave_owner_scope(&scope);
        cached_client_addr = addr ? MemoryContextStrdup(TopMemoryContext, addr) : nullptr;
        client_addr_known = true;
    }
    facts->client_addr = cached_client_addr;
    facts->now = GetCurrentTimestamp();
    return facts;
}

void query_into_srf(FunctionCallInfo fcinfo, SPIPlanPtr* plan_slot, const char* sql, int nargs,
                    Oid* argtypes, Datum* values, const char* nulls) {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr plan = kept_plan(plan_slot, sql, nargs, argtypes);
    if (SPI_execute_plan(plan, values, nulls, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "could not read the ledger");
    TupleDesc result_desc = rsinfo->setDesc;
    int natts = result_desc->natts;
    Datum* row_values = static_cast<Datum*>(palloc(sizeof(Datum) * natts));
    bool* row_nulls = static_cast<bool*>(palloc(sizeof(bool) * natts));
    for (uint64 r = 0; r < SPI_processed; r++) {
        for (int c = 0; c < natts; c++)
            row_values[c] =
                SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, c + 1, &row_nulls[c]);
        tuplestore_putvalues(rsinfo->setResult, result_desc, row_values, row_nulls);
    }
    leave_owner_scope(&scope);
}

}  // namespace pgm::pg
