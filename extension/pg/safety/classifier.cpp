// PG zone: see classifier.hpp.  The rules follow the merged list of unsafe
// operations (squawk, strong_migrations, Atlas); each names its rule, the
// object, why, and the safe way.  This file dispatches a statement to its
// part of safety/ (alter_table, columns, writes) and classifies the rest:
// CREATE statements, renames, enums, and what remains.
#include "classifier.hpp"

#include "alter_table.hpp"
#include "columns.hpp"
#include "statement_builder.hpp"
#include "writes.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "storage/lock.h"
#include "utils/hsearch.h"
}

namespace pgm::pg {

const char* risk_name(Risk risk) {
    switch (risk) {
        case Risk::kSafe: return "safe";
        case Risk::kLocking: return "locking";
        case Risk::kBreaking: return "breaking";
        case Risk::kDataLoss: return "data_loss";
    }
    return "safe";
}

namespace safety {
namespace {

// ---------------------------------------------------------------------------
// CREATE statements: remembered, so later statements know the object is new.

void analyze_create_table(Builder* b, CreateStmt* stmt) {
    ListCell* lc;
    foreach (lc, stmt->tableElts) {
        Node* element = (Node*)lfirst(lc);
        if (IsA(element, ColumnDef)) {
            ColumnDef* col = castNode(ColumnDef, element);
            advise_on_column_type(b, stmt->relation, col);
            Constraint* fk = find_constraint(col, CONSTR_FOREIGN);
            if (fk != nullptr) add_lock(b, fk->pktable, ShareRowExclusiveLock);
        } else if (IsA(element, Constraint) && castNode(Constraint, element)->contype == CONSTR_FOREIGN) {
            add_lock(b, castNode(Constraint, element)->pktable, ShareRowExclusiveLock);
        }
    }
    if (stmt->partbound != nullptr && stmt->inhRelations != NIL)
        add_lock(b, linitial_node(RangeVar, stmt->inhRelations), AccessExclusiveLock);
    remember_relation(b->facts, stmt->relation);
}

void analyze_create_index(Builder* b, IndexStmt* stmt) {
    if (stmt->idxname != nullptr)
        remember_relation(b->facts, makeRangeVar(stmt->relation->schemaname, stmt->idxname, -1));
    if (stmt->concurrent || relation_created(b->facts, stmt->relation)) return;
    add_lock(b, stmt->relation, ShareLock);
    const char* object = stmt->idxname != nullptr ? pstrdup(stmt->idxname) : display_name(stmt->relation);
    report_locking(b, stmt->relation, "creating-index", object,
                   psprintf("CREATE INDEX on %s blocks writes to it until the index is built",
                            display_name(stmt->relation)),
                   "CREATE INDEX CONCURRENTLY, in a migration of its own (it cannot run in a transaction).");
}

// ---------------------------------------------------------------------------
// Renames and the rest.

void analyze_rename(Builder* b, RenameStmt* stmt) {
    switch (stmt->renameType) {
        case OBJECT_TABLE:
        case OBJECT_VIEW:
        case OBJECT_MATVIEW:
        case OBJECT_FOREIGN_TABLE: {
            RangeVar* renamed = makeRangeVar(stmt->relation->schemaname, stmt->newname, -1);
            if (relation_created(b->facts, stmt->relation)) {
                remember_relation(b->facts, renamed);
                return;
            }
            add_lock(b, stmt->relation, AccessExclusiveLock);
            RangeVar* original = copyObject(original_relation(b->facts, stmt->relation));
            FactKey key{};
            strlcpy(key.key, relation_key(renamed->schemaname, renamed->relname), kKeySize);
            bool found;
            static_cast<RenamedEntry*>(hash_search(b->facts->renamed, &key, HASH_ENTER, &found))->original = original;
            add(b, Risk::kBreaking, "renaming-table", display_name(stmt->relation),
                psprintf("renaming %s to %s breaks code that uses the old name", display_name(stmt->relation),
                         stmt->newname),
                "Expand and contract: create a view with the new name, move the code, then rename.");
            return;
        }
        case OBJECT_COLUMN:
            if (column_created(b->facts, stmt->relation, stmt->subname)) {
                remember_column(b->facts, stmt->relation, stmt->newname);
                return;
            }
            add_lock(b, stmt->relation, AccessExclusiveLock);
            add(b, Risk::kBreaking, "renaming-column", psprintf("%s.%s", display_name(stmt->relation), stmt->subname),
                psprintf("renaming column %s.%s to %s breaks code that uses the old name",
                         display_name(stmt->relation), stmt->subname, stmt->newname),
                "Expand and contract: add the new column, write both, backfill, move readers, drop the old.");
            return;
        case OBJECT_SCHEMA:
            add(b, Risk::kBreaking, "renaming-schema", pstrdup(stmt->subname),
                psprintf("renaming schema %s breaks code that uses the old name", stmt->subname),
                "Create the new schema and move objects while code uses both.");
            return;
        default:
            return;
    }
}

void analyze_alter_enum(Builder* b, AlterEnumStmt* stmt) {
    const char* type = NameListToString(stmt->typeName);
    if (stmt->oldVal != nullptr) {
        add(b, Risk::kBreaking, "renaming-enum-value", type,
            psprintf("renaming value '%s' of %s breaks code that uses it", stmt->oldVal, type),
            "Add the new value, move the code and the data, then stop using the old one.");
        return;
    }
    if (stmt->newValNeighbor == nullptr)
        add(b, Risk::kSafe, "enum-value-without-position", type,
            psprintf("value '%s' is added at the end of %s, which changes nothing for comparisons only if that is "
                     "the order you want", stmt->newVal, type),
            "Say BEFORE or AFTER to place it.");
}

void analyze_other(Builder* b, Node* stmt) {
    switch (nodeTag(stmt)) {
        case T_CreateTableAsStmt:
            remember_relation(b->facts, castNode(CreateTableAsStmt, stmt)->into->rel);
            return;
        case T_SelectStmt:
            if (castNode(SelectStmt, stmt)->intoClause != nullptr)
                remember_relation(b->facts, castNode(SelectStmt, stmt)->intoClause->rel);
            return;
        case T_ViewStmt:
            remember_relation(b->facts, castNode(ViewStmt, stmt)->view);
            return;
        case T_CreateSeqStmt:
            remember_relation(b->facts, castNode(CreateSeqStmt, stmt)->sequence);
            return;
        case T_InsertStmt:
            add_lock(b, castNode(InsertStmt, stmt)->relation, RowExclusiveLock);
            return;
        case T_CreateTrigStmt:
            add_lock(b, castNode(CreateTrigStmt, stmt)->relation, ShareRowExclusiveLock);
            return;
        case T_ReindexStmt: {
            ReindexStmt* r = castNode(ReindexStmt, stmt);
            if (r->relation == nullptr || relation_created(b->facts, r->relation)) return;
            ListCell* lc;
            foreach (lc, r->params) {
                if (strcmp(lfirst_node(DefElem, lc)->defname, "concurrently") == 0) return;
            }
            if (r->kind == REINDEX_OBJECT_TABLE) add_lock(b, r->relation, ShareLock);
            report_locking(b, r->relation, "reindexing", display_name(r->relation),
                           psprintf("REINDEX of %s blocks writes until the indexes are rebuilt",
                                    display_name(r->relation)),
                           "REINDEX ... CONCURRENTLY, in a migration of its own.");
            return;
        }
        case T_ClusterStmt: {
            ClusterStmt* c = castNode(ClusterStmt, stmt);
            if (c->relation == nullptr || relation_created(b->facts, c->relation)) return;
            add_lock(b, c->relation, AccessExclusiveLock);
            report_locking(b, c->relation, "clustering-table", display_name(c->relation),
                           psprintf("CLUSTER rewrites %s under ACCESS EXCLUSIVE, blocking reads too",
                                    display_name(c->relation)),
                           "Use pg_repack, or do it in a maintenance window.");
            return;
        }
        case T_RefreshMatViewStmt: {
            RefreshMatViewStmt* r = castNode(RefreshMatViewStmt, stmt);
            if (relation_created(b->facts, r->relation)) return;
            add_lock(b, r->relation, r->concurrent ? ExclusiveLock : AccessExclusiveLock);
            if (!r->concurrent)
                report_locking(b, r->relation, "refreshing-materialized-view", display_name(r->relation),
                               psprintf("REFRESH MATERIALIZED VIEW %s blocks reads of it until done",
                                        display_name(r->relation)),
                               "REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index).");
            return;
        }
        case T_LockStmt: {
            LockStmt* l = castNode(LockStmt, stmt);
            ListCell* lc;
            foreach (lc, l->relations) {
                RangeVar* rv = lfirst_node(RangeVar, lc);
                if (relation_created(b->facts, rv)) continue;
                if (!l->nowait) add_lock(b, rv, l->mode);
                if (l->mode >= ShareLock)
                    add(b, Risk::kLocking, "lock-table", display_name(rv),
                        psprintf("LOCK TABLE %s IN %s MODE blocks writes until the migration commits",
                                 display_name(rv), GetLockmodeName(DEFAULT_LOCKMETHOD, l->mode)),
                        "Keep the migration short after it, or take a weaker lock.");
            }
            return;
        }
        case T_AlterDomainStmt: {
            AlterDomainStmt* d = castNode(AlterDomainStmt, stmt);
            if (d->subtype == 'C' && d->def != nullptr && !castNode(Constraint, d->def)->skip_validation)
                add(b, Risk::kLocking, "adding-domain-constraint", NameListToString(d->typeName),
                    psprintf("adding a constraint to domain %s checks every column of that type while "
                             "blocking writes", NameListToString(d->typeName)),
                    "Add it NOT VALID, then VALIDATE CONSTRAINT in a later migration.");
            return;
        }
        case T_AlterObjectSchemaStmt: {
            AlterObjectSchemaStmt* s = castNode(AlterObjectSchemaStmt, stmt);
            if (s->relation == nullptr || relation_created(b->facts, s->relation)) return;
            add_lock(b, s->relation, AccessExclusiveLock);
            add(b, Risk::kBreaking, "moving-to-schema", display_name(s->relation),
                psprintf("moving %s to schema %s breaks code that uses its old name", display_name(s->relation),
                         s->newschema),
                "Create a view under the old name while code moves.");
            return;
        }
        case T_DropdbStmt:
            add(b, Risk::kDataLoss, "dropping-database", pstrdup(castNode(DropdbStmt, stmt)->dbname),
                psprintf("DROP DATABASE %s destroys everything in it", castNode(DropdbStmt, stmt)->dbname),
                "Never from a migration.");
            return;
        default:
            return;
    }
}

}  // namespace
}  // namespace safety

// ---------------------------------------------------------------------------
// The entry points (classifier.hpp).

using namespace safety;

ScriptFacts* new_script_facts() {
    ScriptFacts* facts = static_cast<ScriptFacts*>(palloc0(sizeof(ScriptFacts)));
    HASHCTL ctl;
    memset(&ctl, 0, sizeof(ctl));
    ctl.keysize = kKeySize;
    ctl.entrysize = sizeof(FactKey);
    ctl.hcxt = CurrentMemoryContext;
    facts->created = hash_create("pg_migrate script facts", 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
    ctl.entrysize = sizeof(RenamedEntry);
    facts->renamed = hash_create("pg_migrate script renames", 16, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
    return facts;
}

StatementAnalysis* analyze_statement(Node* stmt, ScriptFacts* facts) {
    Builder b{facts, NIL, NIL};
    switch (nodeTag(stmt)) {
        case T_AlterTableStmt: analyze_alter_table(&b, castNode(AlterTableStmt, stmt)); break;
        case T_CreateStmt: analyze_create_table(&b, castNode(CreateStmt, stmt)); break;
        case T_IndexStmt: analyze_create_index(&b, castNode(IndexStmt, stmt)); break;
        case T_DropStmt: analyze_drop(&b, castNode(DropStmt, stmt)); break;
        case T_TruncateStmt: analyze_truncate(&b, castNode(TruncateStmt, stmt)); break;
        case T_DeleteStmt: analyze_delete(&b, castNode(DeleteStmt, stmt)); break;
        case T_UpdateStmt: analyze_update(&b, castNode(UpdateStmt, stmt)); break;
        case T_MergeStmt: analyze_merge(&b, castNode(MergeStmt, stmt)); break;
        case T_RenameStmt: analyze_rename(&b, castNode(RenameStmt, stmt)); break;
        case T_AlterEnumStmt: analyze_alter_enum(&b, castNode(AlterEnumStmt, stmt)); break;
        default: analyze_other(&b, stmt); break;
    }
    StatementAnalysis* analysis = static_cast<StatementAnalysis*>(palloc0(sizeof(StatementAnalysis)));
    analysis->finding_count = list_length(b.findings);
    analysis->findings = static_cast<Finding*>(palloc0(sizeof(Finding) * (analysis->finding_count + 1)));
    int i = 0;
    ListCell* lc;
    foreach (lc, b.findings) analysis->findings[i++] = *static_cast<Finding*>(lfirst(lc));
    analysis->lock_count = list_length(b.locks);
    analysis->locks = static_cast<LockTarget*>(palloc0(sizeof(LockTarget) * (analysis->lock_count + 1)));
    i = 0;
    foreach (lc, b.locks) analysis->locks[i++] = *static_cast<LockTarget*>(lfirst(lc));
    return analysis;
}

Risk statement_risk(const StatementAnalysis* analysis) {
    Risk highest = Risk::kSafe;
    for (int i = 0; i < analysis->finding_count; i++)
        if (analysis->findings[i].risk > highest) highest = analysis->findings[i].risk;
    return highest;
}

}  // namespace pgm::pg
