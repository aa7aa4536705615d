// PG zone: see top_level_statement.hpp.
#include "top_level_statement.hpp"

#include "../compat/pg_compat.hpp"

extern "C" {
#include "access/xact.h"
#include "parser/analyze.h"
#include "pgstat.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "tcop/utility.h"
#include "utils/backend_status.h"
#include "utils/portal.h"
#include "utils/snapmgr.h"
}

namespace pgm::pg {
namespace {

// Parse, analysis, planning and the portal, in the current transaction.
void run_in_portal(const char* sql) {
    List* parsed = pg_parse_query(sql);
    if (list_length(parsed) != 1) elog(ERROR, "expected one statement, found %d", list_length(parsed));
    RawStmt* raw = linitial_node(RawStmt, parsed);
    const bool needs_snapshot = analyze_requires_snapshot(raw);
    if (needs_snapshot) PushActiveSnapshot(GetTransactionSnapshot());
    List* queries = pg_analyze_and_rewrite_fixedparams(raw, sql, nullptr, 0, nullptr);
    List* plans = pg_plan_queries(queries, sql, CURSOR_OPT_PARALLEL_OK, nullptr);
    if (needs_snapshot) PopActiveSnapshot();

    Portal portal = CreatePortal("", true, true);
    portal->visible = false;
    PortalDefineQuery(portal, nullptr, sql, CreateCommandTag(raw->stmt), plans, nullptr);
    PortalStart(portal, nullptr, 0, InvalidSnapshot);
    DestReceiver* discard = CreateDestReceiver(DestNone);
    QueryCompletion completion;
    InitializeQueryCompletion(&completion);
    compat::run_portal(portal, true, discard, &completion);
    discard->rDestroy(discard);
    PortalDrop(portal, false);
}

}  // namespace

ErrorData* run_top_level_statement(const char* sql, MemoryContext keep) {
    ErrorData* volatile error = nullptr;
    // The parse and plan trees must outlive the transactions a concurrent
    // index build commits on its way (PostgreSQL keeps them in MessageContext).
    MemoryContext statement_context =
        AllocSetContextCreate(keep, "pg_migrate top-level statement", ALLOCSET_DEFAULT_SIZES);
    SetCurrentStatementStartTimestamp();
    debug_query_string = sql;
    pgstat_report_activity(STATE_RUNNING, sql);
    StartTransactionCommand();
    PG_TRY();
    {
        MemoryContextSwitchTo(statement_context);
        run_in_portal(sql);
        CommitTransactionCommand();
    }
    PG_CATCH();
    {
        HOLD_INTERRUPTS();
        MemoryContextSwitchTo(keep);
        error = CopyErrorData();
        EmitErrorReport();  // the server log, as for a client's failed query
        FlushErrorState();
        AbortCurrentTransaction();
        RESUME_INTERRUPTS();
    }
    PG_END_TRY();
    MemoryContextSwitchTo(keep);
    MemoryContextDelete(statement_context);
    debug_query_string = nullptr;
    pgstat_report_activity(STATE_IDLE, nullptr);
    return error;
}

}  // namespace pgm::pg
