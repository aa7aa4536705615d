// PG zone: see migration_runner.hpp.
//
// Every step of a run is a transaction of its own (the statements themselves
// through run_top_level_statement); an error in one is caught, logged and
// recorded in migrate.submissions, so that migrate_wait returns it.  A runner
// killed half-way (server crash, DROP DATABASE, pg_terminate_backend) leaves
// the submission "running" without a runner: the next migrate_submit or
// migrate_wait starts one, which resumes at the first statement not recorded
// as done (migrate.progress says which).
#include "migration_runner.hpp"

#include "../attribution.hpp"
#include "../ledger.hpp"
#include "../submissions.hpp"
#include "background_worker.hpp"
#include "top_level_statement.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_index.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "storage/ipc.h"
#include "storage/lmgr.h"
#include "tcop/tcopprot.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/guc.h"
#include "utils/syscache.h"

PGDLLEXPORT void migrate_runner_main(Datum main_arg);
}

namespace pgm::pg {
namespace {

// The runner logs in as the submitting session's user and takes the role the
// submission ran as (SET ROLE), as that session had: a deploy role is often a
// group role that cannot log in itself.
struct RunnerArgs {
    Oid database;
    Oid session_user;
    Oid role;
    int32 id;
    TransactionId after;
};

// What the runner works on, in its own memory context.
struct Run {
    int32 id;
    const char* version;
    const char* name;
    const char* script;
    const char* down;
    const char* verify;
    const char* out_of_order;  // "true" / "false"
    const char* allow;         // text[] as text, or NULL
    bool in_transaction;
    bool interrupted;          // an earlier runner stopped mid-statement
    // Filled as it goes.
    bool claimed;
    const char* status;
    int statements;
    int done;
    char** texts;              // the statements (migrate_split)
    int* lines;
    const char* invalid_indexes;
    const char* leftover_index;  // an INVALID index an interrupted build left
    // The failure being recorded.
    const ErrorData* error;
    int failed_statement;        // 0: none in particular
    int failed_line;
    MemoryContext keep;
};

// --- SPI helpers (inside a transaction, SPI connected) ---------------------

void exec_or_fail(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls, int expected) {
    int rc = SPI_execute_with_args(sql, nargs, types, values, nulls, false, 0);
    if (rc != expected) elog(ERROR, "pg_migrate runner: query failed (%s): %s", SPI_result_code_string(rc), sql);
}

const char* value_at(int row, int col, MemoryContext keep) {
    char* value = SPI_getvalue(SPI_tuptable->vals[row], SPI_tuptable->tupdesc, col);
    return value ? MemoryContextStrdup(keep, value) : nullptr;
}

Datum text_or_null(const char* s) { return s ? CStringGetTextDatum(s) : (Datum)0; }
char flag(const char* s) { return s ? ' ' : 'n'; }

// Runs `work` in a transaction of its own with an active snapshot and SPI
// connected.  Returns NULL, or its error (copied into `keep`, logged, the
// transaction rolled back).
using Work = void (*)(Run* run);
ErrorData* in_transaction(Work work, Run* run) {
    ErrorData* volatile error = nullptr;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    PG_TRY();
    {
        PushActiveSnapshot(GetTransactionSnapshot());
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        work(run);
        SPI_finish();
        PopActiveSnapshot();
        CommitTransactionCommand();
    }
    PG_CATCH();
    {
        HOLD_INTERRUPTS();
        MemoryContextSwitchTo(run->keep);
        error = CopyErrorData();
        EmitErrorReport();
        FlushErrorState();
        AbortCurrentTransaction();
        RESUME_INTERRUPTS();
    }
    PG_END_TRY();
    MemoryContextSwitchTo(run->keep);
    return error;
}

// --- migrate.submissions, as the ledger owner ------------------------------

void update_submission(const char* sql, int nargs, Oid* types, Datum* values, const char* nulls) {
    OwnerScope scope;
    enter_owner_scope(&scope);
    exec_or_fail(sql, nargs, types, values, nulls, SPI_OK_UPDATE);
    leave_owner_scope(&scope);
}

// Where the run is: statement `statement` (1-based) is next, or failed.
void record_position(Run* run, int statement) {
    const int line = statement >= 1 && statement <= run->statements ? run->lines[statement - 1] : 0;
    Oid types[5] = {INT4OID, INT4OID, INT4OID, INT4OID, INT4OID};
    Datum values[5] = {Int32GetDatum(run->id), Int32GetDatum(run->statements), Int32GetDatum(run->done),
                       Int32GetDatum(statement), Int32GetDatum(line)};
    char nulls[5] = {' ', ' ', ' ', static_cast<char>(line > 0 ? ' ' : 'n'), static_cast<char>(line > 0 ? ' ' : 'n')};
    update_submission("UPDATE migrate.submissions SET statements = $2, done = $3, statement = $4, line = $5 "
                      "WHERE id OPERATOR(pg_catalog.=) $1",
                      5, types, values, nulls);
}

void record_outcome(Run* run) {
    Oid types[4] = {INT4OID, TEXTOID, INT4OID, INT4OID};
    Datum values[4] = {Int32GetDatum(run->id), CStringGetTextDatum(run->status), Int32GetDatum(run->statements),
                       Int32GetDatum(run->done)};
    update_submission("UPDATE migrate.submissions SET status = $2, statements = $3, done = $4, statement = NULL, "
                      "line = NULL, finished_at = pg_catalog.clock_timestamp(), worker_pid = NULL "
                      "WHERE id OPERATOR(pg_catalog.=) $1",
                      4, types, values, nullptr);
}

// --- Claiming the submission -----------------------------------------------

void claim(Run* run) {
    Oid lock_types[2] = {INT4OID, INT4OID};
    Datum lock_values[2] = {Int32GetDatum(kRunnerLockKey), Int32GetDatum(run->id)};
    exec_or_fail("SELECT pg_catalog.pg_try_advisory_lock($1, $2)", 2, lock_types, lock_values, nullptr, SPI_OK_SELECT);
    if (strcmp(value_at(0, 1, run->keep), "t") != 0) return;  // another runner is at it

    OwnerScope scope;
    enter_owner_scope(&scope);
    Oid types[1] = {INT4OID};
    Datum values[1] = {Int32GetDatum(run->id)};
    exec_or_fail("WITH before AS (SELECT status FROM migrate.submissions WHERE id OPERATOR(pg_catalog.=) $1 "
                 "                 AND status IN ('queued', 'running') FOR UPDATE) "
                 "UPDATE migrate.submissions AS s SET status = 'running', worker_pid = pg_catalog.pg_backend_pid(), "
                 "       started_at = coalesce(s.started_at, pg_catalog.clock_timestamp()), "
                 "       resumes = s.resumes OPERATOR(pg_catalog.+) (before.status OPERATOR(pg_catalog.=) 'running')::int "
                 "  FROM before WHERE s.id OPERATOR(pg_catalog.=) $1 "
                 "RETURNING s.version, s.name, s.script, s.down, s.verify, s.out_of_order::text, s.allow::text, "
                 "          s.in_transaction::text, (before.status OPERATOR(pg_catalog.=) 'running')::text",
                 1, types, values, nullptr, SPI_OK_UPDATE_RETURNING);
    if (SPI_processed == 1) {
        run->claimed = true;
        run->version = value_at(0, 1, run->keep);
        run->name = value_at(0, 2, run->keep);
        run->script = value_at(0, 3, run->keep);
        run->down = value_at(0, 4, run->keep);
        run->verify = value_at(0, 5, run->keep);
        run->out_of_order = value_at(0, 6, run->keep);
        run->allow = value_at(0, 7, run->keep);
        run->in_transaction = strcmp(value_at(0, 8, run->keep), "true") == 0;
        run->interrupted = strcmp(value_at(0, 9, run->keep), "true") == 0;
    }
    leave_owner_scope(&scope);
}

// --- A failure ---------------------------------------------------------------

// The number after `label` in `text` (0 when absent).
int number_after(const char* text, const char* label) {
    if (text == nullptr) return 0;
    const char* at = strstr(text, label);
    return at ? atoi(at + strlen(label)) : 0;
}

// The line of the script where an error inside statement `statement` was
// reported: the statement's first line, plus the lines before the error's
// position in it.
int line_of_error(const Run* run, int statement, const ErrorData* error) {
    if (statement < 1 || statement > run->statements) return 0;
    const char* text = run->texts[statement - 1];
    int line = run->lines[statement - 1];
    int chars = 1;
    for (const char* p = text; *p != '\0' && chars < error->cursorpos; p += pg_mblen(p), chars++)
        if (*p == '\n') line++;
    return line;
}

void record_failure(Run* run) {
    const ErrorData* error = run->error;
    const int statement = run->failed_statement;
    const int line = run->failed_line;
    // A statement that ran outside a transaction: its progress row says how far it got.
    if (!run->in_transaction && statement > 0) {
        Oid types[3] = {TEXTOID, INT4OID, TEXTOID};
        Datum values[3] = {CStringGetTextDatum(run->version), Int32GetDatum(statement),
                           CStringGetTextDatum(error->message ? error->message : "")};
        exec_or_fail("SELECT pg_catalog.migrate_step_failed($1, $2, $3)", 3, types, values, nullptr, SPI_OK_SELECT);
    }
    exec_or_fail("SELECT pg_catalog.array_agg(i.indexrelid::pg_catalog.regclass::pg_catalog.text ORDER BY 1)::text "
                 "  FROM pg_catalog.pg_index AS i WHERE NOT i.indisvalid",
                 0, nullptr, nullptr, nullptr, SPI_OK_SELECT);
    run->invalid_indexes = value_at(0, 1, run->keep);

    const char* message = error->message ? error->message : "unknown error";
    const char* sqlstate = unpack_sql_state(error->sqlerrcode);
    Oid types[10] = {INT4OID, INT4OID, INT4OID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID, INT4OID};
    Datum values[10] = {Int32GetDatum(run->id), Int32GetDatum(statement), Int32GetDatum(line),
                        CStringGetTextDatum(message), CStringGetTextDatum(sqlstate),
                        text_or_null(error->detail), text_or_null(error->hint),
                        text_or_null(run->invalid_indexes), Int32GetDatum(run->statements),
                        Int32GetDatum(run->done)};
    char nulls[10] = {' ', static_cast<char>(statement > 0 ? ' ' : 'n'), static_cast<char>(line > 0 ? ' ' : 'n'),
                      ' ', ' ', flag(error->detail), flag(error->hint), flag(run->invalid_indexes),
                      static_cast<char>(run->statements > 0 ? ' ' : 'n'), ' '};
    update_submission("UPDATE migrate.submissions SET status = 'failed', statement = $2, line = $3, error = $4, "
                      "       sqlstate = $5, detail = $6, hint = $7, invalid_indexes = $8::pg_catalog.text[], "
                      "       statements = coalesce($9, statements), done = $10, "
                      "       finished_at = pg_catalog.clock_timestamp(), worker_pid = NULL "
                      "WHERE id OPERATOR(pg_catalog.=) $1",
                      10, types, values, nulls);
}

void fail(Run* run, const ErrorData* error, int statement, int line) {
    run->error = error;
    run->failed_statement = statement;
    run->failed_line = line;
    ErrorData* again = in_transaction(record_failure, run);
    if (again != nullptr)
        ereport(LOG, (errmsg("pg_migrate runner could not record the failure of migration %s", run->version)));
}

// --- In one transaction ------------------------------------------------------

void apply_whole(Run* run) {
    Oid types[7] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
    Datum values[7] = {CStringGetTextDatum(run->version), CStringGetTextDatum(run->script), text_or_null(run->name),
                       text_or_null(run->down), text_or_null(run->verify), CStringGetTextDatum(run->out_of_order),
                       text_or_null(run->allow)};
    char nulls[7] = {' ', ' ', flag(run->name), flag(run->down), flag(run->verify), ' ', flag(run->allow)};
    exec_or_fail("SELECT status, statements::pg_catalog.text FROM pg_catalog.migrate_apply($1, $2, name => $3, "
                 "down => $4, verify => $5, out_of_order => $6::pg_catalog.bool, allow => $7::pg_catalog.text[])",
                 7, types, values, nulls, SPI_OK_SELECT);
    run->status = value_at(0, 1, run->keep);
    run->statements = atoi(value_at(0, 2, run->keep));
    run->done = run->statements;
    record_outcome(run);
}

void run_in_one_transaction(Run* run) {
    ErrorData* error = in_transaction(apply_whole, run);
    if (error == nullptr) return;
    // migrate_apply's errors name the statement: "migration 7, statement 2, line 5: ...".
    fail(run, error, number_after(error->context, ", statement "), number_after(error->context, ", line "));
}

// --- Statement by statement ----------------------------------------------------

void begin_steps(Run* run) {
    Oid types[5] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
    Datum values[5] = {CStringGetTextDatum(run->version), CStringGetTextDatum(run->script), text_or_null(run->name),
                       CStringGetTextDatum(run->out_of_order), text_or_null(run->allow)};
    char nulls[5] = {' ', ' ', flag(run->name), ' ', flag(run->allow)};
    exec_or_fail("SELECT status, done::pg_catalog.text, statements::pg_catalog.text FROM "
                 "pg_catalog.migrate_steps_begin($1, $2, $3, $4::pg_catalog.bool, $5::pg_catalog.text[])",
                 5, types, values, nulls, SPI_OK_SELECT);
    run->status = value_at(0, 1, run->keep);
    run->done = atoi(value_at(0, 2, run->keep));
    run->statements = atoi(value_at(0, 3, run->keep));
    if (strcmp(run->status, "skipped") == 0) {
        record_outcome(run);
        return;
    }
    Oid split_types[1] = {TEXTOID};
    Datum split_values[1] = {CStringGetTextDatum(run->script)};
    exec_or_fail("SELECT sql, line::pg_catalog.text FROM pg_catalog.migrate_split($1) ORDER BY statement", 1,
                 split_types, split_values, nullptr, SPI_OK_SELECT);
    if (static_cast<int>(SPI_processed) != run->statements)
        elog(ERROR, "migration %s was split into %d statements, expected %d", run->version,
             static_cast<int>(SPI_processed), run->statements);
    MemoryContext caller = MemoryContextSwitchTo(run->keep);
    run->texts = static_cast<char**>(palloc0(sizeof(char*) * Max(run->statements, 1)));
    run->lines = static_cast<int*>(palloc0(sizeof(int) * Max(run->statements, 1)));
    MemoryContextSwitchTo(caller);
    for (int i = 0; i < run->statements; i++) {
        run->texts[i] = const_cast<char*>(value_at(i, 1, run->keep));
        run->lines[i] = atoi(value_at(i, 2, run->keep));
    }
    record_position(run, run->done + 1);
}

void step_done(Run* run) {
    Oid types[2] = {TEXTOID, INT4OID};
    Datum values[2] = {CStringGetTextDatum(run->version), Int32GetDatum(run->done + 1)};
    exec_or_fail("SELECT pg_catalog.migrate_step_done($1, $2)", 2, types, values, nullptr, SPI_OK_SELECT);
    run->done++;
    record_position(run, run->done + 1);
}

void finish_steps(Run* run) {
    Oid types[5] = {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID};
    Datum values[5] = {CStringGetTextDatum(run->version), CStringGetTextDatum(run->script), text_or_null(run->name),
                       text_or_null(run->down), text_or_null(run->verify)};
    char nulls[5] = {' ', ' ', flag(run->name), flag(run->down), flag(run->verify)};
    exec_or_fail("SELECT status FROM pg_catalog.migrate_steps_finish($1, $2, $3, $4, $5)", 5, types, values, nulls,
                 SPI_OK_SELECT);
    run->status = value_at(0, 1, run->keep);
    record_outcome(run);
}

// The index a CREATE INDEX CONCURRENTLY names, when it exists and is
// INVALID: what a build killed half-way leaves (schema-qualified), or NULL.
const char* invalid_index_named_by(const char* sql) {
    List* parsed = pg_parse_query(sql);
    if (list_length(parsed) != 1) return nullptr;
    Node* stmt = linitial_node(RawStmt, parsed)->stmt;
    if (!IsA(stmt, IndexStmt)) return nullptr;
    IndexStmt* index = reinterpret_cast<IndexStmt*>(stmt);
    if (!index->concurrent || index->idxname == nullptr) return nullptr;
    Oid table = RangeVarGetRelid(index->relation, NoLock, true);
    if (!OidIsValid(table)) return nullptr;
    Oid schema = get_rel_namespace(table);
    Oid existing = get_relname_relid(index->idxname, schema);
    if (!OidIsValid(existing)) return nullptr;
    HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(existing));
    if (!HeapTupleIsValid(tuple)) return nullptr;
    const bool valid = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple))->indisvalid;
    ReleaseSysCache(tuple);
    return valid ? nullptr : quote_qualified_identifier(get_namespace_name(schema), index->idxname);
}

void find_leftover_index(Run* run) {
    const char* name = invalid_index_named_by(run->texts[run->done]);
    run->leftover_index = name ? MemoryContextStrdup(run->keep, name) : nullptr;
}

// A runner stopped during a concurrent index build leaves the index INVALID,
// and running the statement again would fail on it (or, with IF NOT EXISTS,
// keep it INVALID): it is dropped first, as it would have been had the build
// failed.  Only when resuming an interrupted run at that very statement.
void drop_index_left_by_interrupted_build(Run* run) {
    if (!run->interrupted || run->done >= run->statements) return;
    if (in_transaction(find_leftover_index, run) != nullptr || run->leftover_index == nullptr) return;
    const char* leftover_index = run->leftover_index;
    const char* drop = psprintf("DROP INDEX CONCURRENTLY %s", leftover_index);
    ereport(LOG, (errmsg("pg_migrate runner: dropping index %s, left INVALID by the interrupted run of migration %s",
                         leftover_index, run->version)));
    // Part of the statement it repairs, in the DDL log too.
    Attribution saved;
    begin_migration_attribution(run->version, false, &saved);
    attribute_statement(run->done + 1, drop);
    ErrorData* error = run_top_level_statement(drop, run->keep);
    end_migration_attribution(&saved);
    if (error != nullptr) ereport(LOG, (errmsg("could not drop index %s: %s", leftover_index, error->message)));
}

void run_statement_by_statement(Run* run) {
    ErrorData* error = in_transaction(begin_steps, run);
    if (error != nullptr) {
        fail(run, error, 0, 0);
        return;
    }
    if (strcmp(run->status, "skipped") == 0) return;
    drop_index_left_by_interrupted_build(run);
    while (run->done < run->statements) {
        CHECK_FOR_INTERRUPTS();
        const int statement = run->done + 1;
        error = run_top_level_statement(run->texts[statement - 1], run->keep);
        if (error != nullptr) {
            fail(run, error, statement, line_of_error(run, statement, error));
            return;
        }
        error = in_transaction(step_done, run);
        if (error != nullptr) {
            fail(run, error, statement, run->lines[statement - 1]);
            return;
        }
    }
    error = in_transaction(finish_steps, run);
    if (error != nullptr) fail(run, error, 0, 0);
}

void take_role(Oid role) {
    StartTransactionCommand();
    // As SET ROLE does, with its check that the session's user may.
    (void)set_config_option("role", GetUserNameFromId(role, false), PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SET,
                            true, 0, false);
    CommitTransactionCommand();
}

void wait_for_submitter(TransactionId xid) {
    StartTransactionCommand();
    XactLockTableWait(xid, nullptr, nullptr, XLTW_None);
    CommitTransactionCommand();
}

}  // namespace

bool start_migration_runner(int32 id, TransactionId after) {
    BackgroundWorker worker = pg_migrate_worker("migrate_runner_main", "pg_migrate runner");
    RunnerArgs args = {MyDatabaseId, GetSessionUserId(), GetUserId(), id, after};
    static_assert(sizeof(RunnerArgs) <= BGW_EXTRALEN, "runner arguments must fit in bgw_extra");
    memcpy(worker.bgw_extra, &args, sizeof(args));
    worker.bgw_notify_pid = 0;
    BackgroundWorkerHandle* handle;
    return RegisterDynamicBackgroundWorker(&worker, &handle);
}

void start_migration_runner_or_raise(int32 id, TransactionId after) {
    if (start_migration_runner(id, after)) return;
    ereport(ERROR, (errcode(ERRCODE_CONFIGURATION_LIMIT_EXCEEDED),
                    errmsg("could not start a background worker to run the migration"),
                    errdetail("Every background worker slot (max_worker_processes) is in use."),
                    errhint("Call migrate_wait() later to start it, or raise max_worker_processes.")));
}

}  // namespace pgm::pg

void migrate_runner_main(Datum) {
    using namespace pgm::pg;
    start_worker_signals();
    RunnerArgs args;
    memcpy(&args, MyBgworkerEntry->bgw_extra, sizeof(args));
    BackgroundWorkerInitializeConnectionByOid(args.database, args.session_user, 0);
    pgstat_report_appname("pg_migrate runner");
    if (args.role != args.session_user) take_role(args.role);

    MemoryContext keep = AllocSetContextCreate(TopMemoryContext, "pg_migrate runner", ALLOCSET_DEFAULT_SIZES);
    MemoryContextSwitchTo(keep);
    if (TransactionIdIsValid(args.after)) wait_for_submitter(args.after);

    Run* run = static_cast<Run*>(palloc0(sizeof(Run)));
    run->id = args.id;
    run->keep = keep;
    ErrorData* error = in_transaction(claim, run);
    if (error != nullptr || !run->claimed) proc_exit(0);
    if (run->in_transaction) run_in_one_transaction(run);
    else run_statement_by_statement(run);
    proc_exit(0);
}
