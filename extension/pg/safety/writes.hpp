// Writes that may destroy rows (TRUNCATE, DELETE, UPDATE, MERGE) or hold row
// locks on many of them (a backfill).  Decided from estimates here, exactly
// at apply time by a finding's probe (data_loss.hpp).
//
// PG zone; internal to safety/ (see statement_builder.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "statement_builder.hpp"

namespace pgm::pg::safety {

void analyze_truncate(Builder* b, TruncateStmt* stmt);
void analyze_delete(Builder* b, DeleteStmt* stmt);
void analyze_update(Builder* b, UpdateStmt* stmt);
void analyze_merge(Builder* b, MergeStmt* stmt);

}  // namespace pgm::pg::safety
