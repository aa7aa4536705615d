// One deployer at a time: a session-level advisory lock taken by polling.
//
// Waiting inside a statement would hold a snapshot while waiting, and a
// CREATE INDEX CONCURRENTLY run by the lock's holder waits for every older
// snapshot: the two would deadlock (other migration tools' known failure).
// So the lock is taken with pg_try_advisory_lock, and between tries the
// client sleeps with no query running.
#pragma once

#include <chrono>
#include <functional>

#include "connection.hpp"

namespace pgm::client {

// Key "pg_mdepl" (0x70675f6d6465706c); the extension's ledger lock inside
// migrate_apply is a different, transaction-level key.
constexpr const char* kDeployLockKey = "x'70675f6d6465706c'::pg_catalog.int8";

// Returns false when `timeout` passed without getting the lock.  `waiting`
// is called once, with the pid of the holder, when the lock is busy.
bool acquire_deploy_lock(Connection& db, std::chrono::seconds timeout,
                         const std::function<void(const std::string& holder)>& waiting);
// Gives the lock back; false when this session no longer held it (a
// migration released it, or a pooler in transaction mode ran this statement on
// another server connection than the one that took it).
bool release_deploy_lock(Connection& db);

}  // namespace pgm::client
