#include "citus.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

namespace pgm::pg {

namespace {

bool starts_with(const char* text, const char* prefix) { return strncmp(text, prefix, strlen(prefix)) == 0; }

}  // namespace

// Citus defines this setting when its library loads.
bool citus_loaded() { return GetConfigOption("citus.enable_ddl_propagation", true, false) != nullptr; }

bool citus_internal_session() {
    if (!citus_loaded()) return false;
    const char* app = GetConfigOption("application_name", true, false);
    if (app == nullptr) return false;
    return starts_with(app, "citus_internal gpid=") || starts_with(app, "citus_rebalancer gpid=");
}

// Citus propagates a SET LOCAL only in what it counts as a multi-statement
// transaction: a transaction block, a procedure, or a DO block, which is the
// one of them open to a single SELECT migrate_apply(...) in autocommit.
void propagate_lock_timeout(int ms) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    const char* block = psprintf(
        "DO $pgm$BEGIN SET LOCAL citus.propagate_set_commands TO 'local'; SET LOCAL lock_timeout TO %d; END$pgm$", ms);
    if (SPI_execute(block, false, 0) != SPI_OK_UTILITY) elog(ERROR, "could not set lock_timeout for the workers");
    SPI_finish();
}

bool is_citus_table(Oid relid) {
    if (!citus_loaded() || !OidIsValid(get_extension_oid("citus", true))) return false;
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    Oid types[1] = {OIDOID};
    Datum values[1] = {ObjectIdGetDatum(relid)};
    if (SPI_execute_with_args("SELECT 1 FROM pg_catalog.pg_dist_partition WHERE logicalrelid = $1", 1, types, values,
                              nullptr, true, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read pg_dist_partition");
    const bool found = SPI_processed > 0;
    SPI_finish();
    return found;
}

namespace {

// The lock modes that conflict with `mode`, as pg_locks names them: an
// SQL array literal.
const char* conflicting_modes(LOCKMODE mode) {
    StringInfoData names;
    initStringInfo(&names);
    appendStringInfoChar(&names, '{');
    for (LOCKMODE m = 1; m <= MaxLockMode; m++)
        if (DoLockModesConflict(m, mode))
            appendStringInfo(&names, "%s%s", names.len > 1 ? "," : "", GetLockmodeName(DEFAULT_LOCKMETHOD, m));
    appendStringInfoChar(&names, '}');
    return names.data;
}

// What each node runs: the holders there.  Our own sessions are this
// backend (on the coordinator) and the ones Citus opened for this
// transaction, named after its global pid.
const char* node_blockers_query(const char* table, LOCKMODE mode, const char* own_application) {
    StringInfoData q;
    initStringInfo(&q);
    appendStringInfoString(
        &q,
        "SELECT pg_catalog.string_agg(pg_catalog.format('pid %s (application \"%s\", transaction open for %s, "
        "holds %s on %s): %s', l.pid, a.application_name, "
        "pg_catalog.date_trunc('second', pg_catalog.clock_timestamp() - a.xact_start), l.mode, "
        "l.relation::pg_catalog.regclass, pg_catalog.left(a.query, 200)), E'\\n' ORDER BY a.xact_start, l.pid) "
        "FROM pg_catalog.pg_locks AS l JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid "
        "WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_catalog.pg_backend_pid() "
        "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) ");
    appendStringInfo(&q, "AND l.mode = ANY (%s::pg_catalog.text[]) ", quote_literal_cstr(conflicting_modes(mode)));
    appendStringInfo(&q, "AND a.application_name IS DISTINCT FROM %s ", quote_literal_cstr(own_application));
    appendStringInfo(&q, "AND NOT (l.pid = %d AND pg_catalog.citus_is_coordinator()) ", MyProcPid);
    appendStringInfo(&q,
                     "AND l.relation IN (SELECT %s::pg_catalog.regclass UNION ALL SELECT pg_catalog.to_regclass("
                     "pg_catalog.shard_name(s.logicalrelid, s.shardid, false)) FROM pg_catalog.pg_dist_shard AS s "
                     "WHERE s.logicalrelid = %s::pg_catalog.regclass)",
                     quote_literal_cstr(table), quote_literal_cstr(table));
    return q.data;
}

}  // namespace

const char* describe_cluster_blockers(Oid relid, LOCKMODE mode) {
    MemoryContext caller = CurrentMemoryContext;
    const char* table = quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid));
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    if (SPI_execute("SELECT 'citus_internal gpid=' || pg_catalog.citus_backend_gpid()", true, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not read this backend's global pid");
    const char* own_application = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    Oid types[1] = {TEXTOID};
    Datum values[1] = {CStringGetTextDatum(node_blockers_query(table, mode, own_application))};
    if (SPI_execute_with_args(
            "SELECT pg_catalog.string_agg('on ' || d.nodename || ':' || d.nodeport || ': ' "
            "|| pg_catalog.replace(r.result, E'\\n', E'\\n  '), E'\\n' ORDER BY d.nodename, d.nodeport) "
            "FROM pg_catalog.run_command_on_all_nodes($1) AS r JOIN pg_catalog.pg_dist_node AS d USING (nodeid) "
            "WHERE r.success AND r.result <> ''",
            1, types, values, nullptr, true, 1) != SPI_OK_SELECT)
        elog(ERROR, "could not ask the nodes for the locks they hold");
    char* found = SPI_getvalue(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1);
    const char* result = found != nullptr ? MemoryContextStrdup(caller, found) : nullptr;
    SPI_finish();
    return result;
}

}  // namespace pgm::pg
