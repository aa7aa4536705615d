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

// On a Citus coordinator: the first of a statement's predicted locks that is
// on a Citus table (its table here, its shards on the workers), or
// InvalidOid.  *mode is set to its lock mode.
Oid citus_table_locked(const StatementAnalysis* analysis, LOCKMODE* mode);

// Runs a statement that locks Citus table `relid` (run(arg)) so that a worker
// that cannot lock a shard within migrate.lock_timeout is tried again as a
// lock here is: in a subtransaction each time, migrate.lock_retries times,
// with the same backoff.  After the last try raises 55P03 naming the
// sessions that hold the table's or its shards' locks on each node.
void run_with_cluster_lock_retries(Oid relid, LOCKMODE mode, void (*run)(void*), void* arg);

// Sets lock_timeout to migrate.lock_timeout for the rest of the current GUC
// nest level: it bounds the locks no prediction covered (the statement then
// fails instead of queueing forever).  On a Citus coordinator it bounds the
// workers' waits for their shards' locks as well (citus/citus.hpp).
void bound_lock_waits();

}  // namespace pgm::pg
