// Constraints of an existing table: added (validated now, NOT VALID, NOT
// ENFORCED, with an index), validated, enforced, dropped.
//
// PG zone; internal to safety/ (see statement_builder.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "statement_builder.hpp"

namespace pgm::pg::safety {

// ALTER TABLE ... ADD CONSTRAINT; one added NOT VALID is remembered.
void analyze_add_constraint(Builder* b, const RangeVar* table, Constraint* c);

// ALTER TABLE ... VALIDATE CONSTRAINT.
void analyze_validate_constraint(Builder* b, const RangeVar* table, const char* name);

// ALTER TABLE ... ALTER CONSTRAINT ... ENFORCED (18).
void analyze_enforce_constraint(Builder* b, const RangeVar* table, const AlterTableCmd* cmd);

// ALTER TABLE ... DROP CONSTRAINT.
void analyze_drop_constraint(Builder* b, const RangeVar* table, const AlterTableCmd* cmd);

}  // namespace pgm::pg::safety
