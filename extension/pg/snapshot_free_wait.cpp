// PG zone: see snapshot_free_wait.hpp.
#include "snapshot_free_wait.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/proc.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace pgm::pg {

bool in_transaction_block() { return IsTransactionBlock(); }

void let_index_builds_pass() {
    // As PostgreSQL sets it for an index build: the array copy under ProcArrayLock.
    LWLockAcquire(ProcArrayLock, LW_EXCLUSIVE);
    MyProc->statusFlags |= PROC_IN_SAFE_IC;
    ProcGlobal->statusFlags[MyProc->pgxactoff] = MyProc->statusFlags;
    LWLockRelease(ProcArrayLock);
}

void sleep_interruptibly(int ms) {
    (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, ms, PG_WAIT_EXTENSION);
    ResetLatch(MyLatch);
    CHECK_FOR_INTERRUPTS();
}

TransactionId this_transaction_id() { return GetTopTransactionId(); }

int64 interval_arg_ms(FunctionCallInfo fcinfo, int n, int64 if_null) {
    if (PG_ARGISNULL(n)) return if_null;
    const Interval* span = PG_GETARG_INTERVAL_P(n);
    const int64 us = span->time + (span->day + static_cast<int64>(span->month) * DAYS_PER_MONTH) * USECS_PER_DAY;
    return Max(us / 1000, 0);
}

}  // namespace pgm::pg
