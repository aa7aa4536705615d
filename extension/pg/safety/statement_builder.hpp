// The pieces every part of the classifier shares (safety/): what earlier
// statements of the script did (ScriptFacts), and the Builder a statement's
// findings and locks are added to.  Internal to safety/: the rest of the
// extension uses classifier.hpp.  Dependencies point one way: classifier.cpp
// -> alter_table -> the rule families (tables, columns, constraints, indexes,
// partitions, types, drops, writes) -> statement_builder.
//
// PG zone; what is built is palloc'd in the caller's context.
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "../catalog_facts.hpp"
#include "classifier.hpp"

extern "C" {
#include "nodes/parsenodes.h"
#include "nodes/pg_list.h"
#include "storage/lockdefs.h"
#include "utils/hsearch.h"
}

namespace pgm::pg {

// ---------------------------------------------------------------------------
// What earlier statements of the script did.

struct ScriptFacts {
    HTAB* created;   // keys: "rel", "schema.rel", "rel\x1f" "column"
    HTAB* renamed;   // new name key -> the original RangeVar (RenamedEntry)
};

namespace safety {

constexpr int kKeySize = 3 * NAMEDATALEN + 8;
struct FactKey {
    char key[kKeySize];
};
struct RenamedEntry {
    char key[kKeySize];
    RangeVar* original;
};

// "rel", or "schema.rel" when `schema` is given.
const char* relation_key(const char* schema, const char* relname);

void remember_relation(ScriptFacts* facts, const RangeVar* rv);
bool relation_created(const ScriptFacts* facts, const RangeVar* rv);

void remember_column(ScriptFacts* facts, const RangeVar* rv, const char* column);
// Created by the script, or of a table the script created.
bool column_created(const ScriptFacts* facts, const RangeVar* rv, const char* column);

// A constraint the script added NOT VALID (by name, on the table as written).
void remember_unvalidated_constraint(ScriptFacts* facts, const RangeVar* rv, const char* constraint);
bool unvalidated_constraint_added(const ScriptFacts* facts, const RangeVar* rv, const char* constraint);

// Objects other than relations the script created, by their name as written
// ("name" or "schema.name"): dropping or altering them later in the script
// affects nothing that existed before.
enum class ObjectKind : char { kType = 't', kSchema = 's', kFunction = 'f', kExtension = 'e' };
void remember_object(ScriptFacts* facts, ObjectKind kind, const char* name);
bool object_created(const ScriptFacts* facts, ObjectKind kind, const char* name);

// A table renamed earlier in the script is still the original table: its
// statistics and columns are found under the old name.
RangeVar* original_relation(const ScriptFacts* facts, const RangeVar* rv);

// "schema.rel" or "rel", as written.
const char* display_name(const RangeVar* rv);

// ---------------------------------------------------------------------------
// Building a statement's analysis.

struct Builder {
    ScriptFacts* facts;
    List* findings;  // of Finding*
    List* locks;     // of LockTarget*
};

Finding* add(Builder* b, Risk risk, const char* rule, const char* object, const char* message,
             const char* hint);

// A lock the statement takes on `rv`, unless the script created it.
void add_lock(Builder* b, const RangeVar* rv, LOCKMODE mode);

DataLossProbe* new_probe(ProbeKind kind, const ScriptFacts* facts, const RangeVar* table);

// A table the script did not create: its facts from the catalog.  A table the
// database does not have counts as existing, of unknown size.
RelationFacts existing_facts(const Builder* b, const RangeVar* rv);

// An operation holding a strong lock on `rv` for a scan or rewrite: locking,
// unless the table is small (then a `safe` finding says so).
void report_locking(Builder* b, const RangeVar* rv, const char* rule, const char* object,
                    const char* message, const char* hint);

// Whether the table may hold rows by its statistics (unknown counts as yes).
bool may_have_rows(const RelationFacts& facts);

// ---------------------------------------------------------------------------
// The constraints of a column definition (CREATE TABLE, ADD COLUMN).

Constraint* find_constraint(const ColumnDef* col, ConstrType type);
bool has_constraint(const ColumnDef* col, ConstrType type);

}  // namespace safety
}  // namespace pgm::pg
