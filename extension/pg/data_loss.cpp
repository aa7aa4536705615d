// PG zone: see data_loss.hpp.
#include "data_loss.hpp"

#include "catalog_facts.hpp"
#include "ledger.hpp"
#include "subtransaction.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_namespace.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "parser/parse_type.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace pgm::pg {
namespace {

const char* qualified_relation(Oid relid) {
    return quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
}

// What the probe counts, as "FROM ... WHERE ..." over the resolved relation.
struct ProbeQuery {
    const char* from_where;  // NULL: nothing to count
    const char* unit;        // "rows" or "values"
};

// The target type for the lossiness check.  Length limits of character and
// bit strings are checked, not cut, when ALTER TABLE converts a column (it
// uses an assignment cast): a too-long value makes the ALTER fail, losing
// nothing.  The explicit cast of the probe would cut: leave the limit out.
const char* target_type_sql(ColumnType to) {
    int32 typmod = to.typmod;
    if (to.type == VARCHAROID || to.type == BPCHAROID || to.type == BITOID || to.type == VARBITOID) typmod = -1;
    if (to.type == BPCHAROID) return "pg_catalog.text";
    return format_type_extended(to.type, typmod, FORMAT_TYPE_FORCE_QUALIFY | FORMAT_TYPE_TYPEMOD_GIVEN);
}

ProbeQuery probe_query(const DataLossProbe* p, Oid relid) {
    const char* table = psprintf("%s%s", p->only ? "ONLY " : "", qualified_relation(relid));
    switch (p->kind) {
        case ProbeKind::kTableRows:
            return {psprintf("FROM %s", table), "rows"};
        case ProbeKind::kColumnValues:
            if (!column_type(relid, p->column).found) return {nullptr, "values"};
            return {psprintf("FROM %s WHERE %s IS NOT NULL", table, quote_identifier(p->column)), "values"};
        case ProbeKind::kOverwrittenRows: {
            StringInfoData where;
            initStringInfo(&where);
            ListCell* lc;
            foreach (lc, p->columns) {
                const char* column = strVal(lfirst(lc));
                if (!column_type(relid, column).found) continue;  // added by the migration
                appendStringInfo(&where, "%s%s IS NOT NULL", where.len > 0 ? " OR " : "", quote_identifier(column));
            }
            if (where.len == 0) return {nullptr, "rows"};
            return {psprintf("FROM %s WHERE %s", table, where.data), "rows"};
        }
        case ProbeKind::kChangedValues: {
            ColumnType from = column_type(relid, p->column);
            ColumnType to = resolve_type(p->new_type);
            if (!from.found || !to.found || !conversion_may_lose(from, to)) return {nullptr, "values"};
            const char* column = quote_identifier(p->column);
            const char* old_type =
                format_type_extended(from.type, from.typmod, FORMAT_TYPE_FORCE_QUALIFY | FORMAT_TYPE_TYPEMOD_GIVEN);
            return {psprintf("FROM %s WHERE %s IS NOT NULL AND ((%s)::%s)::%s::pg_catalog.text IS DISTINCT FROM "
                             "(%s)::pg_catalog.text",
                             table, column, column, target_type_sql(to), old_type, column),
                    "values"};
        }
        case ProbeKind::kDependents:
            return {nullptr, "rows"};  // counted table by table (dependents_lost)
    }
    return {nullptr, "rows"};
}

struct CountQuery {
    const char* sql;
    int64 result;
};

void run_count_query(void* arg) {
    CountQuery* q = static_cast<CountQuery*>(arg);
    CallerScope scope;
    enter_caller_scope(&scope);
    if (SPI_execute(q->sql, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
        elog(ERROR, "data loss probe failed: %s", q->sql);
    bool isnull;
    Datum value = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    q->result = isnull ? 0
                : TupleDescAttr(SPI_tuptable->tupdesc, 0)->atttypid == BOOLOID ? (DatumGetBool(value) ? 1 : 0)
                                                                      : DatumGetInt64(value);
    leave_caller_scope(&scope);
}

// Runs "SELECT <select> <from_where>" in a subtransaction with the caller's
// rights and search_path = pg_catalog, pg_temp.  Returns -1 when the query
// failed (a value the new type rejects: the statement itself will fail).
int64 run_count(const char* select, const char* from_where) {
    CountQuery q{psprintf("SELECT %s %s", select, from_where), -1};
    ErrorData* error = run_in_subtransaction(run_count_query, &q, true);
    if (error == nullptr) return q.result;
    FreeErrorData(error);
    return -1;
}

// Whether any row matches (count = false), or how many (count = true).
int64 measure(const char* from_where, bool count) {
    if (!count) return run_count(psprintf("EXISTS (SELECT 1 %s)", from_where), "");
    return run_count("pg_catalog.count(*)", from_where);
}

// The OIDs a catalog query returns, in the caller's memory context.
List* query_oids(const char* sql) {
    MemoryContext caller_context = CurrentMemoryContext;
    CallerScope scope;
    enter_caller_scope(&scope);
    if (SPI_execute(sql, true, 0) != SPI_OK_SELECT) elog(ERROR, "catalog query failed: %s", sql);
    List* oids = NIL;
    for (uint64 r = 0; r < SPI_processed; r++) {
        bool isnull;
        Oid oid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
        MemoryContext spi_context = MemoryContextSwitchTo(caller_context);
        oids = lappend_oid(oids, oid);
        MemoryContextSwitchTo(spi_context);
    }
    leave_caller_scope(&scope);
    MemoryContextSwitchTo(caller_context);
    return oids;
}

// The tables a TRUNCATE ... CASCADE also empties: every table referencing
// `relid` through foreign keys, transitively.
List* truncate_cascade_tables(Oid relid) {
    return query_oids(psprintf("WITH RECURSIVE referencing(oid) AS (SELECT %u::pg_catalog.oid UNION "
                               "SELECT c.conrelid FROM pg_catalog.pg_constraint AS c JOIN referencing AS r "
                               "ON c.confrelid = r.oid WHERE c.contype = 'f') SELECT oid FROM referencing",
                               relid));
}

// Sums `measure` over several tables; -1 if any failed.
int64 measure_tables(List* tables, bool count) {
    int64 total = 0;
    ListCell* lc;
    foreach (lc, tables) {
        int64 n = measure(psprintf("FROM %s", qualified_relation(lfirst_oid(lc))), count);
        if (n < 0) return -1;
        total += n;
        if (!count && total > 0) return total;
    }
    return total;
}

const char* what_is_lost(int64 lost, bool count, const char* unit) {
    if (!count) return psprintf("stored %s", unit);
    return psprintf("%s %s", with_thousands(static_cast<double>(lost)),
                    lost == 1 ? (strcmp(unit, "rows") == 0 ? "row" : "value") : unit);
}

// ---------------------------------------------------------------------------
// What DROP ... CASCADE takes with it.

// The object a kDependents probe starts from, as (catalog, OID); InvalidOid
// when the database does not have it (the statement fails, or IF EXISTS).
struct DroppedObject {
    Oid classid;
    Oid objid;
};

DroppedObject dropped_object(const DataLossProbe* p) {
    switch (p->dropped_type) {
        case OBJECT_SCHEMA:
            return {NamespaceRelationId, get_namespace_oid(strVal(p->dropped), true)};
        case OBJECT_EXTENSION:
            return {ExtensionRelationId, get_extension_oid(strVal(p->dropped), true)};
        case OBJECT_TYPE:
        case OBJECT_DOMAIN: {
            Type type = LookupTypeName(nullptr, castNode(TypeName, p->dropped), nullptr, true);
            if (type == nullptr) return {TypeRelationId, InvalidOid};
            const Oid oid = typeTypeId(type);
            ReleaseSysCache(type);
            return {TypeRelationId, oid};
        }
        default:
            return {InvalidOid, InvalidOid};
    }
}

// A table the drop destroys (attnum 0) or a column of one.
struct Dependent {
    Oid relid;
    int attnum;
};

// Every table and column that goes with the object: pg_depend followed from
// it (normal, automatic, internal and extension links, as DROP ... CASCADE
// follows them), kept to tables: views, indexes and the like hold no data.
// `members_only`: an extension's own tables, what DROP EXTENSION without
// CASCADE takes.
List* dependents_of(DroppedObject start, bool members_only) {
    const char* sql = members_only
        ? psprintf("SELECT c.oid, 0 FROM pg_catalog.pg_depend AS d JOIN pg_catalog.pg_class AS c ON c.oid = d.objid"
                   " WHERE d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND d.refclassid = %u"
                   " AND d.refobjid = %u AND d.deptype = 'e' AND c.relkind = 'r' ORDER BY 1",
                   start.classid, start.objid)
        : psprintf(
        "WITH RECURSIVE dependents(classid, objid, objsubid) AS ("
        " VALUES (%u::pg_catalog.oid, %u::pg_catalog.oid, 0)"
        " UNION SELECT d.classid, d.objid, d.objsubid FROM pg_catalog.pg_depend AS d"
        " JOIN dependents AS o ON d.refclassid = o.classid AND d.refobjid = o.objid"
        " AND (o.objsubid = 0 OR d.refobjsubid = o.objsubid) WHERE d.deptype IN ('n', 'a', 'i', 'e'))"
        " SELECT DISTINCT c.oid, o.objsubid FROM dependents AS o JOIN pg_catalog.pg_class AS c"
        " ON o.classid = 'pg_catalog.pg_class'::pg_catalog.regclass AND c.oid = o.objid"
        " WHERE c.relkind = 'r' ORDER BY 1, 2",
        start.classid, start.objid);
    MemoryContext caller_context = CurrentMemoryContext;
    List* found = NIL;
    const Dependent* last = nullptr;
    CallerScope scope;
    enter_caller_scope(&scope);
    if (SPI_execute(sql, true, 0) != SPI_OK_SELECT) elog(ERROR, "catalog query failed: %s", sql);
    for (uint64 r = 0; r < SPI_processed; r++) {
        bool isnull;
        const Oid relid = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 1, &isnull));
        const int attnum = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, 2, &isnull));
        // A table dropped whole takes its columns: count it once.
        if (last != nullptr && last->relid == relid && last->attnum == 0) continue;
        Dependent* d = static_cast<Dependent*>(MemoryContextAlloc(caller_context, sizeof(Dependent)));
        *d = Dependent{relid, attnum};
        MemoryContext spi_context = MemoryContextSwitchTo(caller_context);
        found = lappend(found, d);
        MemoryContextSwitchTo(spi_context);
        last = d;
    }
    leave_caller_scope(&scope);
    MemoryContextSwitchTo(caller_context);
    return found;
}

// The tables and columns with something stored, and the total: "table
// app.a (10 rows), column public.users.mood (3,000 values)".  -1 when a
// count failed.
int64 dependents_lost(const DataLossProbe* p, bool count, const char** named) {
    const DroppedObject start = dropped_object(p);
    *named = nullptr;
    if (!OidIsValid(start.objid)) return 0;
    constexpr int kNamedAtMost = 10;
    StringInfoData list;
    initStringInfo(&list);
    int listed = 0;
    int unlisted = 0;
    int64 total = 0;
    ListCell* lc;
    foreach (lc, dependents_of(start, p->members_only)) {
        const Dependent& d = *static_cast<const Dependent*>(lfirst(lc));
        const char* table = qualified_relation(d.relid);
        const bool whole = d.attnum == 0;
        const char* column = whole ? nullptr : quote_identifier(get_attname(d.relid, d.attnum, false));
        const int64 n = whole ? measure(psprintf("FROM ONLY %s", table), count)
                              : measure(psprintf("FROM ONLY %s WHERE %s IS NOT NULL", table, column), count);
        if (n < 0) return -1;
        if (n == 0) continue;
        total += n;
        if (listed == kNamedAtMost) {
            ++unlisted;
            continue;
        }
        const char* what = whole ? psprintf("table %s", table) : psprintf("column %s.%s", table, column);
        appendStringInfo(&list, "%s%s", listed++ > 0 ? ", " : "", what);
        if (count) appendStringInfo(&list, " (%s)", what_is_lost(n, true, whole ? "rows" : "values"));
    }
    if (unlisted > 0) appendStringInfo(&list, " and %d more", unlisted);
    *named = list.data;
    return total;
}

const char* action_of(const Finding* f) {
    const char* object = f->object != nullptr ? f->object : "it";
    const char* rule = f->rule;
    if (strcmp(rule, "dropping-table") == 0) return psprintf("dropping table %s", object);
    if (strcmp(rule, "dropping-column") == 0) return psprintf("dropping column %s", object);
    if (strcmp(rule, "truncating-table") == 0) return psprintf("truncating %s", object);
    if (strcmp(rule, "deleting-all-rows") == 0) return psprintf("deleting every row of %s", object);
    if (strcmp(rule, "updating-all-rows") == 0) return psprintf("updating every row of %s", object);
    if (strcmp(rule, "dropping-schema-cascade") == 0) return psprintf("dropping schema %s with CASCADE", object);
    if (strcmp(rule, "dropping-with-cascade") == 0) return psprintf("dropping %s with CASCADE", object);
    if (strcmp(rule, "dropping-extension-tables") == 0) return psprintf("dropping extension %s", object);
    return psprintf("changing the type of %s", object);
}

}  // namespace

void decide_data_loss(Finding* finding, bool count) {
    const DataLossProbe* p = finding->probe;
    if (p == nullptr) return;
    int64 lost = 0;
    const char* unit = "rows";
    const char* named = nullptr;
    if (p->kind == ProbeKind::kDependents) {
        lost = dependents_lost(p, count, &named);
        unit = "rows and values";
    } else {
        Oid relid = RangeVarGetRelid(p->table, NoLock, true);
        if (!OidIsValid(relid)) {
            lost = 0;  // the statement fails, or IF EXISTS makes it do nothing
        } else if (p->kind == ProbeKind::kTableRows && p->cascade) {
            lost = measure_tables(truncate_cascade_tables(relid), count);
        } else {
            ProbeQuery q = probe_query(p, relid);
            unit = q.unit;
            lost = q.from_where == nullptr ? 0 : measure(q.from_where, count);
        }
    }
    if (lost < 0 && p->kind == ProbeKind::kChangedValues) {
        // A stored value the new type rejects: the statement itself will
        // fail the same way, losing nothing.
        finding->risk = Risk::kBreaking;
        finding->message = psprintf("%s fails for some stored values: the statement will fail, losing nothing",
                                    action_of(finding));
        return;
    }
    if (lost < 0) {
        // The count could not run (no right to read the table): say so, and
        // keep the finding as data loss.
        finding->risk = Risk::kDataLoss;
        finding->message = psprintf("%s may destroy %s (they could not be counted)", action_of(finding), unit);
        return;
    }
    if (lost == 0) {
        finding->risk = finding->also_breaking ? Risk::kBreaking : Risk::kSafe;
        finding->message = psprintf("%s loses no data: nothing is stored there now", action_of(finding));
        return;
    }
    finding->risk = Risk::kDataLoss;
    if (named != nullptr) {
        finding->message = psprintf("%s would destroy %s: %s", action_of(finding),
                                    count ? psprintf("%s %s", with_thousands(static_cast<double>(lost)),
                                                     p->members_only ? "rows" : "rows and values")
                                          : "stored data",
                                    named);
        return;
    }
    finding->message = psprintf(p->kind == ProbeKind::kChangedValues ? "%s would round or cut %s"
                                                                      : "%s would destroy %s",
                                action_of(finding), what_is_lost(lost, count, unit));
}

}  // namespace pgm::pg
