// When a run's commits reach disk.
//
// Each migration commits in its own transaction.  Waiting for every commit's
// WAL flush costs one disk flush per migration: on a slow disk, most of the
// run.  PostgreSQL flushes WAL in order, so one flush at the end of the run
// makes every commit before it durable too.  A run of several migrations
// therefore commits all but its last with synchronous_commit = off and the
// last one as the server is configured; a run that stops early waits, before
// it reports, until the WAL of what it applied is flushed.
//
// What this changes: if the server crashes during the run, the migrations it
// committed in the last moments (at most 3 x wal_writer_delay) may be undone.
// Each is undone whole, ledger row and schema together, so the ledger still
// tells the truth and the next run applies them again.  What pg_migrate
// reports when it exits is durable as before.  Left as configured: a session
// whose synchronous_commit is already off, servers with synchronous standbys
// (a flush here does not wait for them), --single-transaction and dry runs
// (one commit), migrations run outside a transaction, and --durable-each.
#pragma once
#include <string>

#include "connection.hpp"

namespace pgm::client {

class CommitDurability {
public:
    // Decides from the server's settings whether commits may be deferred.
    // `wanted`: the run has at least two migrations that commit on their own.
    // `per_transaction`: no session setting (a transaction-mode pooler may run
    // the next transaction on another server connection); the caller sets
    // synchronous_commit in each migration's own transaction while
    // commit_deferred() says so.
    CommitDurability(Connection& db, bool wanted, bool per_transaction = false);

    // Before each migration: `last_commit` when no migration of the run
    // commits after this one the way a deferred one would (the last, or one
    // run outside a transaction): it commits as configured.
    void before_migration(bool last_commit);

    // After a migration committed; `wrote`: its commit wrote WAL (it was
    // applied, not skipped).
    void committed(bool wrote);

    // After the run, however it ended: makes sure the WAL of everything it
    // committed is flushed.  Returns a warning when that could not be
    // confirmed, else an empty string.
    std::string settle();

    bool deferring() const { return deferring_; }
    // The next migration is to commit with synchronous_commit = off.
    bool commit_deferred() const { return deferred_; }

private:
    void set_deferred(bool deferred);
    std::string wait_for_flush();

    Connection& db_;
    bool per_transaction_;
    bool deferring_ = false;   // commits may be deferred in this run
    bool deferred_ = false;    // the session's synchronous_commit is off now
    bool unflushed_ = false;   // a deferred commit may not be flushed yet
};

}  // namespace pgm::client
