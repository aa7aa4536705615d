// Types and domains: enum values renamed or appended, domains whose
// constraints can only change under a lock on every table that uses them.
//
// PG zone; internal to safety/ (see statement_builder.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "statement_builder.hpp"

namespace pgm::pg::safety {

// ALTER TYPE ... RENAME VALUE / ADD VALUE.
void analyze_alter_enum(Builder* b, AlterEnumStmt* stmt);

// CREATE DOMAIN ... CHECK / NOT NULL.
void analyze_create_domain(Builder* b, CreateDomainStmt* stmt);

// ALTER DOMAIN ... ADD CONSTRAINT, VALIDATE CONSTRAINT, SET NOT NULL, DROP
// NOT NULL, DROP CONSTRAINT.
void analyze_alter_domain(Builder* b, AlterDomainStmt* stmt);

}  // namespace pgm::pg::safety
