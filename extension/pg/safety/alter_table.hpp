// ALTER TABLE: each subcommand handed to its rule family (columns,
// constraints, partitions, tables); nothing is reported of a table the
// script created.
//
// PG zone; internal to safety/ (see statement_builder.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "statement_builder.hpp"

namespace pgm::pg::safety {

// Every subcommand of the statement; columns it adds are remembered.
void analyze_alter_table(Builder* b, AlterTableStmt* stmt);

}  // namespace pgm::pg::safety
