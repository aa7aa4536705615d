// Which migration, and which of its statements, is running in this backend.
//
// PG zone.  The DDL event triggers (ddl_events.cpp) attribute every schema
// change to a migration only through this backend-local state, and only the
// extension's own C functions set it: migrate_apply around each statement it
// runs, and the steps functions for the statement a client is about to run at
// top level.  No setting a user can change reaches it, so attribution can be
// neither faked nor hidden with SET.
#pragma once

#include "../bridge/pg_headers.hpp"
#include "script_parser.hpp"

namespace pgm::pg {

struct Attribution {
    const char* version;  // NULL: no migration statement is running
    int statement;        // 1-based statement number
    const char* text;     // the statement's SQL
    bool reverting;       // a down script run by migrate_revert
};

// migrate_apply (and migrate_revert, `reverting`): statements of `version` run until the matching
// end_migration_attribution, which restores `saved` (so nesting works; call it
// on error too).  attribute_statement names the statement running now.
void begin_migration_attribution(const char* version, bool reverting, Attribution* saved);
void attribute_statement(int statement, const char* text);
void end_migration_attribution(const Attribution* saved);

// The non-transactional path.  The client runs the statements of `version`
// one by one as top-level queries; `next` (1-based) is the one it runs next.
// A top-level query is attributed to the migration only when its text is
// exactly that statement's, so other commands in the session are not.
void expect_steps(const char* version, const ParsedScript* script, int next);
void step_completed(const char* version, int statement);
void forget_steps();

// The migration statement the current DDL belongs to, or NULL.
const Attribution* current_attribution();

// The text of the statement running now: the migration's statement when one
// is attributed, otherwise the top-level statement being executed (the one
// statement, not the whole multi-statement query string), or the query string.
const char* current_statement_text();

}  // namespace pgm::pg
