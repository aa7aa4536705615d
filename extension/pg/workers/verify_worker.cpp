// Recording a failing migrate_verify(raise => true) run outside the caller's
// transaction.  PG zone.
//
// The ERROR that marks a scheduled job as failed rolls back everything the
// caller's transaction wrote, the verify_log row and the NOTIFY included.  So
// such a run is handed to a short-lived background worker (no
// shared_preload_libraries needed) through a dynamic shared memory segment;
// the worker writes the row and sends the notification in its own
// transaction and commits, and the caller waits for it before raising.
#include "background_worker.hpp"
#include "../ledger.hpp"
#include "../verify.hpp"

extern "C" {
#include "access/xact.h"
#include "postmaster/bgworker.h"
#include "storage/dsm.h"
#include "storage/ipc.h"
#include "utils/guc.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"

PGDLLEXPORT void migrate_verify_log_worker(Datum main_arg);
}

namespace pgm::pg {
namespace {

// The segment: this header, then NUL-terminated strings: role, application
// name, and check name, object, detail of each failure ("\1" stands for NULL).
struct RunPayload {
    Oid database;
    Oid owner;
    bool ok;
    int checks;
    int64 duration_us;
    int failures;
    int pid;
    volatile bool recorded;  // set by the worker after its commit
    Size strings_size;
    char strings[FLEXIBLE_ARRAY_MEMBER];
};

constexpr char kNullMarker[] = "\1";

const char* or_marker(const char* s) { return s == nullptr ? kNullMarker : s; }
const char* from_marker(const char* s) { return strcmp(s, kNullMarker) == 0 ? nullptr : s; }

Size strings_size(const VerifyRun* run, const char* role, const char* app) {
    Size size = strlen(role) + 1 + strlen(or_marker(app)) + 1;
    for (int i = 0; i < run->failures; i++)
        size += strlen(run->check_names[i]) + 1 + strlen(or_marker(run->objects[i])) + 1 +
                strlen(or_marker(run->details[i])) + 1;
    return size;
}

char* put(char* at, const char* s) {
    Size len = strlen(s) + 1;
    memcpy(at, s, len);
    return at + len;
}

const char* take(const char** at) {
    const char* s = *at;
    *at += strlen(s) + 1;
    return s;
}

void fill_payload(RunPayload* p, const VerifyRun* run, const char* role, const char* app) {
    p->database = MyDatabaseId;
    p->owner = ledger_owner();
    p->ok = run->ok;
    p->checks = run->checks;
    p->duration_us = run->duration_us;
    p->failures = run->failures;
    p->pid = MyProcPid;
    p->recorded = false;
    char* at = p->strings;
    at = put(at, role);
    at = put(at, or_marker(app));
    for (int i = 0; i < run->failures; i++) {
        at = put(at, run->check_names[i]);
        at = put(at, or_marker(run->objects[i]));
        at = put(at, or_marker(run->details[i]));
    }
}

}  // namespace

bool record_verify_run_detached(const VerifyRun* run) {
    const char* role = GetUserNameFromId(GetUserId(), false);
    const char* app = GetConfigOption("application_name", true, false);
    if (app != nullptr && app[0] == '\0') app = nullptr;
    Size size = offsetof(RunPayload, strings) + strings_size(run, role, app);
    dsm_segment* segment = dsm_create(size, 0);
    RunPayload* payload = static_cast<RunPayload*>(dsm_segment_address(segment));
    payload->strings_size = size - offsetof(RunPayload, strings);
    fill_payload(payload, run, role, app);

    BackgroundWorker worker = pg_migrate_worker("migrate_verify_log_worker", "pg_migrate verify log");
    worker.bgw_main_arg = UInt32GetDatum(dsm_segment_handle(segment));
    worker.bgw_notify_pid = MyProcPid;

    BackgroundWorkerHandle* handle;
    bool recorded = false;
    if (RegisterDynamicBackgroundWorker(&worker, &handle) &&
        WaitForBackgroundWorkerShutdown(handle) == BGWH_STOPPED)
        recorded = payload->recorded;
    dsm_detach(segment);
    return recorded;
}

}  // namespace pgm::pg

void migrate_verify_log_worker(Datum main_arg) {
    using namespace pgm::pg;
    start_worker_signals();
    CurrentResourceOwner = ResourceOwnerCreate(nullptr, "pg_migrate verify log");
    dsm_segment* segment = dsm_attach(DatumGetUInt32(main_arg));
    if (segment == nullptr) proc_exit(1);
    RunPayload* payload = static_cast<RunPayload*>(dsm_segment_address(segment));
    BackgroundWorkerInitializeConnectionByOid(payload->database, payload->owner, 0);

    const char* at = payload->strings;
    const char* role = take(&at);
    const char* app = from_marker(take(&at));
    int n = payload->failures;
    const char** checks = static_cast<const char**>(palloc(sizeof(char*) * Max(n, 1)));
    const char** objects = static_cast<const char**>(palloc(sizeof(char*) * Max(n, 1)));
    const char** details = static_cast<const char**>(palloc(sizeof(char*) * Max(n, 1)));
    for (int i = 0; i < n; i++) {
        checks[i] = take(&at);
        objects[i] = from_marker(take(&at));
        details[i] = from_marker(take(&at));
    }
    VerifyRun run{payload->ok, payload->checks, payload->duration_us, n, checks, objects, details};

    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SET,
                      true, 0, false);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    PushActiveSnapshot(GetTransactionSnapshot());
    insert_verify_log(&run, role, app, payload->pid);
    PopActiveSnapshot();
    SPI_finish();
    CommitTransactionCommand();
    payload->recorded = true;
    dsm_detach(segment);
    proc_exit(0);
}
