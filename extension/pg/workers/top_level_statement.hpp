// One statement run as a session's top-level query runs (what PostgreSQL's
// exec_simple_query does for one statement of a simple query): in a
// transaction of its own, outside any transaction block, so that CREATE INDEX
// CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM and friends may run, and commit
// and start transactions of their own on the way.  For background workers,
// which have no client to send it.  PG zone.
#pragma once

#include "../../bridge/pg_headers.hpp"

namespace pgm::pg {

// Returns NULL when the statement ran and committed; otherwise its error,
// copied into `keep` (which must outlive transactions), the error logged and
// the transaction rolled back.  pg_stat_activity shows the statement while
// it runs.
ErrorData* run_top_level_statement(const char* sql, MemoryContext keep);

}  // namespace pgm::pg
