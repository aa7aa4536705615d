// PG zone: see schema_snapshot.hpp.
#include "schema_snapshot.hpp"

#include "view_reprint.hpp"

#include "ledger.hpp"
#include "../core/schema_description.hpp"
#include "settings.hpp"
#include "verify.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/xlog.h"
#include "catalog/namespace.h"
#include "catalog/pg_event_trigger.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

namespace pgm::pg {
namespace {

// Set when a statement of the running migration may have changed the schema
// without the event triggers seeing it.
bool unseen_ddl = false;

// What migrations touched.  The objects their commands named in
// migrate.ddl_log (the rows FILTER selects) are described again with
// everything in their scope (a table with its columns, constraints, indexes,
// triggers, policies, rules); what depends on them, three levels deep, only
// itself: the definitions that name a touched object change with it (a view
// or foreign key on a renamed table, a column of a renamed type, everything
// in a renamed schema).
// Returns oid[] columns: the relations, functions, types, schemas and
// extensions to describe; then the scopes replaced whole and the single
// objects replaced (the logged ones among them: a dropped index or function
// is no longer in the catalogs, only in the snapshot), each as (class, oid,
// version, log id) arrays, one entry per object: the version is that of the
// newest log row naming it, NULL for dependents; then the newest version of
// all (what dependents are recorded with) and the newest log id read.
#define PGM_TOUCHED_SCOPES(FILTER) \
    "WITH RECURSIVE logged AS (" \
    "    SELECT DISTINCT ON (l.classid, l.objid) l.classid, l.objid, l.version, l.id" \
    "      FROM migrate.ddl_log AS l" \
    "     WHERE " FILTER " AND l.classid IS NOT NULL AND l.objid <> 0" \
    "     ORDER BY l.classid, l.objid, l.id DESC" \
    "), touched(classid, objid, depth, version, at) AS (" \
    "    SELECT g.classid, g.objid, 0, g.version, g.id FROM logged AS g" \
    "    UNION" \
    "    SELECT d.classid, d.objid, t.depth + 1, NULL::text, NULL::bigint" \
    "      FROM touched AS t JOIN pg_depend AS d ON d.refclassid = t.classid AND d.refobjid = t.objid" \
    "     WHERE t.depth < 3 AND d.deptype IN ('n', 'a', 'i')" \
    "), mapped(depth, version, at, own_cls, own_oid, scope_cls, scope_oid) AS (" \
    "    SELECT t.depth, t.version, t.at, 'pg_class'::regclass::oid, c.oid, 'pg_class'::regclass::oid, COALESCE(ix.indrelid, c.oid)" \
    "      FROM touched AS t JOIN pg_class AS c ON t.classid = 'pg_class'::regclass AND c.oid = t.objid" \
    "      LEFT JOIN pg_index AS ix ON ix.indexrelid = c.oid" \
    "    UNION ALL" \
    "    SELECT t.depth, t.version, t.at, 'pg_class'::regclass::oid, ad.adrelid, 'pg_class'::regclass::oid, ad.adrelid" \
    "      FROM touched AS t JOIN pg_attrdef AS ad ON t.classid = 'pg_attrdef'::regclass AND ad.oid = t.objid" \
    "    UNION ALL" \
    "    SELECT t.depth, t.version, t.at," \
    "           CASE WHEN co.conrelid <> 0 THEN 'pg_constraint'::regclass::oid ELSE 'pg_type'::regclass::oid END," \
    "           CASE WHEN co.conrelid <> 0 THEN co.oid ELSE co.contypid END," \
    "           CASE WHEN co.conrelid <> 0 THEN 'pg_class'::regclass::oid ELSE 'pg_type'::regclass::oid END," \
    "           CASE WHEN co.conrelid <> 0 THEN co.conrelid ELSE co.contypid END" \
    "      FROM touched AS t JOIN pg_constraint AS co ON t.classid = 'pg_constraint'::regclass AND co.oid = t.objid" \
    "    UNION ALL" \
    "    SELECT t.depth, t.version, t.at, 'pg_trigger'::regclass::oid, tg.oid, 'pg_class'::regclass::oid, tg.tgrelid" \
    "      FROM touched AS t JOIN pg_trigger AS tg ON t.classid = 'pg_trigger'::regclass AND tg.oid = t.objid" \
    "    UNION ALL" \
    "    SELECT t.depth, t.version, t.at, 'pg_policy'::regclass::oid, po.oid, 'pg_class'::regclass::oid, po.polrelid" \
    "      FROM touched AS t JOIN pg_policy AS po ON t.classid = 'pg_policy'::regclass AND po.oid = t.objid" \
    "    UNION ALL" \
    "    SELECT t.depth, t.version, t.at," \
    "           CASE WHEN ru.rulename = '_RETURN' THEN 'pg_class'::regclass::oid ELSE 'pg_rewrite'::regclass::oid END," \
    "           CASE WHEN ru.rulename = '_RETURN' THEN ru.ev_class ELSE ru.oid END, 'pg_class'::regclass::oid, ru.ev_class" \
    "      FROM touched AS t JOIN pg_rewrite AS ru ON t.classid = 'pg_rewrite'::regclass AND ru.oid = t.objid" \
    "    UNION ALL" \
    "    SELECT t.depth, t.version, t.at," \
    "           CASE WHEN ty.typrelid <> 0 THEN 'pg_class'::regclass::oid ELSE 'pg_type'::regclass::oid END," \
    "           CASE WHEN ty.typrelid <> 0 THEN ty.typrelid ELSE ty.oid END," \
    "           CASE WHEN ty.typrelid <> 0 THEN 'pg_class'::regclass::oid ELSE 'pg_type'::regclass::oid END," \
    "           CASE WHEN ty.typrelid <> 0 THEN ty.typrelid ELSE ty.oid END" \
    "      FROM touched AS t JOIN pg_type AS ty ON t.classid = 'pg_type'::regclass AND ty.oid = t.objid" \
    "    UNION ALL" \
    "    SELECT t.depth, t.version, t.at, t.classid, t.objid, t.classid, t.objid FROM touched AS t" \
    "     WHERE t.classid IN ('pg_proc'::regclass, 'pg_namespace'::regclass, 'pg_extension'::regclass)" \
    "), described AS (" \
    "    SELECT DISTINCT m.scope_cls AS cls, m.scope_oid AS oid FROM mapped AS m" \
    "), whole AS (" \
    "    SELECT DISTINCT ON (a.cls, a.oid) a.cls, a.oid, a.version, a.at FROM (" \
    "        SELECT m.scope_cls AS cls, m.scope_oid AS oid, m.version, m.at FROM mapped AS m WHERE m.depth = 0" \
    "        UNION ALL SELECT g.classid, g.objid, g.version, g.id FROM logged AS g) AS a" \
    "     ORDER BY a.cls, a.oid, a.at DESC" \
    "), single AS (" \
    "    SELECT DISTINCT ON (a.cls, a.oid) a.cls, a.oid, a.version, a.at FROM (" \
    "        SELECT m.own_cls AS cls, m.own_oid AS oid, m.version, m.at FROM mapped AS m WHERE m.depth > 0" \
    "        UNION ALL SELECT g.classid, g.objid, g.version, g.id FROM logged AS g) AS a" \
    "     ORDER BY a.cls, a.oid, a.at DESC NULLS LAST" \
    ")" \
    "SELECT (SELECT COALESCE(array_agg(s.oid), '{}') FROM described AS s WHERE s.cls = 'pg_class'::regclass)," \
    "       (SELECT COALESCE(array_agg(s.oid), '{}') FROM described AS s WHERE s.cls = 'pg_proc'::regclass)," \
    "       (SELECT COALESCE(array_agg(s.oid), '{}') FROM described AS s WHERE s.cls = 'pg_type'::regclass)," \
    "       (SELECT COALESCE(array_agg(s.oid), '{}') FROM described AS s WHERE s.cls = 'pg_namespace'::regclass)," \
    "       (SELECT COALESCE(array_agg(s.oid), '{}') FROM described AS s WHERE s.cls = 'pg_extension'::regclass)," \
    "       w.cls, w.oid, w.version, w.at, o.cls, o.oid, o.version, o.at," \
    "       (SELECT g.version FROM logged AS g ORDER BY g.id DESC LIMIT 1)," \
    "       (SELECT max(l.id) FROM migrate.ddl_log AS l WHERE " FILTER ")" \
    "  FROM (SELECT COALESCE(array_agg(w.cls), '{}') AS cls, COALESCE(array_agg(w.oid), '{}') AS oid," \
    "               COALESCE(array_agg(w.version), '{}') AS version, COALESCE(array_agg(w.at), '{}') AS at" \
    "          FROM whole AS w) AS w," \
    "       (SELECT COALESCE(array_agg(o.cls), '{}') AS cls, COALESCE(array_agg(o.oid), '{}') AS oid," \
    "               COALESCE(array_agg(o.version), '{}') AS version, COALESCE(array_agg(o.at), '{}') AS at" \
    "          FROM single AS o) AS o"

// Everything migrations logged after the last recording ($1: the newest log
// id recorded; migrate.schema_snapshot.recorded_through, 0.6 on).
constexpr const char* kTouchedSince =
    PGM_TOUCHED_SCOPES("l.version IS NOT NULL AND l.id > $1");
// What migration $1 logged since $2 (its start): with 0.5's tables, which
// have no recorded_through.
constexpr const char* kTouchedByVersion =
    PGM_TOUCHED_SCOPES("l.version = $1 AND l.logged_at >= $2");

constexpr const char* kDeleteScopes =
    "DELETE FROM migrate.schema_objects AS s USING ROWS FROM (unnest($1::oid[]), unnest($2::oid[])) AS p(cls, oid) "
    "WHERE s.scope_oid = p.oid AND s.scope_class = p.cls";
constexpr const char* kDeleteOwn =
    "DELETE FROM migrate.schema_objects AS s USING ROWS FROM (unnest($1::oid[]), unnest($2::oid[])) AS p(cls, oid) "
    "WHERE s.own_oid = p.oid AND s.own_class = p.cls";

#define PGM_STORE_DESCRIPTION(SELECT)                                                          \
    "INSERT INTO migrate.schema_objects (scope_class, scope_oid, own_class, own_oid, object_type, "  \
    "identity, schema_name, definition, version) " SELECT " "                                       \
    "ON CONFLICT (object_type, identity) DO UPDATE SET scope_class = EXCLUDED.scope_class, "         \
    "scope_oid = EXCLUDED.scope_oid, own_class = EXCLUDED.own_class, own_oid = EXCLUDED.own_oid, "  \
    "schema_name = EXCLUDED.schema_name, definition = EXCLUDED.definition, "                       \
    "version = EXCLUDED.version, recorded_at = EXCLUDED.recorded_at"

// $6-$9: the scopes replaced whole (class, oid, version, log id); $10-$13:
// the single objects; $14: the version recorded for dependents.  Each object
// is recorded with the version of the newer of its two entries.
constexpr const char* kStoreTouched = PGM_STORE_DESCRIPTION(
    "SELECT d.*, COALESCE(CASE WHEN o.at IS NOT NULL AND (w.at IS NULL OR o.at > w.at) "
    "THEN o.version ELSE w.version END, $14) "
    "FROM (" PGM_DESCRIBE_SCOPES ") AS d "
    "LEFT JOIN ROWS FROM (unnest($6::oid[]), unnest($7::oid[]), unnest($8::text[]), unnest($9::int8[])) "
    "AS w(cls, oid, version, at) ON w.cls = d.scope_class AND w.oid = d.scope_oid "
    "LEFT JOIN ROWS FROM (unnest($10::oid[]), unnest($11::oid[]), unnest($12::text[]), unnest($13::int8[])) "
    "AS o(cls, oid, version, at) ON o.cls = d.own_class AND o.oid = d.own_oid "
    "WHERE w.oid IS NOT NULL OR o.oid IS NOT NULL");
constexpr const char* kStoreWhole = PGM_STORE_DESCRIPTION("SELECT d.*, $1 FROM (" PGM_DESCRIBE_WHOLE_SCHEMA ") AS d");
constexpr const char* kDeleteAll = "DELETE FROM migrate.schema_objects";

// Everything a statement dropped, by own and by scope address.
constexpr const char* kForgetDroppedOwn =
    "DELETE FROM migrate.schema_objects AS s USING pg_event_trigger_dropped_objects() AS d "
    "WHERE s.own_oid = d.objid AND s.own_class = d.classid";
constexpr const char* kForgetDroppedScopes =
    "DELETE FROM migrate.schema_objects AS s USING pg_event_trigger_dropped_objects() AS d "
    "WHERE s.scope_oid = d.objid AND s.scope_class = d.classid";

// Object identifiers are this database's when the snapshot was taken here.
// With 0.6's tables also how far the DDL log has been recorded.
#define PGM_RECORD_SNAPSHOT(MARK_COLUMN, MARK_VALUE, MARK_UPDATE)                                     \
    "INSERT INTO migrate.schema_snapshot (taken_at, taken_by, reason, system_identifier, "            \
    "database_oid" MARK_COLUMN ") VALUES (clock_timestamp(), $1, $2, $3::numeric, $4" MARK_VALUE ") " \
    "ON CONFLICT (one) DO UPDATE SET taken_at = EXCLUDED.taken_at, taken_by = EXCLUDED.taken_by, "  \
    "reason = EXCLUDED.reason, system_identifier = EXCLUDED.system_identifier, "                     \
    "database_oid = EXCLUDED.database_oid" MARK_UPDATE
constexpr const char* kRecordSnapshot = PGM_RECORD_SNAPSHOT("", "", "");
// The whole schema as it is now includes every migration's DDL logged so far.
constexpr const char* kRecordSnapshotWithMark = PGM_RECORD_SNAPSHOT(
    ", recorded_through", ", (SELECT max(l.id) FROM migrate.ddl_log AS l)",
    ", recorded_through = EXCLUDED.recorded_through");
constexpr const char* kOwed =
    "SELECT EXISTS (SELECT FROM migrate.ddl_log AS l WHERE l.version IS NOT NULL AND l.id > "
    "(SELECT s.recorded_through FROM migrate.schema_snapshot AS s))";
constexpr const char* kAdvanceMark =
    "UPDATE migrate.schema_snapshot SET recorded_through = $1 WHERE recorded_through IS DISTINCT FROM $1";
constexpr const char* kMoveSnapshot =
    "UPDATE migrate.schema_snapshot SET system_identifier = $1::numeric, database_oid = $2";

// After a restore or pg_upgrade: the stored identifiers are another
// database's.  Each row is matched to the live object of the same name; rows
// with none keep identifiers that match nothing (0), so they are reported as
// removed and never replaced by accident.
constexpr const char* kForgetIdentifiers =
    "UPDATE migrate.schema_objects SET scope_oid = 0, own_oid = 0";
constexpr const char* kMatchIdentifiers =
    "UPDATE migrate.schema_objects AS s SET scope_class = d.scope_class, scope_oid = d.scope_oid, "
    "own_class = d.own_class, own_oid = d.own_oid FROM (" PGM_DESCRIBE_WHOLE_SCHEMA ") AS d "
    "WHERE d.object_type = s.object_type AND d.identity = s.identity";

constexpr const char* kCountObjects = "SELECT count(*) FROM migrate.schema_objects";

// Live against recorded, by name: identifiers are not compared.
constexpr const char* kDifferences =
    "WITH live AS (" PGM_DESCRIBE_WHOLE_SCHEMA ") "
    "SELECT COALESCE(l.object_type, r.object_type), COALESCE(l.identity, r.identity), "
    "r.definition, l.definition, r.version "
    "FROM live AS l FULL JOIN migrate.schema_objects AS r "
    "ON r.object_type = l.object_type AND r.identity = l.identity "
    "WHERE l.definition IS DISTINCT FROM r.definition "
    "AND (COALESCE(l.schema_name, r.schema_name) IS NULL OR " PGM_COVERED("COALESCE(l.schema_name, r.schema_name)") ") "
    "ORDER BY 2, 1";

SPIPlanPtr touched_since_plan, touched_by_version_plan, record_with_mark_plan,
    advance_mark_plan, owed_plan, delete_scopes_plan, delete_own_plan, store_touched_plan, store_whole_plan,
    delete_all_plan, forget_own_plan, forget_scopes_plan, record_snapshot_plan, move_snapshot_plan, forget_ids_plan, match_ids_plan,
    count_plan, differences_plan;

Oid migrate_relation(const char* name) {
    Oid schema = get_namespace_oid("migrate", true);
    return OidIsValid(schema) ? get_relname_relid(name, schema) : InvalidOid;
}

Oid snapshot_relation() { return migrate_relation("schema_objects"); }

// Whether migrate.schema_snapshot has recorded_through (0.6 on): a newer
// library keeps working with the tables of an older installed version.
bool recording_mark_installed() {
    Oid relation = migrate_relation("schema_snapshot");
    return OidIsValid(relation) && get_attnum(relation, "recorded_through") != InvalidAttrNumber;
}

void run(SPIPlanPtr* slot, const char* sql, int nargs, Oid* types, Datum* values, int expected) {
    SPIPlanPtr plan = kept_generic_plan(slot, sql, nargs, types);
    int rc = SPI_execute_plan(plan, values, nullptr, false, 0);
    if (rc != expected) elog(ERROR, "could not maintain the schema snapshot: %s", SPI_result_code_string(rc));
}

Datum first_datum(int col) {
    bool isnull;
    Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);
    return isnull ? Datum(0) : d;
}

const char* system_identifier_text() { return psprintf(UINT64_FORMAT, GetSystemIdentifier()); }

// Whether the snapshot exists, whether its identifiers are this database's,
// and (0.6 on) the newest DDL log row it includes.
struct SnapshotPlace {
    bool taken;
    bool here;
    bool has_mark;          // recorded_through exists (0.6 on)
    int64 recorded_through;
};
// Read directly (one row, and read for every migration: no SPI), with a fresh
// snapshot: an earlier migration of the same statement may have written it.
SnapshotPlace snapshot_place() {
    const Oid relid = migrate_relation("schema_snapshot");
    if (!OidIsValid(relid)) return {false, false, false, 0};
    Relation rel = table_open(relid, AccessShareLock);
    const AttrNumber mark_column = get_attnum(relid, "recorded_through");
    SnapshotPlace place{false, false, mark_column != InvalidAttrNumber, 0};
    Snapshot snapshot = register_fresh_snapshot();
    SysScanDesc scan = systable_beginscan(rel, InvalidOid, false, snapshot, 0, nullptr);
    HeapTuple tuple = systable_getnext(scan);
    if (HeapTupleIsValid(tuple)) {
        TupleDesc desc = RelationGetDescr(rel);
        bool isnull;
        Datum sysid = heap_getattr(tuple, get_attnum(relid, "system_identifier"), desc, &isnull);
        const char* sysid_text = isnull ? "" : DatumGetCString(DirectFunctionCall1(numeric_out, sysid));
        Datum db = heap_getattr(tuple, get_attnum(relid, "database_oid"), desc, &isnull);
        place.taken = true;
        place.here = !isnull && strcmp(sysid_text, system_identifier_text()) == 0 && DatumGetObjectId(db) == MyDatabaseId;
        if (place.has_mark) {
            Datum mark = heap_getattr(tuple, mark_column, desc, &isnull);
            place.recorded_through = isnull ? 0 : DatumGetInt64(mark);
        }
    }
    systable_endscan(scan);
    UnregisterSnapshot(snapshot);
    table_close(rel, AccessShareLock);
    return place;
}

void move_identifiers_here() {
    run(&forget_ids_plan, kForgetIdentifiers, 0, nullptr, nullptr, SPI_OK_UPDATE);
    run(&match_ids_plan, kMatchIdentifiers, 0, nullptr, nullptr, SPI_OK_UPDATE);
    Oid types[2] = {TEXTOID, OIDOID};
    Datum values[2] = {CStringGetTextDatum(system_identifier_text()), ObjectIdGetDatum(MyDatabaseId)};
    run(&move_snapshot_plan, kMoveSnapshot, 2, types, values, SPI_OK_UPDATE);
}

// Whether event trigger `name` exists and fires in this session: enabled,
// and not only in replica mode (origin mode is the default, and what the
// caller checks for unseen DDL).  From the catalog cache: once per migration.
bool event_trigger_fires(const char* name) {
    HeapTuple tuple = SearchSysCache1(EVENTTRIGGERNAME, CStringGetDatum(name));
    if (!HeapTupleIsValid(tuple)) return false;
    const char enabled = reinterpret_cast<Form_pg_event_trigger>(GETSTRUCT(tuple))->evtenabled;
    ReleaseSysCache(tuple);
    return enabled == TRIGGER_FIRES_ON_ORIGIN || enabled == TRIGGER_FIRES_ALWAYS;
}

// The logging event triggers fire in this session.
bool logging_triggers_fire() {
    return event_trigger_fires("pg_migrate_log_ddl") && event_trigger_fires("pg_migrate_log_drop");
}

// Replaces the snapshot with the whole live schema (owner scope).
int64 store_whole(const char* version, const char* reason) {
    run(&delete_all_plan, kDeleteAll, 0, nullptr, nullptr, SPI_OK_DELETE);
    Oid store_types[1] = {TEXTOID};
    Datum store_values[1] = {version ? CStringGetTextDatum(version) : Datum(0)};
    SPIPlanPtr plan = kept_generic_plan(&store_whole_plan, kStoreWhole, 1, store_types);
    char nulls[1] = {version ? ' ' : 'n'};
    if (SPI_execute_plan(plan, store_values, nulls, false, 0) != SPI_OK_INSERT)
        elog(ERROR, "could not record the schema snapshot");
    int64 objects = static_cast<int64>(SPI_processed);

    Oid types[4] = {TEXTOID, TEXTOID, TEXTOID, OIDOID};
    Datum values[4] = {CStringGetTextDatum(GetUserNameFromId(GetUserId(), false)),
                       reason ? CStringGetTextDatum(reason) : Datum(0),
                       CStringGetTextDatum(system_identifier_text()), ObjectIdGetDatum(MyDatabaseId)};
    char record_nulls[4] = {' ', reason ? ' ' : 'n', ' ', ' '};
    plan = recording_mark_installed()
               ? kept_generic_plan(&record_with_mark_plan, kRecordSnapshotWithMark, 4, types)
               : kept_generic_plan(&record_snapshot_plan, kRecordSnapshot, 4, types);
    if (SPI_execute_plan(plan, values, record_nulls, false, 0) != SPI_OK_INSERT)
        elog(ERROR, "could not record the schema snapshot");
    return objects;
}

// Describes again what the touched-scopes query just run found (its one row
// is in SPI_tuptable); returns the newest log id it read (-1: none) and sets
// *stored to the number of objects described (owner scope).
int64 store_found(int64* stored) {
    *stored = 0;
    if (SPI_processed != 1) elog(ERROR, "could not find what the migration touched");
    constexpr int kColumns = 15;
    Datum found[kColumns];
    bool found_null[kColumns];
    for (int i = 0; i < kColumns; i++) {
        found[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &found_null[i]);
        if (!found_null[i] && i < 13) found[i] = PointerGetDatum(DatumGetArrayTypePCopy(found[i]));
    }
    const int64 newest = found_null[14] ? -1 : DatumGetInt64(found[14]);
    const char* latest_version = found_null[13] ? nullptr : TextDatumGetCString(found[13]);
    ArrayType* replaced = DatumGetArrayTypeP(found[5]);
    if (ArrayGetNItems(ARR_NDIM(replaced), ARR_DIMS(replaced)) == 0) return newest;  // no DDL

    Oid pair_types[2] = {OIDARRAYOID, OIDARRAYOID};
    Datum scopes[2] = {found[5], found[6]};
    run(&delete_scopes_plan, kDeleteScopes, 2, pair_types, scopes, SPI_OK_DELETE);
    Datum own[2] = {found[9], found[10]};
    run(&delete_own_plan, kDeleteOwn, 2, pair_types, own, SPI_OK_DELETE);

    Oid store_types[14] = {OIDARRAYOID, OIDARRAYOID, OIDARRAYOID, OIDARRAYOID, OIDARRAYOID,
                           OIDARRAYOID, OIDARRAYOID, TEXTARRAYOID, INT8ARRAYOID,
                           OIDARRAYOID, OIDARRAYOID, TEXTARRAYOID, INT8ARRAYOID, TEXTOID};
    Datum store_values[14];
    for (int i = 0; i < 13; i++) store_values[i] = found[i];
    store_values[13] = latest_version ? CStringGetTextDatum(latest_version) : Datum(0);
    char nulls[14];
    memset(nulls, ' ', sizeof(nulls));
    if (latest_version == nullptr) nulls[13] = 'n';
    SPIPlanPtr plan = kept_generic_plan(&store_touched_plan, kStoreTouched, 14, store_types);
    if (SPI_execute_plan(plan, store_values, nulls, false, 0) != SPI_OK_INSERT)
        elog(ERROR, "could not maintain the schema snapshot");
    *stored = static_cast<int64>(SPI_processed);
    return newest;
}

// Describes again what migrations logged after `mark` and moves the mark to
// the newest log row read; returns the number of objects described (owner
// scope).
int64 store_touched_since(int64 mark) {
    Oid types[1] = {INT8OID};
    Datum values[1] = {Int64GetDatum(mark)};
    // Not read-only: the log rows of the migration were written after the
    // calling statement's snapshot was taken.
    SPIPlanPtr plan = kept_generic_plan(&touched_since_plan, kTouchedSince, 1, types);
    if (SPI_execute_plan(plan, values, nullptr, false, 0) != SPI_OK_SELECT)
        elog(ERROR, "could not find what the migrations touched");
    int64 stored;
    const int64 newest = store_found(&stored);
    if (newest > mark) {
        Datum mark_value[1] = {Int64GetDatum(newest)};
        run(&advance_mark_plan, kAdvanceMark, 1, types, mark_value, SPI_OK_UPDATE);
    }
    return stored;
}

// Describes again what `version` logged since `since`: 0.5's tables.
void store_touched_by_version(const char* version, int64 since) {
    Oid types[2] = {TEXTOID, TIMESTAMPTZOID};
    Datum values[2] = {CStringGetTextDatum(version), TimestampTzGetDatum(since)};
    SPIPlanPtr plan = kept_generic_plan(&touched_by_version_plan, kTouchedByVersion, 2, types);
    if (SPI_execute_plan(plan, values, nullptr, false, 0) != SPI_OK_SELECT)
        elog(ERROR, "could not find what the migration touched");
    int64 stored;
    store_found(&stored);
}

void recording_error_context(void* version) {
    errcontext("recording the schema snapshot (migrate.schema_objects) after migration %s",
               static_cast<const char*>(version));
}

}  // namespace

bool schema_snapshot_installed() { return OidIsValid(snapshot_relation()); }

void watch_for_unseen_ddl() {
    if (SessionReplicationRole == SESSION_REPLICATION_ROLE_REPLICA) unseen_ddl = true;
}

void forget_unseen_ddl() { unseen_ddl = false; }

void record_migration_schema(const char* version, int64 since) {
    if (!schema_snapshot_installed()) return;
    const bool unseen = unseen_ddl;
    unseen_ddl = false;
    const SnapshotPlace place = snapshot_place();
    const bool whole = !place.taken || unseen || !logging_triggers_fire();
    // A run that defers the recording (the client, for many migrations)
    // leaves everything to migrate_record_schema(): nothing more to do here.
    if (!whole && place.has_mark && defer_schema_snapshot_setting) return;
    // An error here fails the migration: say where it came from.
    ErrorContextCallback callback;
    callback.callback = recording_error_context;
    callback.arg = const_cast<char*>(version);
    callback.previous = error_context_stack;
    error_context_stack = &callback;
    OwnerScope scope;
    enter_owner_scope(&scope);
    if (whole) {
        // What the log does not hold cannot be recorded later: now, whole.
        store_whole(version, place.taken ? "some DDL of the migration may have run unseen by the event triggers"
                                         : "the first migration");
    } else if (!place.has_mark) {
        if (!place.here) move_identifiers_here();
        store_touched_by_version(version, since);
    } else {
        if (!place.here) move_identifiers_here();
        store_touched_since(place.recorded_through);
    }
    leave_owner_scope(&scope);
    error_context_stack = callback.previous;
}

int64 record_owed_schema() {
    if (!schema_snapshot_installed()) return 0;
    OwnerScope scope;
    enter_owner_scope(&scope);
    SnapshotPlace place = snapshot_place();
    int64 objects = 0;
    if (place.taken && place.has_mark) {
        if (!place.here) move_identifiers_here();
        objects = store_touched_since(place.recorded_through);
    }
    leave_owner_scope(&scope);
    return objects;
}

bool schema_snapshot_taken() {
    if (!schema_snapshot_installed()) return false;
    OwnerScope scope;
    enter_owner_scope(&scope);
    const bool taken = snapshot_place().taken;
    leave_owner_scope(&scope);
    return taken;
}

bool schema_recording_owed() {
    if (!schema_snapshot_installed() || !recording_mark_installed()) return false;
    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr plan = kept_generic_plan(&owed_plan, kOwed, 0, nullptr);
    if (SPI_execute_plan(plan, nullptr, nullptr, true, 0) != SPI_OK_SELECT) elog(ERROR, "could not read migrate.ddl_log");
    const bool owed = DatumGetBool(first_datum(1));
    leave_owner_scope(&scope);
    return owed;
}

void forget_dropped_objects() {
    if (!schema_snapshot_installed()) return;
    OwnerScope scope;
    enter_owner_scope(&scope);
    run(&forget_own_plan, kForgetDroppedOwn, 0, nullptr, nullptr, SPI_OK_DELETE);
    run(&forget_scopes_plan, kForgetDroppedScopes, 0, nullptr, nullptr, SPI_OK_DELETE);
    leave_owner_scope(&scope);
}

int64 record_whole_schema_as(const char* version, const char* reason) {
    if (!schema_snapshot_installed()) return 0;
    OwnerScope scope;
    enter_owner_scope(&scope);
    int64 objects = store_whole(version, reason);
    leave_owner_scope(&scope);
    return objects;
}

int64 record_whole_schema(const char* reason) {
    OwnerScope scope;
    enter_owner_scope(&scope);
    int64 objects = store_whole(nullptr, reason);
    leave_owner_scope(&scope);
    return objects;
}

namespace {

// Views whose recorded and live descriptions differ only in how a major
// prints their query (view_reprint.hpp) are no drift.
void drop_reprinted_views(SchemaDifferences* result) {
    int kept = 0;
    for (int i = 0; i < result->count; i++) {
        const SchemaDifference& d = result->rows[i];
        const bool view = strcmp(d.object_type, "view") == 0 || strcmp(d.object_type, "materialized view") == 0;
        if (view && d.recorded != nullptr && d.live != nullptr && same_view_reprinted(d.recorded, d.live)) continue;
        result->rows[kept++] = d;
    }
    result->count = kept;
}

}  // namespace

SchemaDifferences* schema_differences() {
    MemoryContext caller = CurrentMemoryContext;
    SchemaDifferences* result = static_cast<SchemaDifferences*>(palloc0(sizeof(SchemaDifferences)));
    bool schemas_null;
    Datum schemas = covered_schemas(&schemas_null);
    OwnerScope scope;
    enter_owner_scope(&scope);
    result->snapshot_taken = snapshot_place().taken;
    // Not read-only: what record_owed_schema() just wrote must be seen.
    if (result->snapshot_taken) {
        SPIPlanPtr plan = kept_generic_plan(&count_plan, kCountObjects, 0, nullptr);
        if (SPI_execute_plan(plan, nullptr, nullptr, false, 0) != SPI_OK_SELECT) elog(ERROR, "could not read the schema snapshot");
        result->objects = static_cast<int>(DatumGetInt64(first_datum(1)));

        Oid types[1] = {TEXTARRAYOID};
        Datum values[1] = {schemas};
        char nulls[1] = {schemas_null ? 'n' : ' '};
        plan = kept_generic_plan(&differences_plan, kDifferences, 1, types);
        if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_SELECT) elog(ERROR, "could not compare the schema");
        result->count = static_cast<int>(SPI_processed);
        result->rows = static_cast<SchemaDifference*>(
            MemoryContextAllocZero(caller, sizeof(SchemaDifference) * Max(result->count, 1)));
        for (int i = 0; i < result->count; i++) {
            HeapTuple t = SPI_tuptable->vals[i];
            TupleDesc d = SPI_tuptable->tupdesc;
            auto copy = [&](int col) -> const char* {
                char* v = SPI_getvalue(t, d, col);
                return v ? MemoryContextStrdup(caller, v) : nullptr;
            };
            result->rows[i] = {copy(1), copy(2), copy(3), copy(4), copy(5)};
        }
    }
    leave_owner_scope(&scope);
    drop_reprinted_views(result);
    return result;
}

}  // namespace pgm::pg
