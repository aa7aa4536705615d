// PG zone: see adopt_sources.hpp.
#include "adopt_sources.hpp"

#include "ledger.hpp"

extern "C" {
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "utils/lsyscache.h"
}

namespace pgm::pg {
namespace {

// Every table that looks like a tool's history, with the tool it belongs to.
constexpr const char* kFindHistories = R"SQL(
SELECT t.oid, t.tool, pg_catalog.quote_ident(t.nspname) || '.' || pg_catalog.quote_ident(t.relname)
  FROM (SELECT c.oid, n.nspname, c.relname,
               CASE
                 WHEN c.relname = 'flyway_schema_history'
                      AND a.cols @> '{installed_rank,version,description,type,script,installed_by,installed_on,success}'
                   THEN 'flyway'
                 WHEN c.relname = '_prisma_migrations'
                      AND a.cols @> '{migration_name,started_at,finished_at,rolled_back_at}'
                   THEN 'prisma'
                 WHEN n.nspname = 'supabase_migrations' AND c.relname = 'schema_migrations'
                      AND a.cols @> '{version}'
                   THEN 'supabase'
                 WHEN n.nspname = 'sqitch' AND c.relname = 'changes'
                      AND a.cols @> '{change_id,change,project,committed_at,committer_name}'
                   THEN 'sqitch'
                 WHEN c.relname = 'goose_db_version' AND a.cols @> '{id,version_id,is_applied,tstamp}'
                   THEN 'goose'
                 WHEN c.relname = 'gorp_migrations' AND a.cols @> '{id,applied_at}'
                   THEN 'sql-migrate'
                 WHEN c.relname = 'schema_migrations' AND a.cols @> '{version,dirty}'
                   THEN 'golang-migrate'
                 WHEN c.relname = 'schema_migrations' AND a.cols @> '{version,applied_at}'
                   THEN 'schema_migrations'
                 WHEN c.relname = 'schema_migrations' AND a.cols @> '{version}'
                   THEN 'dbmate'
               END AS tool
          FROM pg_class AS c
          JOIN pg_namespace AS n ON n.oid = c.relnamespace
         CROSS JOIN LATERAL (SELECT pg_catalog.array_agg(at.attname::text) AS cols
                               FROM pg_attribute AS at
                              WHERE at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped) AS a
         WHERE c.relkind IN ('r', 'p', 'v', 'f')
           AND c.relname IN ('flyway_schema_history', '_prisma_migrations', 'schema_migrations', 'changes',
                             'goose_db_version', 'gorp_migrations')
           AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'migrate')
           AND n.nspname !~ '^pg_(temp|toast)') AS t
 WHERE t.tool IS NOT NULL AND ($1::text IS NULL OR t.tool = $1) AND ($2::oid IS NULL OR t.oid = $2)
 ORDER BY t.tool, t.nspname, t.relname
)SQL";

// Each tool's rows as (version, name, status, applied_at, applied_by, note);
// %s is the table.  Optional columns are read through to_jsonb(h).
constexpr const char* kFlywayRows = R"SQL(
SELECT CASE WHEN h.version IS NULL
            THEN 'R__' || pg_catalog.regexp_replace(pg_catalog.regexp_replace(h.script, '^.*/', ''),
                                                    '^R__|\.sql$', '', 'g')
            ELSE h.version END,
       h.description,
       CASE WHEN NOT h.success THEN 'failed'
            WHEN h.type = 'BASELINE' THEN 'baseline'
            WHEN h.type LIKE 'UNDO%%' THEN 'reverted'
            WHEN h.type IN ('SCHEMA', 'DELETE') THEN 'skipped'
            ELSE 'adopted' END,
       h.installed_on::timestamptz::text,
       h.installed_by,
       'flyway ' || h.type || COALESCE(' ' || h.script, '') || COALESCE(' (checksum ' || h.checksum || ')', '')
  FROM %s AS h
 ORDER BY h.installed_rank
)SQL";

constexpr const char* kGolangMigrateRows = R"SQL(
SELECT h.version::text, NULL::text, CASE WHEN h.dirty THEN 'dirty' ELSE 'baseline' END, NULL::text, NULL::text,
       'golang-migrate keeps only the current version'
  FROM %s AS h
)SQL";

constexpr const char* kDbmateRows = R"SQL(
SELECT h.version::text, NULL::text, 'adopted', NULL::text, NULL::text, 'dbmate keeps no time or user'
  FROM %s AS h
 ORDER BY pg_catalog.length(h.version::text), h.version::text
)SQL";

constexpr const char* kHandMadeRows = R"SQL(
SELECT h.version::text, pg_catalog.to_jsonb(h) ->> 'description', 'adopted',
       ((pg_catalog.to_jsonb(h) ->> 'applied_at')::timestamptz)::text, pg_catalog.to_jsonb(h) ->> 'applied_by',
       'schema_migrations'
  FROM %s AS h
 ORDER BY (pg_catalog.to_jsonb(h) ->> 'applied_at')::timestamptz NULLS LAST, h.version::text
)SQL";

constexpr const char* kPrismaRows = R"SQL(
SELECT CASE WHEN pg_catalog.strpos(h.migration_name, '_') > 0
            THEN pg_catalog.split_part(h.migration_name, '_', 1) ELSE h.migration_name END,
       CASE WHEN pg_catalog.strpos(h.migration_name, '_') > 0
            THEN pg_catalog.substr(h.migration_name, pg_catalog.strpos(h.migration_name, '_') + 1) END,
       CASE WHEN h.rolled_back_at IS NOT NULL THEN 'skipped'
            WHEN h.finished_at IS NULL THEN 'failed'
            ELSE 'adopted' END,
       COALESCE(h.finished_at, h.started_at)::text, NULL::text,
       'prisma ' || h.migration_name || COALESCE(' (checksum ' || (pg_catalog.to_jsonb(h) ->> 'checksum') || ')', '')
         || CASE WHEN h.rolled_back_at IS NOT NULL THEN ', rolled back' ELSE '' END
  FROM %s AS h
 ORDER BY h.started_at, h.migration_name
)SQL";

constexpr const char* kSupabaseRows = R"SQL(
SELECT h.version::text, pg_catalog.to_jsonb(h) ->> 'name', 'adopted', NULL::text,
       pg_catalog.to_jsonb(h) ->> 'created_by', 'supabase'
  FROM %s AS h
 ORDER BY pg_catalog.length(h.version::text), h.version::text
)SQL";

// goose appends a row for each up (is_applied) and each down of a version;
// the newest says where it stands.  Version 0 is the row goose writes when it
// creates the table.
constexpr const char* kGooseRows = R"SQL(
SELECT d.version_id::text, NULL::text, CASE WHEN d.is_applied THEN 'adopted' ELSE 'skipped' END,
       d.tstamp::timestamptz::text, NULL::text,
       CASE WHEN d.is_applied THEN 'goose' ELSE 'goose: rolled back' END
  FROM (SELECT DISTINCT ON (h.version_id) h.*
          FROM %s AS h
         WHERE h.version_id <> 0
         ORDER BY h.version_id, h.id DESC) AS d
 ORDER BY d.version_id
)SQL";

// sql-migrate keeps the file name ("0001_create_account.sql"): the version is
// what comes before its first "_", as in the file's name on disk.
constexpr const char* kSqlMigrateRows = R"SQL(
SELECT CASE WHEN pg_catalog.strpos(h.id, '_') > 0
            THEN pg_catalog.split_part(h.id, '_', 1) ELSE pg_catalog.regexp_replace(h.id, '\.sql$', '') END,
       CASE WHEN pg_catalog.strpos(h.id, '_') > 0
            THEN pg_catalog.regexp_replace(pg_catalog.substr(h.id, pg_catalog.strpos(h.id, '_') + 1), '\.sql$', '') END,
       'adopted', h.applied_at::timestamptz::text, NULL::text, 'sql-migrate ' || h.id
  FROM %s AS h
 ORDER BY h.applied_at, h.id
)SQL";

// sqitch names changes, it does not number them: the deployed changes are
// numbered in the order they were deployed.  A failed deploy of a change that
// is not deployed now is reported (from sqitch.events, when it exists).
constexpr const char* kSqitchRows = R"SQL(
SELECT d.version, d.change, 'adopted', d.committed_at::text, d.committer_name,
       'sqitch change ' || d.change_id || ' of project ' || d.project
  FROM (SELECT (pg_catalog.row_number() OVER (ORDER BY c.committed_at, c.change_id))::text AS version, c.*
          FROM %s AS c) AS d
 ORDER BY d.committed_at, d.change_id
)SQL";
constexpr const char* kSqitchFailures = R"SQL(
SELECT NULL::text, e.change, 'failed', e.committed_at::text, e.committer_name,
       'sqitch could not deploy change ' || e.change_id || ' of project ' || e.project
  FROM sqitch.events AS e
 WHERE e.event = 'fail' AND NOT EXISTS (SELECT FROM sqitch.changes AS c WHERE c.change_id = e.change_id)
 ORDER BY e.committed_at
)SQL";

const char* rows_query_of(const char* tool) {
    if (strcmp(tool, "flyway") == 0) return kFlywayRows;
    if (strcmp(tool, "golang-migrate") == 0) return kGolangMigrateRows;
    if (strcmp(tool, "dbmate") == 0) return kDbmateRows;
    if (strcmp(tool, "schema_migrations") == 0) return kHandMadeRows;
    if (strcmp(tool, "prisma") == 0) return kPrismaRows;
    if (strcmp(tool, "supabase") == 0) return kSupabaseRows;
    if (strcmp(tool, "sqitch") == 0) return kSqitchRows;
    if (strcmp(tool, "goose") == 0) return kGooseRows;
    if (strcmp(tool, "sql-migrate") == 0) return kSqlMigrateRows;
    elog(ERROR, "unknown migration tool \"%s\"", tool);
}

const char* copy_value(HeapTuple tuple, TupleDesc desc, int col, MemoryContext cxt) {
    char* value = SPI_getvalue(tuple, desc, col);
    return value == nullptr ? nullptr : MemoryContextStrdup(cxt, value);
}

}  // namespace

HistoryTables* find_history_tables(const char* tool, Oid relid) {
    MemoryContext caller = CurrentMemoryContext;
    HistoryTables* result = static_cast<HistoryTables*>(palloc0(sizeof(HistoryTables)));
    CallerScope scope;
    enter_caller_scope(&scope);
    Oid types[2] = {TEXTOID, OIDOID};
    Datum values[2] = {tool ? CStringGetTextDatum(tool) : Datum(0), ObjectIdGetDatum(relid)};
    char nulls[2] = {tool ? ' ' : 'n', OidIsValid(relid) ? ' ' : 'n'};
    if (SPI_execute_with_args(kFindHistories, 2, types, values, nulls, true, 0) != SPI_OK_SELECT)
        elog(ERROR, "could not look for migration histories");
    result->count = static_cast<int>(SPI_processed);
    result->tables = static_cast<HistoryTable*>(MemoryContextAllocZero(caller, sizeof(HistoryTable) * Max(result->count, 1)));
    for (int i = 0; i < result->count; i++) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        bool isnull;
        result->tables[i].relid = DatumGetObjectId(SPI_getbinval(t, d, 1, &isnull));
        result->tables[i].tool = copy_value(t, d, 2, caller);
        result->tables[i].name = copy_value(t, d, 3, caller);
    }
    leave_caller_scope(&scope);
    return result;
}

namespace {

// Appends the rows of `sql` to `result` (SPI connected).
void append_rows(const char* sql, const char* what, HistoryRows* result, MemoryContext caller) {
    if (SPI_execute(sql, true, 0) != SPI_OK_SELECT) elog(ERROR, "could not read %s", what);
    const int first = result->count;
    result->count += static_cast<int>(SPI_processed);
    HistoryRow* rows = static_cast<HistoryRow*>(MemoryContextAllocZero(caller, sizeof(HistoryRow) * Max(result->count, 1)));
    if (first > 0) memcpy(rows, result->rows, sizeof(HistoryRow) * first);
    result->rows = rows;
    for (int i = 0; i < static_cast<int>(SPI_processed); i++) {
        HeapTuple t = SPI_tuptable->vals[i];
        TupleDesc d = SPI_tuptable->tupdesc;
        HistoryRow* r = &result->rows[first + i];
        r->version = copy_value(t, d, 1, caller);
        r->name = copy_value(t, d, 2, caller);
        r->status = copy_value(t, d, 3, caller);
        r->applied_at = copy_value(t, d, 4, caller);
        r->applied_by = copy_value(t, d, 5, caller);
        r->note = copy_value(t, d, 6, caller);
    }
}

bool sqitch_events_exist() {
    Oid schema = get_namespace_oid("sqitch", true);
    return OidIsValid(schema) && OidIsValid(get_relname_relid("events", schema));
}

}  // namespace

HistoryRows* read_history(const HistoryTable* table) {
    MemoryContext caller = CurrentMemoryContext;
    HistoryRows* result = static_cast<HistoryRows*>(palloc0(sizeof(HistoryRows)));
    // The table's name comes from the catalogs, quoted: never from the caller.
    const char* sql = psprintf(rows_query_of(table->tool), table->name);
    CallerScope scope;
    enter_caller_scope(&scope);
    append_rows(sql, table->name, result, caller);
    if (strcmp(table->tool, "sqitch") == 0 && sqitch_events_exist())
        append_rows(kSqitchFailures, "sqitch.events", result, caller);
    leave_caller_scope(&scope);
    return result;
}

}  // namespace pgm::pg
