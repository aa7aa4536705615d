// PG zone: see lock_wait.hpp.
#include "lock_wait.hpp"

#include "citus/citus.hpp"
#include "ledger.hpp"
#include "settings.hpp"
#include "subtransaction.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "common/pg_prng.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/wait_event.h"
}

namespace pgm::pg {
namespace {

constexpr int kFirstBackoffMs = 100;
constexpr int kMaxBackoffMs = 10000;

struct LockRequest {
    Oid relid;
    LOCKMODE mode;
    int timeout_ms;
};

void lock_with_timeout(void* arg) {
    const LockRequest* r = static_cast<const LockRequest*>(arg);
    int nest_level = NewGUCNestLevel();
    set_config_option("lock_timeout", psprintf("%d", r->timeout_ms), PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                      true, 0, false);
    LockRelationOid(r->relid, r->mode);
    AtEOXact_GUC(false, nest_level);
}

// Waits for the lock at most `timeout_ms` in a subtransaction.  True when it
// is held (it then belongs to the migration's transaction), false on a lock
// timeout; any other error (cancel, deadlock) is raised.
bool wait_for_lock(Oid relid, LOCKMODE mode, int timeout_ms) {
    LockRequest request{relid, mode, timeout_ms};
    ErrorData* error = run_in_subtransaction(lock_with_timeout, &request, true);
    if (error == nullptr) return true;
    if (error->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE) ReThrowError(error);
    FreeErrorData(error);
    return false;
}

void sleep_ms(int ms) {
    TimestampTz until = GetCurrentTimestamp() + static_cast<TimestampTz>(ms) * 1000;
    for (;;) {
        long left = TimestampDifferenceMilliseconds(GetCurrentTimestamp(), until);
        if (left <= 0) break;
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH, left, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
    }
}

// Exponential backoff with full jitter: between half and all of
// 100 ms * 2^attempt, at most 10 s.
int backoff_ms(int attempt) {
    double ceiling = kFirstBackoffMs;
    for (int i = 0; i < attempt && ceiling < kMaxBackoffMs; i++) ceiling *= 2;
    if (ceiling > kMaxBackoffMs) ceiling = kMaxBackoffMs;
    return static_cast<int>(ceiling / 2 + pg_prng_double(&pg_global_prng_state) * ceiling / 2);
}

LOCKMODE lock_mode_named(const char* name) {
    for (LOCKMODE m = 1; m <= MaxLockMode; m++)
        if (strcmp(GetLockmodeName(DEFAULT_LOCKMETHOD, m), name) == 0) return m;
    return NoLock;
}

// "pid 4242 (application "psql", transaction open for 00:00:12.5, holds
// AccessShareLock): <query>", one line per session holding a lock on
// `relid` that conflicts with `mode`.
const char* describe_blockers(Oid relid, LOCKMODE mode) {
    MemoryContext caller_context = CurrentMemoryContext;
    CallerScope scope;
    enter_caller_scope(&scope);
    const char* sql = psprintf(
        "SELECT l.pid, l.mode, COALESCE(a.application_name, ''), "
        "COALESCE((pg_catalog.clock_timestamp() - a.xact_start)::pg_catalog.text, 'unknown'), "
        "COALESCE(a.query, '') "
        "FROM pg_catalog.pg_locks AS l LEFT JOIN pg_catalog.pg_stat_activity AS a ON a.pid = l.pid "
        "WHERE l.locktype = 'relation' AND l.relation = %u AND l.granted AND l.pid <> pg_catalog.pg_backend_pid() "
        "AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
        "ORDER BY a.xact_start NULLS LAST, l.pid",
        relid);
    if (SPI_execute(sql, true, 0) != SPI_OK_SELECT) elog(ERROR, "could not read pg_locks");
    StringInfoData out;
    MemoryContext spi_context = MemoryContextSwitchTo(caller_context);
    initStringInfo(&out);
    MemoryContextSwitchTo(spi_context);
    for (uint64 r = 0; r < SPI_processed; r++) {
        HeapTuple t = SPI_tuptable->vals[r];
        TupleDesc d = SPI_tuptable->tupdesc;
        const char* held = SPI_getvalue(t, d, 2);
        if (!DoLockModesConflict(lock_mode_named(held), mode)) continue;
        char* query = SPI_getvalue(t, d, 5);
        if (strlen(query) > 200) strcpy(query + 197, "...");
        MemoryContextSwitchTo(caller_context);
        appendStringInfo(&out, "%spid %s (application \"%s\", transaction open for %s, holds %s): %s",
                         out.len > 0 ? "\n" : "", SPI_getvalue(t, d, 1), SPI_getvalue(t, d, 3), SPI_getvalue(t, d, 4),
                         held, query);
        MemoryContextSwitchTo(spi_context);
    }
    leave_caller_scope(&scope);
    MemoryContextSwitchTo(caller_context);
    return out.len > 0 ? out.data : "no session holds it now (it was released as the last try ended)";
}

[[noreturn]] void report_lock_not_available(Oid relid, LOCKMODE mode, int tries) {
    const char* blockers = describe_blockers(relid, mode);
    ereport(ERROR,
            (errcode(ERRCODE_LOCK_NOT_AVAILABLE),
             errmsg_plural("could not lock relation %s in %s within migrate.lock_timeout (%d ms), tried %d time",
                           "could not lock relation %s in %s within migrate.lock_timeout (%d ms), tried %d times",
                           tries,
                           quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)), get_rel_name(relid)),
                           GetLockmodeName(DEFAULT_LOCKMETHOD, mode), lock_timeout_setting, tries),
             errdetail("Held by:\n%s", blockers),
             errhint("Nothing of the migration was kept. Apply it again when those transactions are done, or "
                     "raise migrate.lock_timeout or migrate.lock_retries.")));
    pg_unreachable();
}

void take_lock(Oid relid, LOCKMODE mode) {
    if (ConditionalLockRelationOid(relid, mode)) return;  // free, or already ours
    if (lock_timeout_setting == 0) {
        LockRelationOid(relid, mode);
        return;
    }
    const int tries = lock_retries_setting + 1;
    for (int attempt = 0; attempt < tries; attempt++) {
        if (attempt > 0) sleep_ms(backoff_ms(attempt - 1));
        if (wait_for_lock(relid, mode, lock_timeout_setting)) return;
        if (attempt + 1 < tries)
            ereport(NOTICE, (errmsg("waiting for a lock on %s timed out after %d ms; trying again (%d of %d)",
                                    get_rel_name(relid), lock_timeout_setting, attempt + 2, tries)));
    }
    report_lock_not_available(relid, mode, tries);
}

}  // namespace

void take_statement_locks(const StatementAnalysis* analysis, Oid* locked) {
    if (analysis == nullptr) return;
    for (int i = 0; i < analysis->lock_count; i++) {
        const LockTarget* target = &analysis->locks[i];
        if (locked != nullptr) locked[i] = InvalidOid;
        if (target->mode == NoLock) continue;
        Oid relid = RangeVarGetRelid(target->relation, NoLock, true);
        if (!OidIsValid(relid)) continue;
        take_lock(relid, target->mode);
        if (locked != nullptr) locked[i] = relid;
    }
}

namespace {

struct BlockersRequest {
    Oid relid;
    LOCKMODE mode;
    const char* found;
};

void ask_cluster_for_blockers(void* arg) {
    BlockersRequest* r = static_cast<BlockersRequest*>(arg);
    r->found = describe_cluster_blockers(r->relid, r->mode);
}

// The report must not hide the error it explains: a node that fails to
// answer is said instead.
const char* cluster_blockers_or_why_not(Oid relid, LOCKMODE mode) {
    BlockersRequest request{relid, mode, nullptr};
    ErrorData* error = run_in_subtransaction(ask_cluster_for_blockers, &request, false);
    if (error == nullptr) return request.found;
    return psprintf("(the nodes could not be asked: %s)", error->message);
}

}  // namespace

Oid citus_table_locked(const StatementAnalysis* analysis, LOCKMODE* mode) {
    if (analysis == nullptr || !citus_loaded()) return InvalidOid;
    for (int i = 0; i < analysis->lock_count; i++) {
        const LockTarget* target = &analysis->locks[i];
        if (target->mode == NoLock) continue;
        const Oid relid = RangeVarGetRelid(target->relation, NoLock, true);
        if (OidIsValid(relid) && is_citus_table(relid)) {
            *mode = target->mode;
            return relid;
        }
    }
    return InvalidOid;
}

void run_with_cluster_lock_retries(Oid relid, LOCKMODE mode, void (*run)(void*), void* arg) {
    const int tries = lock_timeout_setting == 0 ? 1 : lock_retries_setting + 1;
    for (int attempt = 0;; attempt++) {
        if (attempt > 0) sleep_ms(backoff_ms(attempt - 1));
        ErrorData* error = run_in_subtransaction(run, arg, true);
        if (error == nullptr) return;
        if (error->sqlerrcode != ERRCODE_LOCK_NOT_AVAILABLE) ReThrowError(error);
        if (attempt + 1 < tries) {
            ereport(NOTICE, (errmsg("waiting for a lock on %s or its shards timed out after %d ms; trying again "
                                    "(%d of %d)", get_rel_name(relid), lock_timeout_setting, attempt + 2, tries)));
            FreeErrorData(error);
            continue;
        }
        const char* blockers = cluster_blockers_or_why_not(relid, mode);
        ereport(ERROR,
                (errcode(ERRCODE_LOCK_NOT_AVAILABLE),
                 errmsg_plural("could not lock relation %s or its shards in %s within migrate.lock_timeout (%d ms), "
                               "tried %d time",
                               "could not lock relation %s or its shards in %s within migrate.lock_timeout (%d ms), "
                               "tried %d times",
                               tries,
                               quote_qualified_identifier(get_namespace_name(get_rel_namespace(relid)),
                                                          get_rel_name(relid)),
                               GetLockmodeName(DEFAULT_LOCKMETHOD, mode), lock_timeout_setting, tries),
                 errdetail("Held by:\n%s", blockers != nullptr
                                                ? blockers
                                                : "no session holds it now (it was released as the last try ended)"),
                 errhint("Nothing of the migration was kept. Apply it again when those transactions are done, or "
                         "raise migrate.lock_timeout or migrate.lock_retries.")));
    }
}

void bound_lock_waits() {
    set_config_option("lock_timeout", psprintf("%d", lock_timeout_setting), PGC_USERSET, PGC_S_SESSION,
                      GUC_ACTION_SAVE, true, 0, false);
    if (citus_loaded()) propagate_lock_timeout(lock_timeout_setting);
}

}  // namespace pgm::pg
