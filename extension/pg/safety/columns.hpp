// Column definitions and their changes: advice on a column's type, what
// ADD COLUMN, DROP COLUMN, ALTER COLUMN ... TYPE, SET / DROP NOT NULL and SET
// EXPRESSION cost on an existing table.
//
// PG zone; internal to safety/ (see statement_builder.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "statement_builder.hpp"

namespace pgm::pg::safety {

// CREATE TABLE and ADD COLUMN: char(n), timestamp, json, serial, a 32-bit
// primary key.
void advise_on_column_type(Builder* b, const RangeVar* table, const ColumnDef* col);

// ALTER TABLE ... ADD COLUMN on an existing table.
void analyze_add_column(Builder* b, const RangeVar* table, ColumnDef* col);

// ALTER TABLE ... ALTER COLUMN ... TYPE on an existing table.
void analyze_column_type(Builder* b, const RangeVar* table, AlterTableCmd* cmd);

// ALTER TABLE ... DROP COLUMN: data loss, and breaking.
void analyze_drop_column(Builder* b, const RangeVar* table, const char* column);

// ALTER TABLE ... ALTER COLUMN ... SET NOT NULL: a scan under ACCESS EXCLUSIVE.
void analyze_set_not_null(Builder* b, const RangeVar* table, const char* column);

// ALTER TABLE ... ALTER COLUMN ... DROP NOT NULL: breaking.
void analyze_drop_not_null(Builder* b, const RangeVar* table, const char* column);

// ALTER TABLE ... ALTER COLUMN ... SET EXPRESSION (17) on an existing column:
// a stored generated column is computed again for every row, a virtual one
// (18) only when read.
void analyze_set_expression(Builder* b, const RangeVar* table, const char* column);

}  // namespace pgm::pg::safety
