// Classifying a migration's statements: what each one risks, decided from its
// real parse tree and the live catalog (migrate_lint, and every apply).
//
// PG zone.  The classifier runs while parse_script still holds the raw parse
// trees (see script_parser.hpp); what it keeps is palloc'd in the caller's
// context and outlives the trees.
//
// Risks, lowest first:
//   safe       nothing to fear (findings of this risk explain why a look-alike
//              of a risky operation is fine: "binary-coercible, no rewrite");
//   locking    blocks reads or writes of an existing table for longer than a
//              moment (a scan, a rewrite or an index build under its lock);
//   breaking   backward-incompatible for code already running;
//   data_loss  destroys stored data.  Decided from estimates here and exactly
//              at apply time by the finding's probe (data_loss.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

extern "C" {
#include "nodes/parsenodes.h"
#include "storage/lockdefs.h"
}

namespace pgm::pg {

enum class Risk : int { kSafe = 0, kLocking = 1, kBreaking = 2, kDataLoss = 3 };

const char* risk_name(Risk risk);

// What to count, at apply time, to know exactly what a statement destroys.
enum class ProbeKind : int {
    kTableRows,        // DROP TABLE, TRUNCATE, DELETE without WHERE: rows of `table`
    kColumnValues,     // DROP COLUMN: non-NULL values of `column`
    kOverwrittenRows,  // UPDATE without WHERE: rows with a non-NULL value in `columns`
    kChangedValues,    // ALTER COLUMN TYPE: values the new type does not keep
    kDependents,       // DROP SCHEMA/TYPE/DOMAIN/EXTENSION ... CASCADE: the tables and
                       // columns that go with `dropped` (rows and non-NULL values)
};

struct DataLossProbe {
    ProbeKind kind;
    RangeVar* table;          // the table (all but kDependents)
    bool only;                // ONLY: without inheritance children
    bool cascade;             // TRUNCATE ... CASCADE: also the tables referencing it
    const char* column;       // kColumnValues, kChangedValues
    List* columns;            // kOverwrittenRows: column names (String nodes)
    TypeName* new_type;       // kChangedValues
    ObjectType dropped_type;  // kDependents: OBJECT_SCHEMA, _TYPE, _DOMAIN or _EXTENSION
    Node* dropped;            // kDependents: the name as DropStmt has it
    bool members_only;        // kDependents: only an extension's own tables (no CASCADE)
};

struct Finding {
    Risk risk;
    const char* rule;     // stable name, e.g. "dropping-column"
    const char* object;   // what it is about, e.g. "users.legacy" (may be NULL)
    const char* message;
    const char* hint;
    bool also_breaking;        // a data_loss finding that is breaking too (a drop)
    DataLossProbe* probe;      // decided exactly at apply time, or NULL
};

// A lock the statement will take on an existing relation: taken beforehand,
// with a timeout and retries (lock_wait.hpp).
struct LockTarget {
    RangeVar* relation;
    LOCKMODE mode;
};

struct StatementAnalysis {
    int finding_count;
    Finding* findings;
    int lock_count;
    LockTarget* locks;
};

// What earlier statements of the same script created (tables, columns),
// renamed or dropped: a table created in the migration is never `locking`
// and losing its rows is no data loss.
struct ScriptFacts;
ScriptFacts* new_script_facts();

// Classifies one statement; `facts` carries what the statements before it
// did.  Uses the catalog (relation sizes, column types, functions'
// volatility) without taking locks.
StatementAnalysis* analyze_statement(Node* stmt, ScriptFacts* facts);

// The highest risk of a statement's findings.
Risk statement_risk(const StatementAnalysis* analysis);

}  // namespace pgm::pg
