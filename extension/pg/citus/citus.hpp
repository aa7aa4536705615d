// What pg_migrate needs to know about Citus (a coordinator and workers that
// hold a distributed table's shards), asked without linking to it: Citus may
// be absent, and its library is never a dependency of pg_migrate's.
//
// PG zone.
#pragma once

#include "../../bridge/pg_headers.hpp"

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

}  // namespace pgm::pg
