// Indexes: built, dropped or rebuilt without CONCURRENTLY, each under a lock
// that blocks writes (or reads too) of an existing table.
//
// PG zone; internal to safety/ (see statement_builder.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "statement_builder.hpp"

namespace pgm::pg::safety {

// CREATE INDEX; the index is remembered as new.
void analyze_create_index(Builder* b, IndexStmt* stmt);

// One index of DROP INDEX (`names`: its qualified name).
void analyze_drop_index(Builder* b, const DropStmt* stmt, List* names);

// REINDEX of an index, a table, a schema or the database.
void analyze_reindex(Builder* b, ReindexStmt* stmt);

}  // namespace pgm::pg::safety
