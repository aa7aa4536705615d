// The server's runner of submitted migrations (migrate_submit): a short-lived
// background worker, started on demand (no shared_preload_libraries), that
// connects as the role that submitted the migration and runs it on its own
// connection, as the client's step runner would: statement by statement at
// top level through migrate_steps_begin / migrate_step_done /
// migrate_steps_finish (progress rows, attribution of its DDL, exact resume),
// or in one transaction through migrate_apply when nothing in it needs top
// level.  Its outcome goes to migrate.submissions.  PG zone.
#pragma once

#include "../../bridge/pg_headers.hpp"

namespace pgm::pg {

// Starts a runner for submission `id` of this database, as the current user.
// It first waits for transaction `after` to end (the one that queued the
// submission; InvalidTransactionId: none), then runs the submission unless
// another runner is at it.  Returns false when no worker could be started
// (max_worker_processes reached).
bool start_migration_runner(int32 id, TransactionId after);

// The same as a result for SQL-callable wrappers that raise on failure:
// raises 53000 when no worker could be started.
void start_migration_runner_or_raise(int32 id, TransactionId after);

}  // namespace pgm::pg
