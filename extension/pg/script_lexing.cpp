// PG zone: see script_lexing.hpp.
#include "script_lexing.hpp"

#include "subtransaction.hpp"

extern "C" {
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "utils/guc.h"
}

namespace pgm::pg {

bool StatementEnds::ends_statement(int token) {
    const bool ends = token == ';' && parens == 0 && atomic_depth == 0;
    if (token == '(') parens++;
    if (token == ')' && parens > 0) parens--;
    if (token == tokens.atomic && previous == tokens.begin) atomic_depth = 1;
    else if (atomic_depth > 0 && token == tokens.case_) atomic_depth++;
    else if (atomic_depth > 0 && token == tokens.end) atomic_depth--;
    previous = token;
    return ends;
}

// The interrupt holdoff counts errfinish() zeroed are put back.
bool without_script_errors(void (*work)(void*), void* arg) {
    MemoryContext context = CurrentMemoryContext;
    const uint32 interrupt_holdoff = InterruptHoldoffCount;
    const uint32 cancel_holdoff = QueryCancelHoldoffCount;
    volatile bool ok = true;
    PG_TRY();
    {
        work(arg);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(context);
        ErrorData* error = CopyErrorData();
        if (error_about_the_server(error)) PG_RE_THROW();
        FlushErrorState();
        FreeErrorData(error);
        InterruptHoldoffCount = interrupt_holdoff;
        QueryCancelHoldoffCount = cancel_holdoff;
        ok = false;
    }
    PG_END_TRY();
    return ok;
}

bool lex_quietly(void (*work)(void*), void* arg) {
    const int nest_level = NewGUCNestLevel();
    set_config_option("client_min_messages", "error", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    set_config_option("log_min_messages", "error", PGC_SUSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
    const bool ok = without_script_errors(work, arg);
    AtEOXact_GUC(false, nest_level);
    return ok;
}

}  // namespace pgm::pg
