// Citus's functions that move a table's rows (create_distributed_table,
// create_reference_table, alter_distributed_table, undistribute_table),
// called in a migration's SELECT: each copies every row of an existing table
// into shards on the workers while writes to it wait.
//
// PG zone; internal to safety/ (see statement_builder.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "statement_builder.hpp"

namespace pgm::pg::safety {

// The calls among a SELECT's output columns (SELECT create_distributed_table(...)).
void analyze_citus_calls(Builder* b, SelectStmt* stmt);

}  // namespace pgm::pg::safety
