// Never stall production on a lock.  A DDL statement waiting for its lock
// queues every later query on the table behind it; so before a statement
// runs, the locks the classifier predicts for it (safety/classifier.hpp) are
// taken here: at once when free, else waiting at most migrate.lock_timeout, tried
// again migrate.lock_retries times with exponential backoff and jitter.
//
// The wait runs in a subtransaction of its own, which takes no transaction
// ID (it only waits for a lock): a timeout rolls back the wait alone, never
// the statements already run.  When the tries run out, the error names the
// lock and the sessions holding it.  PG zone.
#pragma once

#include "safety/classifier.hpp"

namespace pgm::pg {

// Takes the predicted locks of a statement, or raises 55P03 naming the
// blockers.  Relations that do not exist (yet) are skipped.  When `locked`
// is not NULL, locked[i] is set to the relation analysis->locks[i] locked
// (InvalidOid when none).
void take_statement_locks(const StatementAnalysis* analysis, Oid* locked);

// Sets lock_timeout to migrate.lock_timeout for the rest of the current GUC
// nest level: it bounds the locks no prediction covered (the statement then
// fails instead of queueing forever).  On a Citus coordinator it bounds the
// workers' waits for their shards' locks as well (citus/citus.hpp).
void bound_lock_waits();

}  // namespace pgm::pg
