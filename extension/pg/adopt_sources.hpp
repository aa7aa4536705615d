// The migration histories other tools leave in a database, read for
// migrate_adopt().
//
// PG zone.  Tables are recognised by name and columns (never by a user's
// search_path): Flyway's flyway_schema_history, golang-migrate's
// schema_migrations(version bigint, dirty boolean), dbmate's (and Rails')
// schema_migrations(version), the hand-made schema_migrations(version,
// description, applied_at, applied_by), Prisma's _prisma_migrations,
// Supabase's supabase_migrations.schema_migrations and sqitch's registry
// (sqitch.changes, with sqitch.events for failures).  They are read with the
// caller's rights (whoever adopts must be able to read them) and a pinned
// search_path; optional columns through to_jsonb(row), so every version of a
// tool's table reads the same.  Nothing is written to them.
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

struct HistoryTable {
    Oid relid;
    const char* tool;  // flyway, golang-migrate, dbmate, schema_migrations, prisma, supabase, sqitch
    const char* name;  // schema-qualified, quoted as needed
};
struct HistoryTables {
    int count;
    HistoryTable* tables;
};
// The history tables in the database, restricted to `tool` and `relid` when
// they are given (NULL, InvalidOid: any).
HistoryTables* find_history_tables(const char* tool, Oid relid);

// One row of a tool's history as pg_migrate reads it.  status: adopted,
// baseline, reverted (the newest event of the version), failed (the tool
// recorded a failure: never imported), skipped (not a migration: Flyway's
// schema marker, a rolled-back Prisma migration, a superseded row), dirty
// (golang-migrate's flag).
struct HistoryRow {
    const char* version;     // NULL for some failures (sqitch)
    const char* name;
    const char* status;
    const char* applied_at;  // timestamptz as text, NULL when the tool keeps none
    const char* applied_by;  // NULL when the tool keeps none
    const char* note;
};
struct HistoryRows {
    int count;
    HistoryRow* rows;
};
// The rows of `table` in the order the tool applied them (by version for the
// tools that keep no order).
HistoryRows* read_history(const HistoryTable* table);

}  // namespace pgm::pg
