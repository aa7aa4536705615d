// The DDL event triggers: migrate.ddl_log and the migrate.guard setting.
//
// PG zone.  Four event triggers call these (sql/pg_migrate--0.2--0.3.sql):
//   ddl_command_start  guard: with migrate.guard = warn or block, DDL outside a
//                      migration is reported or refused before it runs;
//   ddl_command_end    one log row per object created or altered;
//   sql_drop           one log row per object dropped (CASCADE included);
//   table_rewrite      one log row per table a statement rewrote.
// Rows carry the migration version and statement number from attribution.hpp
// (NULL version: made outside any migration).  The log is written as its
// owner with a pinned search_path, so DDL by any role is logged whatever that
// role may read or write.  Temporary objects and the members of extensions
// being created or updated are not logged; nor is pg_migrate itself.
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

void guard_ddl_command_start(FunctionCallInfo fcinfo);
void log_ddl_command_end(FunctionCallInfo fcinfo);
void log_sql_drop(FunctionCallInfo fcinfo);
void log_table_rewrite(FunctionCallInfo fcinfo);

// Whether migrate.ddl_log exists (the installed extension is 0.3 or later).
bool ddl_log_installed();

}  // namespace pgm::pg
