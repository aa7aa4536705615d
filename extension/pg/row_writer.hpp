// Rows inserted into the extension's own tables without SPI.
//
// PG zone.  A migration writes one ledger row and a DDL log row or two; as
// SPI INSERTs each of them paid for a plan check, an executor start-up and the
// re-reading of the table's CHECK constraints, several times the insert
// itself.  A RowWriter inserts the way logical replication applies a row
// (ExecSimpleRelationInsert): column defaults (identity included), NOT NULL and
// CHECK constraints, index entries (unique ones checked) and row triggers all
// happen as for an INSERT.  Privileges and row security are not checked.
// Between open and close the writer runs as the table's owner (a restricted
// operation, as in an OwnerScope), so defaults such as an identity's nextval
// and the table's triggers run with the owner's rights; when the table has
// triggers, search_path is pinned to "pg_catalog, pg_temp" for them too.
// Nothing else resolves a name: defaults and constraints are planned trees.
//
//   RowWriter* w = open_row_writer(relid);
//   set_column(w, "version", CStringGetTextDatum(v));   // unset columns get their default
//   insert_written_row(w);                             // the next row starts empty
//   close_row_writer(w);
//
// An error in between needs no cleanup: the transaction's abort closes the
// relation, frees the memory and restores the user and settings.
#pragma once
#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

struct RowWriter;

// Opens the table for inserts (RowExclusiveLock, held to the transaction's end)
// and switches to its owner until close_row_writer.
RowWriter* open_row_writer(Oid relid);
// Whether the table has `column` (a newer library over an older version's table).
bool has_column(const RowWriter* writer, const char* column);
// Sets `column` of the row being written; an error when the table has no such
// column.  The datum must stay valid until insert_written_row.
void set_column(RowWriter* writer, const char* column, Datum value, bool isnull = false);
// The same for text, NULL when `text` is NULL.
void set_text_column(RowWriter* writer, const char* column, const char* text);
// Inserts the row (defaults for the columns not set) and starts a new one.
void insert_written_row(RowWriter* writer);
// Closes the table (the lock stays), frees the writer and switches back to the
// user (and settings) of before open_row_writer.
void close_row_writer(RowWriter* writer);

}  // namespace pgm::pg
