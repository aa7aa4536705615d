// PG zone: see executor.hpp.
#include "executor.hpp"

#include "compat/pg_compat.hpp"

#include "citus/citus.hpp"
#include "attribution.hpp"
#include "inline_copy.hpp"
#include "lock_wait.hpp"
#include "schema_snapshot.hpp"
#include "subtransaction.hpp"

extern "C" {
#include "access/xact.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "tcop/dest.h"
#include "tcop/pquery.h"
#include "tcop/utility.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
}

namespace pgm::pg {
namespace {

struct ErrorContextState {
    const ExecutionRequest* request;
    int current;  // index of the running statement
};

// Line of the error inside the script: the line of the bad row of COPY data;
// else the statement's line, plus the lines before the error position when
// PostgreSQL reported one for this statement.
int error_line(const ScriptStatement* st) {
    if (const int row_line = copy_error_line(st); row_line > 0) return row_line;  // a bad row of COPY data
    int position = getinternalerrposition();
    if (position <= 0) position = geterrposition();
    if (position <= 0) return st->line;
    int line = st->line;
    const char* p = st->text;
    for (int chars = 1; chars < position && *p != '\0'; chars++) {
        if (*p == '\n') line++;
        p += pg_mblen(p);
    }
    return line;
}

void statement_error_context(void* arg) {
    ErrorContextState* state = static_cast<ErrorContextState*>(arg);
    const ScriptStatement* st = &state->request->script->statements[state->current];
    errcontext("%smigration %s, statement %d, line %d: %s",
               state->request->reverting ? "reverting " : "", state->request->version, st->number,
               error_line(st), st->command);
}

// pg_stat_activity.query of this backend says where the migration is, for
// migrate_status() in other sessions (and for anyone looking at a lock
// queue): "pg_migrate: migration 007, statement 3 of 12: ALTER TABLE".
void report_progress(const ExecutionRequest* request, const ScriptStatement* st) {
    const int total = request->statements_total != 0 ? request->statements_total : request->last + 1;
    char* activity = psprintf("%s%s, statement %d of %d: %s", kActivityPrefix, request->version, st->number,
                              total, st->command);
    pgstat_report_activity(STATE_RUNNING, activity);  // copies it
    pfree(activity);  // millions of statements: nothing may pile up per statement
}

// ------------------------------------------- DDL run from the parsed tree
//
// SPI would parse a statement's text again, analyse and "plan" it; for a
// utility statement that parse analysis only wraps (nearly all DDL) the
// result is the tree the split already parsed, handed to ProcessUtility.  So
// such statements go to ProcessUtility directly, the way SPI runs them: a
// fresh snapshot when the statement needs one, the command counter advanced
// before and after, the tree protected (readOnlyTree), an atomic context, and
// an error reported as SPI reports it (a position inside the statement, or a
// "SQL statement" context line).

// Parse analysis does more than wrap these (or SPI refuses them its own way:
// COPY to the client, transaction control): they go through SPI.  So does
// every statement when Citus is loaded: it sends the source text that
// ProcessUtility is given to the workers as it stands, and from the tree that
// text is the whole script; through SPI it is the statement's own.
bool runs_from_tree(const ScriptStatement* st) {
    if (st->tree == nullptr || citus_loaded()) return false;
    switch (nodeTag(castNode(RawStmt, st->tree)->stmt)) {
        case T_InsertStmt:
        case T_DeleteStmt:
        case T_UpdateStmt:
        case T_MergeStmt:
        case T_SelectStmt:
        case T_ReturnStmt:
        case T_PLAssignStmt:
        case T_DeclareCursorStmt:
        case T_ExplainStmt:
        case T_CreateTableAsStmt:
        case T_CallStmt:
        case T_CopyStmt:
        case T_TransactionStmt:
            return false;
        default:
            return true;
    }
}

struct SpiStatement {
    const ScriptStatement* st;
    const SPIExecuteOptions* options;
};

void run_spi_statement(void* arg) {
    const SpiStatement* s = static_cast<const SpiStatement*>(arg);
    const int rc = SPI_execute_extended(s->st->text, s->options);
    if (rc < 0)
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                        errmsg("could not run statement %d: %s", s->st->number, SPI_result_code_string(rc))));
}

struct TreeStatement {
    const ParsedScript* script;
    const ScriptStatement* st;
};

// The tree's locations are in the whole script: a position is moved into the
// statement, as an internal position of its text (where SPI would put it).
void tree_statement_error_context(void* arg) {
    const TreeStatement* t = static_cast<const TreeStatement*>(arg);
    const int position = geterrposition();
    if (position > 0) {
        const int before = pg_mbstrlen_with_len(t->script->script, t->st->start);
        errposition(0);
        internalerrposition(position - before);
        internalerrquery(t->st->text);
    } else {
        errcontext("SQL statement \"%s\"", t->st->text);
    }
}

void run_from_tree(const ParsedScript* script, const ScriptStatement* st, MemoryContext scratch) {
    TreeStatement t{script, st};
    ErrorContextCallback callback;
    callback.callback = tree_statement_error_context;
    callback.arg = &t;
    callback.previous = error_context_stack;
    error_context_stack = &callback;
    MemoryContext caller = MemoryContextSwitchTo(scratch);

    RawStmt* raw = castNode(RawStmt, st->tree);
    PlannedStmt* pstmt = makeNode(PlannedStmt);
    pstmt->commandType = CMD_UTILITY;
    pstmt->canSetTag = true;
    pstmt->utilityStmt = raw->stmt;
    pstmt->stmt_location = raw->stmt_location;
    pstmt->stmt_len = raw->stmt_len;
    const bool needs_snapshot = PlannedStmtRequiresSnapshot(pstmt);
    if (needs_snapshot) {
        PushActiveSnapshot(GetTransactionSnapshot());
        CommandCounterIncrement();
        UpdateActiveSnapshotCommandId();
    }
    QueryCompletion qc;
    InitializeQueryCompletion(&qc);
    // true: the tree is copied before anything scribbles on it (a dry run
    // followed by the real one runs the same script twice).
    ProcessUtility(pstmt, script->script, true, PROCESS_UTILITY_QUERY, nullptr, nullptr, None_Receiver, &qc);
    CommandCounterIncrement();
    if (needs_snapshot) PopActiveSnapshot();

    MemoryContextSwitchTo(caller);
    MemoryContextReset(scratch);
    error_context_stack = callback.previous;
}

}  // namespace

bool another_backend_runs_a_migration() {
    const size_t prefix_len = strlen(kActivityPrefix);
    const int backends = pgstat_fetch_stat_numbackends();
    for (int i = 1; i <= backends; i++) {
        const LocalPgBackendStatus* local = compat::backend_status_at(i);
        if (local == nullptr) continue;
        const PgBackendStatus* status = &local->backendStatus;
        if (status->st_procpid != MyProcPid && status->st_databaseid == MyDatabaseId &&
            status->st_state == STATE_RUNNING && status->st_activity_raw != nullptr &&
            strncmp(status->st_activity_raw, kActivityPrefix, prefix_len) == 0)
            return true;
    }
    return false;
}

void execute_statements(const ExecutionRequest* request) {
    ErrorContextState state{request, request->first};
    ErrorContextCallback callback;
    callback.callback = statement_error_context;
    callback.arg = &state;
    callback.previous = error_context_stack;
    error_context_stack = &callback;

    // What a statement run from its tree allocates, reset after each (SPI's
    // own statements use SPI's executor context the same way).
    MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "pg_migrate statement", ALLOCSET_DEFAULT_SIZES);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");

    SPIExecuteOptions options;
    memset(&options, 0, sizeof(options));
    options.read_only = false;
    options.dest = None_Receiver;  // rows of a SELECT are computed, not kept
    // DDL of each statement is attributed to it (migrate.ddl_log); whatever
    // ran before is attributed again once the statements are done or failed.
    Attribution saved;
    begin_migration_attribution(request->version, request->reverting, &saved);
    if (!request->continues) forget_unseen_ddl();
    MigrationEvidence* evidence = request->evidence;
    if (evidence != nullptr) evidence_begin(evidence);
    PG_TRY();
    {
        for (int i = request->first; i <= request->last; i++) {
            state.current = i;
            const ScriptStatement* st = &request->script->statements[i];
            if (request->already_run != nullptr && request->already_run[i - request->first] != nullptr) {
                record_already_run(request->version, st->number, request->already_run[i - request->first]);
                if (evidence != nullptr) {
                    evidence_statement_start(evidence, i - request->first);
                    evidence_statement_locked(evidence);
                    evidence_after_statement(evidence, 0);
                }
                continue;
            }
            report_progress(request, st);
            Oid* locked = evidence != nullptr ? evidence_statement_start(evidence, i - request->first) : nullptr;
            take_statement_locks(st->analysis, locked);
            if (evidence != nullptr) evidence_statement_locked(evidence);
            attribute_statement(st->number, st->text);
            watch_for_unseen_ddl();
            if (st->copy_data != nullptr || st->copy_reader != nullptr) {
                MemoryContext caller = MemoryContextSwitchTo(scratch);
                const uint64 rows = run_inline_copy(st);
                MemoryContextSwitchTo(caller);
                MemoryContextReset(scratch);
                if (evidence != nullptr) evidence_after_statement(evidence, rows);
                continue;
            }
            if (runs_from_tree(st)) {
                run_from_tree(request->script, st, scratch);
                if (evidence != nullptr) evidence_after_statement(evidence, 0);  // as SPI counts DDL
                continue;
            }
            SpiStatement spi{st, &options};
            LOCKMODE citus_mode = NoLock;
            const Oid citus_table = citus_table_locked(st->analysis, &citus_mode);
            if (OidIsValid(citus_table))
                run_with_cluster_lock_retries(citus_table, citus_mode, run_spi_statement, &spi);
            else
                run_spi_statement(&spi);
            if (evidence != nullptr) evidence_after_statement(evidence, SPI_processed);
        }
    }
    PG_FINALLY();
    {
        if (evidence != nullptr) evidence_end(evidence);
        end_migration_attribution(&saved);
    }
    PG_END_TRY();

    SPI_finish();
    MemoryContextDelete(scratch);
    error_context_stack = callback.previous;
}

void execute_and_roll_back(const ExecutionRequest* request) { execute_all_and_roll_back(request, 1); }

namespace {

struct RequestList {
    const ExecutionRequest* requests;
    int count;
};

void execute_all(void* arg) {
    const RequestList* list = static_cast<const RequestList*>(arg);
    for (int i = 0; i < list->count; i++) execute_statements(&list->requests[i]);
}

}  // namespace

void execute_all_and_roll_back(const ExecutionRequest* requests, int count) {
    RequestList list{requests, count};
    ErrorData* error = run_in_subtransaction(execute_all, &list, false);
    if (error != nullptr) ReThrowError(error);
}

int begin_setting_scope() { return NewGUCNestLevel(); }

// isCommit = false restores every setting changed at this level or deeper,
// including plain SET (which would otherwise outlive a function's SET scope).
void end_setting_scope(int nest_level) { AtEOXact_GUC(false, nest_level); }

}  // namespace pgm::pg
