// Waiting in a function for work another backend does, when that work may be
// a concurrent index build.  CREATE INDEX CONCURRENTLY waits, before it
// finishes, for every transaction whose snapshot is older than its own; a
// function that waits for the build inside such a transaction would wait for
// ever (until its timeout) for a build that waits for it.  PG zone.
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

// Whether the statement runs inside a transaction block (BEGIN, or several
// statements sent as one query string).
bool in_transaction_block();

// From now to the end of the current transaction, concurrent index builds do
// not wait for its snapshot: the flag PostgreSQL's own index builds set for
// each other (PROC_IN_SAFE_IC), which only those waits read and the end of
// the transaction clears.  Right only for a transaction that reads no table
// such a build could make an index for: call it in a statement of its own,
// outside a transaction block.
void let_index_builds_pass();

// Sleeps `ms` milliseconds, or less when the backend is signalled; acts on
// interrupts (cancel, terminate) either way.
void sleep_interruptibly(int ms);

// The current transaction's ID, assigned if it had none.
TransactionId this_transaction_id();

// An interval argument in milliseconds (NULL: `if_null`).
int64 interval_arg_ms(FunctionCallInfo fcinfo, int n, int64 if_null);

}  // namespace pgm::pg
