// Running PG-zone work in an internal subtransaction, the way PL/pgSQL runs
// a block with an EXCEPTION clause.  PG zone.
//
// A subtransaction that writes nothing takes no transaction ID, so waiting
// for a lock or counting rows in one costs no XID and never grows the
// subxid cache (see executor.hpp on why migrations use none per statement).
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

// Runs work(arg) in a subtransaction.  When it succeeds the subtransaction is
// committed (keep: its locks and effects belong to the caller's transaction)
// or rolled back.  When it fails the subtransaction is rolled back and the
// error is returned, copied into the caller's memory context, instead of
// raised: the caller decides whether to re-raise it (ReThrowError).
ErrorData* run_in_subtransaction(void (*work)(void*), void* arg, bool keep);

// Whether an error is about the server rather than about what the work was
// given: out of resources, a cancel or shutdown, a system, internal or
// connection error.  Such an error is raised again, never taken as an answer.
bool error_about_the_server(const ErrorData* error);

}  // namespace pgm::pg
