// DROP of tables and of what code uses (views, functions, types, schemas,
// extensions): breaking, and data loss when stored data goes with it.
// Decided from estimates here, exactly at apply time by a finding's probe
// (data_loss.hpp).
//
// PG zone; internal to safety/ (see statement_builder.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "statement_builder.hpp"

namespace pgm::pg::safety {

void analyze_drop(Builder* b, DropStmt* stmt);

}  // namespace pgm::pg::safety
