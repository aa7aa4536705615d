// What pg_migrate needs to know about Citus (a coordinator and workers that
// hold a distributed table's shards), asked without linking to it: Citus may
// be absent, and its library is never a dependency of pg_migrate's.
//
// PG zone.
#pragma once

#include "../../bridge/pg_headers.hpp"

extern "C" {
#include "storage/lockdefs.h"
}

namespace pgm::pg {

// Citus's library is loaded in this backend (shared_preload_libraries).
bool citus_loaded();

// This session is one that Citus opened from another node to carry out that
// node's command: DDL a coordinator propagates to its workers' shell tables
// and shards, or a shard moved by the rebalancer.  Citus names such sessions
// by their application_name ("citus_internal gpid=N", "citus_rebalancer
// gpid=N"); the command they run was logged (and guarded) where it was typed.
// A session a person opens on a worker is not one, nor is
// run_command_on_workers(), whose commands are typed by hand.
bool citus_internal_session();

// Sets lock_timeout to `ms` for the rest of the transaction on the workers
// too: SET LOCAL with citus.propagate_set_commands = local, which Citus sends
// to the workers the transaction has connected to and sends first to those
// it connects to later.  DDL on a distributed table then waits for its
// shards' locks on a worker no longer than it waits here.  Both settings are
// set here too (SET LOCAL, undone with the caller's GUC nest level).
void propagate_lock_timeout(int ms);

// A distributed, reference or Citus-managed local table (pg_dist_partition).
// False when Citus is not installed in this database.
bool is_citus_table(Oid relid);

// The sessions on the cluster's nodes holding a lock that conflicts with
// `mode` on the table `relid` or on its shards there, this transaction's own
// excepted: "on localhost:5602: pid 4242 (application "psql", transaction
// open for 00:00:12, holds AccessShareLock on public.items_102008): SELECT
// ...", a line each.  NULL when there are none (or no node answered).
const char* describe_cluster_blockers(Oid relid, LOCKMODE mode);

}  // namespace pgm::pg
