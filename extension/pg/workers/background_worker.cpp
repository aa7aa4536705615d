// PG zone: see background_worker.hpp.
#include "background_worker.hpp"

extern "C" {
#include "miscadmin.h"
#include "tcop/tcopprot.h"
}

namespace pgm::pg {

BackgroundWorker pg_migrate_worker(const char* function, const char* type) {
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = BGW_NEVER_RESTART;
    snprintf(worker.bgw_library_name, BGW_MAXLEN, "pg_migrate");
    snprintf(worker.bgw_function_name, BGW_MAXLEN, "%s", function);
    snprintf(worker.bgw_name, BGW_MAXLEN, "%s for PID %d", type, MyProcPid);
    snprintf(worker.bgw_type, BGW_MAXLEN, "%s", type);
    return worker;
}

void start_worker_signals() {
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
}

}  // namespace pgm::pg
