// Evidence of what a migration did, statement by statement: rows processed,
// locks taken on relations other sessions can see, tables rewritten (from the
// table_rewrite event) and how long each statement took.  Collected by the
// dry run, and by any apply when migrate.report is on; returned as the
// `report` column of migrate_apply.  PG zone.
//
// A statement's locks are those it newly holds after it ran (the lock
// manager, as pg_locks shows it) and those the classifier predicted and
// lock_wait.hpp took before it (which it needs even when held already, as
// after an earlier statement of the same transaction), the strongest mode per
// relation.  Relations created in the current transaction are left out: no
// other session can see them, so their locks block nobody and rewriting them
// costs nothing.
#pragma once

#include "script_parser.hpp"

namespace pgm::pg {

struct MigrationEvidence;

// Evidence for statements first..last of `script`, allocated in the current
// memory context (which must outlive the run: it survives SPI and the dry
// run's subtransaction).
MigrationEvidence* new_migration_evidence(const ParsedScript* script, int first, int last);

// Called by the executor around the run and around each statement:
// evidence_statement_start before the statement's locks are taken (its time
// includes waiting for them) returns the array take_statement_locks fills
// with the relations it locked; evidence_statement_locked after that.
void evidence_begin(MigrationEvidence* evidence);
Oid* evidence_statement_start(MigrationEvidence* evidence, int index);
void evidence_statement_locked(MigrationEvidence* evidence);
void evidence_after_statement(MigrationEvidence* evidence, uint64 rows);
void evidence_end(MigrationEvidence* evidence);

// Called by the table_rewrite event trigger: notes the rewrite on the
// statement being run, if evidence is being collected.
void evidence_note_rewrite();

// The report as JSON text: statements[] (statement, line, command, rows,
// duration_ms, locks[], rewrites[], findings[]) for the first 1,000
// statements (statements_listed of statements_total), and over all of them
// rows_total, tables_rewritten[] and locks[] (the strongest mode per relation
// and the statement that took it).
// `rolled_back` says whether what it describes was undone (the dry run).
const char* evidence_report_json(const MigrationEvidence* evidence, bool rolled_back);

}  // namespace pgm::pg
