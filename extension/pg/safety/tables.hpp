// Tables as a whole: created, renamed, moved to another schema, locked,
// rewritten (CLUSTER, VACUUM FULL, SET TABLESPACE ...), refreshed.
//
// PG zone; internal to safety/ (see statement_builder.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "statement_builder.hpp"

namespace pgm::pg::safety {

// CREATE TABLE; the table is remembered as new.
void analyze_create_table(Builder* b, CreateStmt* stmt);

// CREATE TABLE AS, SELECT INTO, CREATE VIEW, CREATE SEQUENCE: remembered as
// new.
void remember_created_relation(Builder* b, Node* stmt);

// ALTER ... RENAME of a table (or view), a column or a schema.
void analyze_rename(Builder* b, RenameStmt* stmt);

// ALTER TABLE ... SET SCHEMA.
void analyze_set_schema(Builder* b, AlterObjectSchemaStmt* stmt);

// LOCK TABLE.
void analyze_lock_table(Builder* b, LockStmt* stmt);

// CLUSTER and VACUUM FULL: the table rewritten under ACCESS EXCLUSIVE.
void analyze_cluster(Builder* b, ClusterStmt* stmt);
void analyze_vacuum(Builder* b, VacuumStmt* stmt);

// An ALTER TABLE subcommand that rewrites the table (SET TABLESPACE, SET
// ACCESS METHOD, SET LOGGED / UNLOGGED).
void analyze_table_rewrite(Builder* b, const RangeVar* table);

// REFRESH MATERIALIZED VIEW.
void analyze_refresh(Builder* b, RefreshMatViewStmt* stmt);

}  // namespace pgm::pg::safety
