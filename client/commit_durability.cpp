#include "commit_durability.hpp"

#include <chrono>
#include <thread>

#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

// Commits may be deferred when the session waits for its commits' flush
// (synchronous_commit is not off), no synchronous standby is configured (the
// flush confirmed here is the local one), and the WAL positions can be read
// (they tell when the deferred commits are flushed).
constexpr const char* kMayDefer =
    "SELECT pg_catalog.current_setting('synchronous_commit') <> 'off' "
    "   AND pg_catalog.current_setting('synchronous_standby_names') = '' "
    "   AND pg_catalog.pg_current_wal_flush_lsn() IS NOT NULL";

// The WAL writer flushes deferred commits within 3 x wal_writer_delay (0.6 s
// by default); waiting longer means the disk itself is stalled.
constexpr auto kFlushWaitLimit = std::chrono::seconds(10);

}  // namespace

CommitDurability::CommitDurability(Connection& db, bool wanted, bool per_transaction)
    : db_(db), per_transaction_(per_transaction) {
    if (!wanted) return;
    try {
        deferring_ = db_.exec(kMayDefer).get(0, 0) == "t";
    } catch (const ServerError&) {
        deferring_ = false;  // e.g. the WAL functions are not granted: commit as configured
    }
}

void CommitDurability::set_deferred(bool deferred) {
    if (deferred == deferred_) return;
    if (per_transaction_) {
        deferred_ = deferred;  // the caller sets it in the migration's transaction
        return;
    }
    // Session level: each migration is a transaction of its own.  RESET goes
    // back to what the session was given (postgresql.conf, role and database
    // settings, PGOPTIONS).
    db_.run(deferred ? "SET synchronous_commit = off" : "RESET synchronous_commit");
    deferred_ = deferred;
}

void CommitDurability::before_migration(bool last_commit) {
    if (deferring_) set_deferred(!last_commit);
}

void CommitDurability::committed(bool wrote) {
    if (!wrote) return;
    // A commit as configured flushes the WAL up to its own record, so every
    // deferred commit before it too.
    unflushed_ = deferred_;
}

std::string CommitDurability::settle() {
    if (!unflushed_) return {};
    try {
        return wait_for_flush();
    } catch (const std::exception& e) {
        return std::string("could not confirm that the server flushed the WAL of the migrations applied (") +
               e.what() + "): the last of them may be lost if the server crashes now";
    }
}

std::string CommitDurability::wait_for_flush() {
    set_deferred(false);
    // Everything written so far, deferred commits included, lies before the
    // current insert position; it is durable once the flush position passes it.
    const std::string target = db_.exec("SELECT pg_catalog.pg_current_wal_insert_lsn()").get(0, 0);
    const auto give_up = std::chrono::steady_clock::now() + kFlushWaitLimit;
    auto pause = std::chrono::milliseconds(1);
    for (;;) {
        if (db_.exec("SELECT pg_catalog.pg_current_wal_flush_lsn() >= $1::pg_catalog.pg_lsn", {target}).get(0, 0) == "t") {
            unflushed_ = false;
            return {};
        }
        if (std::chrono::steady_clock::now() > give_up)
            return "the server had not flushed its WAL up to " + target + " after " +
                   std::to_string(kFlushWaitLimit.count()) +
                   " s: the last migrations applied may be lost if the server crashes now";
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(50));
    }
}

}  // namespace pgm::client
