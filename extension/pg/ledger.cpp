// PG zone: see ledger.hpp.
#include "ledger.hpp"

#include "row_writer.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "catalog/pg_am.h"
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
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"
#include "datatype/timestamp.h"
#include "pgtime.h"
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

// Copies a version_key datum into `row` (in `cxt`).
void copy_key(Datum d, MemoryContext cxt, LedgerRow* row) {
    bytea* key = DatumGetByteaPP(d);
    row->version_key_len = VARSIZE_ANY_EXHDR(key);
    char* copy = static_cast<char*>(MemoryContextAlloc(cxt, row->version_key_len + 1));
    memcpy(copy, VARDATA_ANY(key), row->version_key_len);
    row->version_key = copy;
}

void copy_key_column(HeapTuple tuple, TupleDesc desc, int col, MemoryContext cxt, LedgerRow* row) {
    bool isnull;
    Datum d = SPI_getbinval(tuple, desc, col, &isnull);
    if (!isnull) copy_key(d, cxt, row);
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

SPIPlanPtr last_id_plan;
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

Oid ledger_relation() {
    Oid schema = get_namespace_oid("migrate", true);
    Oid relid = OidIsValid(schema) ? get_relname_relid("ledger", schema) : InvalidOid;
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("the pg_migrate ledger table migrate.ledger does not exist"),
                        errhint("Reinstall the extension with DROP EXTENSION pg_migrate and "
                                "CREATE EXTENSION pg_migrate.")));
    return relid;
}

Oid ledger_owner() {
    const Oid relid = ledger_relation();
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

const char* copied_text_column(HeapTuple tuple, TupleDesc desc, int column, MemoryContext into) {
    char* value = SPI_getvalue(tuple, desc, column);
    return value == nullptr ? nullptr : MemoryContextStrdup(into, value);
}

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

Snapshot register_fresh_snapshot() {
    CommandCounterIncrement();
    return RegisterSnapshot(GetTransactionSnapshot());
}

namespace {

// The lookups every migration makes read the ledger through its indexes
// directly (genam), not through SPI queries: three or four queries per
// migration cost more than the rest of its bookkeeping.  No privilege is
// checked at this level, so no owner scope is needed.

Snapshot reading_snapshot(bool fresh) {
    return fresh ? register_fresh_snapshot() : RegisterSnapshot(GetActiveSnapshot());
}

// Opens the plain ascending btree index of migrate.ledger on exactly
// (`first`) or (`first`, `second`): the orders the lookups rely on.
Relation open_ledger_index(Relation ledger, const char* first, const char* second, const char* definition) {
    const Oid relid = RelationGetRelid(ledger);
    const int keys = second != nullptr ? 2 : 1;
    const AttrNumber wanted[2] = {get_attnum(relid, first),
                                  second != nullptr ? get_attnum(relid, second) : AttrNumber(InvalidAttrNumber)};
    List* indexes = RelationGetIndexList(ledger);
    Relation found = nullptr;
    ListCell* cell;
    foreach (cell, indexes) {
        Relation index = index_open(lfirst_oid(cell), AccessShareLock);
        bool fits = index->rd_rel->relam == BTREE_AM_OID && index->rd_index->indnkeyatts == keys &&
                    index->rd_index->indisvalid && RelationGetIndexExpressions(index) == NIL &&
                    RelationGetIndexPredicate(index) == NIL;
        for (int i = 0; fits && i < keys; i++)
            fits = index->rd_index->indkey.values[i] == wanted[i] && index->rd_indoption[i] == 0;
        if (fits) {
            found = index;
            break;
        }
        index_close(index, AccessShareLock);
    }
    list_free(indexes);
    if (found == nullptr)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("the index of migrate.ledger on %s does not exist", definition),
                        errhint("Reinstall the extension with DROP EXTENSION pg_migrate and CREATE EXTENSION pg_migrate.")));
    return found;
}

// One row of the ledger, read from a heap tuple by column name.
struct LedgerTuple {
    HeapTuple tuple;
    TupleDesc desc;
    Oid relid;
};

const char* text_of(const LedgerTuple& t, const char* column, MemoryContext cxt) {
    bool isnull;
    Datum d = heap_getattr(t.tuple, get_attnum(t.relid, column), t.desc, &isnull);
    if (isnull) return nullptr;
    MemoryContext caller = MemoryContextSwitchTo(cxt);
    char* value = TextDatumGetCString(d);
    MemoryContextSwitchTo(caller);
    return value;
}

void key_of(const LedgerTuple& t, MemoryContext cxt, LedgerRow* row) {
    bool isnull;
    Datum d = heap_getattr(t.tuple, get_attnum(t.relid, "version_key"), t.desc, &isnull);
    if (!isnull) copy_key(d, cxt, row);
}

// applied_at as text for messages, in UTC: "2024-01-01 12:00:00 UTC".
const char* applied_at_of(const LedgerTuple& t, MemoryContext cxt) {
    bool isnull;
    Datum d = heap_getattr(t.tuple, get_attnum(t.relid, "applied_at"), t.desc, &isnull);
    if (isnull) return nullptr;
    struct pg_tm tm;
    fsec_t fsec;
    if (timestamp2tm(DatumGetTimestampTz(d), nullptr, &tm, &fsec, nullptr, nullptr) != 0) return nullptr;
    MemoryContext caller = MemoryContextSwitchTo(cxt);
    char* value = psprintf("%04d-%02d-%02d %02d:%02d:%02d UTC", tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour,
                           tm.tm_min, tm.tm_sec);
    MemoryContextSwitchTo(caller);
    return value;
}

// The index both version lookups scan (the caller closes it).
Relation open_version_index(Relation ledger) {
    return open_ledger_index(ledger, "version_key", "id", "(version_key, id)");
}

void find_version_in(Relation ledger, Relation by_version, Snapshot snapshot, const char* key, int key_len,
                     MemoryContext caller, LedgerRow* row) {
    // Heap attribute numbers: systable_beginscan_ordered maps them to the index's.
    const AttrNumber version_key = get_attnum(RelationGetRelid(ledger), "version_key");
    ScanKeyData scan_key[1];
    ScanKeyInit(&scan_key[0], version_key, BTEqualStrategyNumber, F_BYTEAEQ, bytea_datum(key, key_len));
    SysScanDesc scan = systable_beginscan_ordered(ledger, by_version, snapshot, 1, scan_key);
    // Backwards: the version's newest row (highest id) first.
    HeapTuple tuple = systable_getnext_ordered(scan, BackwardScanDirection);
    if (HeapTupleIsValid(tuple)) {
        LedgerTuple t{tuple, RelationGetDescr(ledger), RelationGetRelid(ledger)};
        row->found = true;
        row->version = text_of(t, "version", caller);
        key_of(t, caller, row);
        row->status = text_of(t, "status", caller);
        row->checksum = text_of(t, "checksum", caller);
        row->fingerprint = text_of(t, "fingerprint", caller);
        row->applied_at = applied_at_of(t, caller);
    }
    systable_endscan_ordered(scan);
}

// Walks the versions down from the highest, newest row of each, until one is
// applied.  Only reverted versions are skipped, so this is one row in the usual
// case.  Repeatable migrations (keys from 0xFF up) are not versions: never counted.
void highest_applied_in(Relation ledger, Relation by_version, Snapshot snapshot, const char* key, int key_len,
                        MemoryContext caller, LedgerRow* row) {
    const AttrNumber version_key = get_attnum(RelationGetRelid(ledger), "version_key");
    ScanKeyData scan_key[2];
    const char ff = '\xff';
    ScanKeyInit(&scan_key[0], version_key, BTLessStrategyNumber, F_BYTEALT, bytea_datum(&ff, 1));
    int keys = 1;
    if (key != nullptr)
        ScanKeyInit(&scan_key[keys++], version_key, BTGreaterStrategyNumber, F_BYTEAGT, bytea_datum(key, key_len));
    SysScanDesc scan = systable_beginscan_ordered(ledger, by_version, snapshot, keys, scan_key);
    LedgerRow candidate{};
    HeapTuple tuple;
    while (HeapTupleIsValid(tuple = systable_getnext_ordered(scan, BackwardScanDirection))) {
        LedgerTuple t{tuple, RelationGetDescr(ledger), RelationGetRelid(ledger)};
        LedgerRow seen{};
        key_of(t, caller, &seen);
        // Rows after a version's first (newest) one are older rows of it.
        if (candidate.version_key != nullptr &&
            compare_keys(seen.version_key, seen.version_key_len, candidate.version_key, candidate.version_key_len) == 0)
            continue;
        candidate = seen;
        const char* status = text_of(t, "status", caller);
        if (status != nullptr && status_counts_as_applied(status)) {
            *row = candidate;
            row->found = true;
            row->version = text_of(t, "version", caller);
            row->status = status;
            break;
        }
    }
    systable_endscan_ordered(scan);
}

// Runs `read` over migrate.ledger with a snapshot of the kind asked for.
template <typename Read>
void read_ledger(bool fresh, Read read) {
    Snapshot snapshot = reading_snapshot(fresh);
    Relation ledger = table_open(ledger_relation(), AccessShareLock);
    read(ledger, snapshot);
    table_close(ledger, AccessShareLock);
    UnregisterSnapshot(snapshot);
}

}  // namespace

LedgerRow* find_version(const char* key, int key_len) {
    MemoryContext caller = CurrentMemoryContext;
    LedgerRow* row = static_cast<LedgerRow*>(palloc0(sizeof(LedgerRow)));
    read_ledger(true, [&](Relation ledger, Snapshot snapshot) {
        Relation by_version = open_version_index(ledger);
        find_version_in(ledger, by_version, snapshot, key, key_len, caller, row);
        index_close(by_version, AccessShareLock);
    });
    return row;
}

VersionLookup* lookup_version(const char* key, int key_len) {
    MemoryContext caller = CurrentMemoryContext;
    VersionLookup* lookup = static_cast<VersionLookup*>(palloc0(sizeof(VersionLookup)));
    read_ledger(true, [&](Relation ledger, Snapshot snapshot) {
        Relation by_version = open_version_index(ledger);
        find_version_in(ledger, by_version, snapshot, key, key_len, caller, &lookup->existing);
        highest_applied_in(ledger, by_version, snapshot, key, key_len, caller, &lookup->higher);
        index_close(by_version, AccessShareLock);
    });
    return lookup;
}

LedgerRow* highest_applied_above(const char* key, int key_len, bool fresh_snapshot) {
    MemoryContext caller = CurrentMemoryContext;
    LedgerRow* row = static_cast<LedgerRow*>(palloc0(sizeof(LedgerRow)));
    read_ledger(fresh_snapshot, [&](Relation ledger, Snapshot snapshot) {
        Relation by_version = open_version_index(ledger);
        highest_applied_in(ledger, by_version, snapshot, key, key_len, caller, row);
        index_close(by_version, AccessShareLock);
    });
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

namespace {

// Where the search for the ledger's newest row starts: the id of the newest
// row this backend found there, in the ledger of that relid.  Only a hint:
// the rows from it on hold the newest one whenever any of them is visible
// (ids only grow), and when none is (its transaction rolled back, the
// extension was reinstalled) the index is read from its end.
struct NewestRowHint {
    Oid ledger;
    int64 id;
};
NewestRowHint newest_row_hint{InvalidOid, 0};

// Rows read forward from the hint before reading from the end is cheaper.
constexpr int kHintedRowsRead = 16;

struct NewestRow {
    bool found;
    int64 id;
    const char* hash;
};

// The newest visible row: forward from `from` when it is not 0 (gives up,
// found = false, after kHintedRowsRead rows), else backward from the index's
// end.  From its end, btree reads the whole last leaf page: with a start
// key, only the entries from it on.
NewestRow newest_row(Relation ledger, Relation by_id, Snapshot snapshot, int64 from, MemoryContext caller) {
    const Oid relid = RelationGetRelid(ledger);
    const AttrNumber id_column = get_attnum(relid, "id");
    ScanKeyData key[1];
    if (from != 0) ScanKeyInit(&key[0], id_column, BTGreaterEqualStrategyNumber, F_INT8GE, Int64GetDatum(from));
    SysScanDesc scan = systable_beginscan_ordered(ledger, by_id, snapshot, from != 0 ? 1 : 0, key);
    const ScanDirection direction = from != 0 ? ForwardScanDirection : BackwardScanDirection;
    NewestRow newest{false, 0, nullptr};
    HeapTuple tuple;
    for (int read = 1; HeapTupleIsValid(tuple = systable_getnext_ordered(scan, direction)); read++) {
        if (from != 0 && read > kHintedRowsRead) {
            newest.found = false;
            break;
        }
        const LedgerTuple t{tuple, RelationGetDescr(ledger), relid};
        bool isnull;
        newest = {true, DatumGetInt64(heap_getattr(tuple, id_column, t.desc, &isnull)), text_of(t, "hash", caller)};
        if (direction == BackwardScanDirection) break;  // the first is the newest
    }
    systable_endscan_ordered(scan);
    return newest;
}

}  // namespace

const char* last_hash() {
    MemoryContext caller = CurrentMemoryContext;
    NewestRow newest{false, 0, nullptr};
    read_ledger(true, [&](Relation ledger, Snapshot snapshot) {
        Relation by_id = open_ledger_index(ledger, "id", nullptr, "(id)");
        if (newest_row_hint.ledger == RelationGetRelid(ledger) && newest_row_hint.id != 0)
            newest = newest_row(ledger, by_id, snapshot, newest_row_hint.id, caller);
        if (!newest.found) newest = newest_row(ledger, by_id, snapshot, 0, caller);
        if (newest.found) newest_row_hint = {RelationGetRelid(ledger), newest.id};
        index_close(by_id, AccessShareLock);
    });
    return newest.hash;
}

bool migrate_table_has_column(const char* table, const char* column) {
    Oid schema = get_namespace_oid("migrate", true);
    Oid relid = OidIsValid(schema) ? get_relname_relid(table, schema) : InvalidOid;
    return OidIsValid(relid) && get_attnum(relid, column) != InvalidAttrNumber;
}

// Written without SPI (row_writer.hpp): the columns by name, so the tables of
// every installed version take the row of their hash format.
void insert_row(const LedgerInsert* row) {
    if (row->hash_format < 3 && row->risk)
        elog(ERROR, "a ledger row of hash format %d cannot carry a risk", row->hash_format);
    if (row->hash_format == 1 && (row->reason || row->previous_checksum || row->adopted_from))
        elog(ERROR, "a ledger row of hash format 1 cannot carry reason, previous_checksum or adopted_from");
    Interval* duration = static_cast<Interval*>(palloc0(sizeof(Interval)));
    duration->time = row->duration_us;
    const Datum client_addr =
        row->client_addr != nullptr ? DirectFunctionCall1(inet_in, CStringGetDatum(row->client_addr)) : Datum(0);

    RowWriter* writer = open_row_writer(ledger_relation());  // as the ledger's owner
    set_text_column(writer, "version", row->version);
    set_column(writer, "version_key", bytea_datum(row->version_key, row->version_key_len));
    set_text_column(writer, "name", row->name);
    set_text_column(writer, "status", row->status);
    set_text_column(writer, "checksum", row->checksum);
    set_text_column(writer, "fingerprint", row->fingerprint);
    set_text_column(writer, "script", row->script);
    set_text_column(writer, "down", row->down);
    set_text_column(writer, "verify", row->verify);
    set_column(writer, "out_of_order", BoolGetDatum(row->out_of_order));
    set_column(writer, "statements", Int32GetDatum(row->statements));
    set_column(writer, "applied_at", TimestampTzGetDatum(row->applied_at));
    set_text_column(writer, "applied_by", row->applied_by);
    set_text_column(writer, "application_name", row->application_name);
    set_column(writer, "client_addr", client_addr, row->client_addr == nullptr);
    set_column(writer, "duration", IntervalPGetDatum(duration));
    set_text_column(writer, "prev_hash", row->prev_hash);
    set_text_column(writer, "hash", row->hash);
    set_column(writer, "hash_format", Int32GetDatum(row->hash_format));
    set_text_column(writer, "reason", row->reason);
    if (row->hash_format >= 2) {
        set_text_column(writer, "previous_checksum", row->previous_checksum);
        set_text_column(writer, "adopted_from", row->adopted_from);
    }
    if (row->hash_format >= 3) set_text_column(writer, "risk", row->risk);
    if (row->script_summarised) set_column(writer, "script_summarised", BoolGetDatum(true));
    insert_written_row(writer);
    close_row_writer(writer);
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
