// COPY ... FROM STDIN with its data in the migration script (psql_parts.hpp),
// run the way the server runs COPY FROM STDIN for psql: the same permission
// checks (INSERT on the columns, no row-level security, not in a read-only
// transaction), the same options, formats and WHERE clause, the rows fed to
// PostgreSQL's COPY machinery (BeginCopyFrom with a data callback) instead
// of read from the client connection.
//
// PG zone.
#pragma once

#include "script_parser.hpp"

namespace pgm::pg {

// Runs statement `st` (st->copy_data or st->copy_reader not NULL); the
// number of rows loaded.
// Errors are reported as for any statement, positions inside st->text.
uint64 run_inline_copy(const ScriptStatement* st);

// While an error raised by statement `st`'s COPY is being reported: the line
// of the script holding the row COPY was reading (its data's first line plus
// the rows read before it; a CSV record whose quoted fields hold line breaks
// counts as one line), else 0.
int copy_error_line(const ScriptStatement* st);

}  // namespace pgm::pg
