// PG zone: see tables.hpp.
#include "tables.hpp"

#include "columns.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "commands/defrem.h"
#include "nodes/makefuncs.h"
#include "storage/lock.h"
#include "utils/hsearch.h"
}

namespace pgm::pg::safety {

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

void remember_created_relation(Builder* b, Node* stmt) {
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
        default:
            return;
    }
}

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
            if (object_created(b->facts, ObjectKind::kSchema, stmt->subname)) {
                remember_object(b->facts, ObjectKind::kSchema, stmt->newname);
                return;
            }
            add(b, Risk::kBreaking, "renaming-schema", pstrdup(stmt->subname),
                psprintf("renaming schema %s breaks code that uses the old name", stmt->subname),
                "Create the new schema and move objects while code uses both.");
            return;
        default:
            return;
    }
}

void analyze_set_schema(Builder* b, AlterObjectSchemaStmt* stmt) {
    if (stmt->relation == nullptr || relation_created(b->facts, stmt->relation)) return;
    add_lock(b, stmt->relation, AccessExclusiveLock);
    add(b, Risk::kBreaking, "moving-to-schema", display_name(stmt->relation),
        psprintf("moving %s to schema %s breaks code that uses its old name", display_name(stmt->relation),
                 stmt->newschema),
        "Create a view under the old name while code moves.");
}

void analyze_lock_table(Builder* b, LockStmt* stmt) {
    ListCell* lc;
    foreach (lc, stmt->relations) {
        RangeVar* rv = lfirst_node(RangeVar, lc);
        if (relation_created(b->facts, rv)) continue;
        if (!stmt->nowait) add_lock(b, rv, stmt->mode);
        if (stmt->mode >= ShareLock)
            add(b, Risk::kLocking, "lock-table", display_name(rv),
                psprintf("LOCK TABLE %s IN %s MODE blocks writes until the migration commits", display_name(rv),
                         GetLockmodeName(DEFAULT_LOCKMETHOD, stmt->mode)),
                "Keep the migration short after it, or take a weaker lock.");
    }
}

namespace {

constexpr const char* kRepackHint =
    "Use pg_repack (or REPACK CONCURRENTLY where the server has it), or do it in a maintenance window.";

}  // namespace

void analyze_cluster(Builder* b, ClusterStmt* stmt) {
    if (stmt->relation == nullptr || relation_created(b->facts, stmt->relation)) return;
    add_lock(b, stmt->relation, AccessExclusiveLock);
    report_locking(b, stmt->relation, "clustering-table", display_name(stmt->relation),
                   psprintf("CLUSTER rewrites %s under ACCESS EXCLUSIVE, blocking reads too",
                            display_name(stmt->relation)),
                   kRepackHint);
}

// VACUUM runs outside a transaction only (a migration marked no-transaction).
void analyze_vacuum(Builder* b, VacuumStmt* stmt) {
    bool full = false;
    ListCell* lc;
    foreach (lc, stmt->options) {
        DefElem* option = lfirst_node(DefElem, lc);
        if (strcmp(option->defname, "full") == 0) full = option->arg == nullptr || defGetBoolean(option);
    }
    if (!stmt->is_vacuumcmd || !full) return;
    if (stmt->rels == NIL) {
        add(b, Risk::kLocking, "vacuum-full", "the database",
            "VACUUM FULL rewrites every table of the database, each under ACCESS EXCLUSIVE, blocking reads too",
            kRepackHint);
        return;
    }
    foreach (lc, stmt->rels) {
        RangeVar* rv = lfirst_node(VacuumRelation, lc)->relation;
        if (rv == nullptr || relation_created(b->facts, rv)) continue;
        report_locking(b, rv, "vacuum-full", display_name(rv),
                       psprintf("VACUUM FULL rewrites %s under ACCESS EXCLUSIVE, blocking reads too", display_name(rv)),
                       kRepackHint);
    }
}

void analyze_table_rewrite(Builder* b, const RangeVar* table) {
    report_locking(b, table, "rewriting-table", display_name(table),
                   psprintf("this ALTER TABLE rewrites %s under ACCESS EXCLUSIVE", display_name(table)),
                   "Do it in a maintenance window, or copy into a new table.");
}

void analyze_refresh(Builder* b, RefreshMatViewStmt* stmt) {
    if (relation_created(b->facts, stmt->relation)) return;
    add_lock(b, stmt->relation, stmt->concurrent ? ExclusiveLock : AccessExclusiveLock);
    if (stmt->concurrent) return;
    report_locking(b, stmt->relation, "refreshing-materialized-view", display_name(stmt->relation),
                   psprintf("REFRESH MATERIALIZED VIEW %s blocks reads of it until done", display_name(stmt->relation)),
                   "REFRESH MATERIALIZED VIEW CONCURRENTLY (needs a unique index).");
}

}  // namespace pgm::pg::safety
