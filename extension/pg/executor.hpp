// Running a migration's statements in the caller's transaction.
//
// PG zone.  There is deliberately no subtransaction per statement: a
// subtransaction costs an XID per DDL statement and past 64 of them overflows
// the PGPROC subxid cache, slowing every snapshot in the cluster.  Atomicity
// comes from the caller's transaction; the error context comes from an
// ErrorContextCallback, as in PL/pgSQL.
#pragma once

#include "evidence.hpp"
#include "out_of_band_ddl.hpp"
#include "script_parser.hpp"

namespace pgm::pg {

struct ExecutionRequest {
    const char* version;
    const ParsedScript* script;
    int first;  // index of the first statement to run
    int last;   // index of the last statement to run
    bool reverting;  // the down script of `version`, run by migrate_revert
    MigrationEvidence* evidence = nullptr;  // collected when not NULL (the dry run's report)
    // A pulled migration's statements that already ran here outside any
    // migration, indexed from `first`: each one that is not NULL is not run
    // again; its logged rows are given to this migration instead.
    const RecordedStatement* const* already_run = nullptr;
    // The script's statements, for pg_stat_activity ("statement 3 of 12"):
    // 0 for last + 1 (a streamed script gives those read so far).
    int statements_total = 0;
    // A later piece of a streamed migration: what the pieces before it saw
    // (DDL the event triggers missed) is not forgotten.
    bool continues = false;
};

// How a backend applying a migration shows in pg_stat_activity.query:
// "pg_migrate: migration 007, statement 3 of 12: ALTER TABLE" (followed by
// the version).
inline constexpr const char* kActivityPrefix = "pg_migrate: migration ";

// Whether another backend of this database shows kActivityPrefix as its
// current query now (read from the backend status array, as
// pg_stat_activity does): migrate_status() looks for running migrations
// only then.
bool another_backend_runs_a_migration();

// Runs statements first..last.  Before each, the locks its analysis predicts
// are taken with a timeout and retries (lock_wait.hpp).  Errors keep PostgreSQL's own report and gain a
// context line "migration V, statement N, line L".
void execute_statements(const ExecutionRequest* request);

// Runs `request` inside an internal subtransaction and rolls it back, also on
// error (the error is then re-raised): the dry run.
void execute_and_roll_back(const ExecutionRequest* request);
// The same for several requests, one after the other, in one subtransaction.
void execute_all_and_roll_back(const ExecutionRequest* requests, int count);

// GUC nesting: settings a migration changes are undone when it ends.
int begin_setting_scope();
void end_setting_scope(int nest_level);

}  // namespace pgm::pg
