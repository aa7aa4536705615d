// Recording the schema snapshot in the background, after a run.  PG zone.
//
// A client run of many migrations leaves the snapshot's upkeep to its end
// (migrate.defer_schema_snapshot); describing what 1,000 migrations created
// takes about as long as a fifth of applying them.  The run's caller need not
// wait for it: a short-lived background worker (no shared_preload_libraries
// needed) does what migrate_record_schema() does, in a transaction of its
// own, under the ledger lock.  That lock orders it with migrations, with
// migrate_record_schema() and with migrate_verify() (which records what is
// owed before it compares): it waits for a migration holding the lock and a
// migration waits for it, and a verify that comes while it runs sees the
// recording done.  If it fails (or the server stops first), the recording
// stays owed, as after a run cut short: the next recording does it.
#include "background_worker.hpp"
#include "../ledger.hpp"
#include "../schema_snapshot.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "utils/snapmgr.h"

PGDLLEXPORT void migrate_record_schema_worker(Datum main_arg);
}

namespace pgm::pg {

bool start_schema_recording_worker() {
    BackgroundWorker worker = pg_migrate_worker("migrate_record_schema_worker", "pg_migrate schema recording");
    worker.bgw_main_arg = ObjectIdGetDatum(MyDatabaseId);
    // The login role of the calling session: a role that may connect (the
    // recording itself runs as the ledger owner, as it does for the caller).
    const Oid role = GetSessionUserId();
    static_assert(sizeof(Oid) <= BGW_EXTRALEN, "the role fits in bgw_extra");
    memcpy(worker.bgw_extra, &role, sizeof(role));
    worker.bgw_notify_pid = 0;
    // Not transactional: registered now, whatever becomes of the caller's
    // transaction.  A worker started for a transaction that rolls back finds
    // nothing owed, or records what earlier runs left owed.
    return RegisterDynamicBackgroundWorker(&worker, nullptr);
}

}  // namespace pgm::pg

void migrate_record_schema_worker(Datum main_arg) {
    using namespace pgm::pg;
    start_worker_signals();
    Oid role;
    memcpy(&role, MyBgworkerEntry->bgw_extra, sizeof(role));
    BackgroundWorkerInitializeConnectionByOid(DatumGetObjectId(main_arg), role, 0);
    pgstat_report_appname("pg_migrate schema recording");

    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, "pg_migrate: recording the schema snapshot");
    // Waits for a migration that holds the lock (the caller's own, when it
    // applied migrations in the transaction that started this worker).
    lock_ledger();
    const int64 objects = record_owed_schema();
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, nullptr);
    elog(DEBUG1, "pg_migrate recorded %lld objects in the schema snapshot", static_cast<long long>(objects));
    proc_exit(0);
}
