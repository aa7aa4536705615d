// PG zone: see writes.hpp.
#include "writes.hpp"

#include "../compat/pg_compat.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
}

namespace pgm::pg::safety {

// ---------------------------------------------------------------------------
// DROP, TRUNCATE, DELETE, UPDATE, MERGE: what may destroy data.

namespace {

void analyze_drop_table(Builder* b, DropStmt* stmt, List* names) {
    RangeVar* rv = makeRangeVarFromNameList(names);
    if (relation_created(b->facts, rv)) return;
    add_lock(b, rv, AccessExclusiveLock);
    RelationFacts facts = existing_facts(b, rv);
    if (!facts.exists && stmt->missing_ok) return;
    const char* object = display_name(rv);
    Finding* f = add(b, may_have_rows(facts) ? Risk::kDataLoss : Risk::kBreaking, "dropping-table", object,
                     psprintf("dropping table %s destroys its rows (%s; counted exactly when applied) and breaks "
                              "code that still uses it", object, describe_size(facts)),
                     "Stop using the table, deploy, keep a backup, then drop it; allow the loss with "
                     "allow => '{data_loss}' or -- migrate:allow data_loss.");
    f->also_breaking = true;
    f->probe = new_probe(ProbeKind::kTableRows, b->facts, rv);
}

const char* drop_rule(ObjectType type) {
    switch (type) {
        case OBJECT_VIEW: return "dropping-view";
        case OBJECT_MATVIEW: return "dropping-materialized-view";
        case OBJECT_SEQUENCE: return "dropping-sequence";
        case OBJECT_FUNCTION:
        case OBJECT_PROCEDURE:
        case OBJECT_ROUTINE:
        case OBJECT_AGGREGATE: return "dropping-function";
        case OBJECT_TYPE:
        case OBJECT_DOMAIN: return "dropping-type";
        case OBJECT_SCHEMA: return "dropping-schema";
        case OBJECT_EXTENSION: return "dropping-extension";
        case OBJECT_FOREIGN_TABLE: return "dropping-foreign-table";
        default: return nullptr;
    }
}

// UPDATE, DELETE or MERGE of an existing table: row locks until the migration
// commits, and, without WHERE, every row.
void analyze_backfill(Builder* b, RangeVar* rv, const char* verb) {
    RelationFacts facts = existing_facts(b, rv);
    if (!relation_is_small(facts))
        add(b, Risk::kLocking, "backfilling-in-migration", display_name(rv),
            psprintf("%s rows of %s holds their row locks until the migration commits (%s)", verb, display_name(rv),
                     describe_size(facts)),
            "Backfill in batches outside the schema migration (a migration without a transaction, or a job).");
}

}  // namespace

// DROP INDEX without CONCURRENTLY: ACCESS EXCLUSIVE on the index's table.
void analyze_drop_index(Builder* b, const DropStmt* stmt, List* names) {
    RangeVar* index = makeRangeVarFromNameList(names);
    if (stmt->concurrent || relation_created(b->facts, index)) return;
    RangeVar* table = table_of_index(index);
    if (table == nullptr && stmt->missing_ok) return;
    // An index the database does not have (CI lints against an empty one):
    // its table is taken to be large.
    RangeVar* locked = table != nullptr ? table : index;
    add_lock(b, table, AccessExclusiveLock);
    report_locking(b, locked, "dropping-index", display_name(index),
                   psprintf("DROP INDEX %s takes ACCESS EXCLUSIVE on %s until the migration commits: its reads "
                            "and writes wait, and it waits for every query on it",
                            display_name(index), table != nullptr ? display_name(table) : "its table"),
                   "DROP INDEX CONCURRENTLY, in a migration of its own (it cannot run in a transaction).");
}

void analyze_drop(Builder* b, DropStmt* stmt) {
    const bool cascade = stmt->behavior == DROP_CASCADE;
    ListCell* lc;
    foreach (lc, stmt->objects) {
        if (stmt->removeType == OBJECT_TABLE) {
            analyze_drop_table(b, stmt, (List*)lfirst(lc));
            continue;
        }
        if (stmt->removeType == OBJECT_INDEX) {
            analyze_drop_index(b, stmt, (List*)lfirst(lc));
            continue;
        }
        const char* rule = drop_rule(stmt->removeType);
        if (rule == nullptr) continue;
        Node* object_node = (Node*)lfirst(lc);
        const char* object = IsA(object_node, String)         ? pstrdup(strVal(object_node))
                             : IsA(object_node, List)           ? NameListToString((List*)object_node)
                             : IsA(object_node, TypeName)       ? TypeNameToString(castNode(TypeName, object_node))
                             : IsA(object_node, ObjectWithArgs) ? NameListToString(castNode(ObjectWithArgs, object_node)->objname)
                                                                : nullptr;
        if ((stmt->removeType == OBJECT_VIEW || stmt->removeType == OBJECT_MATVIEW ||
             stmt->removeType == OBJECT_SEQUENCE) &&
            relation_created(b->facts, makeRangeVarFromNameList((List*)object_node)))
            continue;
        add(b, Risk::kBreaking, rule, object,
            psprintf("dropping %s breaks code that still uses it", object != nullptr ? object : "it"),
            "Stop using it, deploy, then drop it in a later migration.");
        if (!cascade) continue;
        if (stmt->removeType == OBJECT_SCHEMA) {
            Finding* f = add(b, Risk::kDataLoss, "dropping-schema-cascade", object,
                             psprintf("DROP SCHEMA %s CASCADE destroys every table in it (counted exactly when "
                                      "applied)", object),
                             "Drop the tables you mean to drop explicitly, then the empty schema.");
            f->also_breaking = true;
            f->probe = new_probe(ProbeKind::kSchemaRows, b->facts, nullptr);
            f->probe->schema_name = pstrdup(object);
        } else if (stmt->removeType == OBJECT_TYPE || stmt->removeType == OBJECT_DOMAIN ||
                   stmt->removeType == OBJECT_EXTENSION) {
            Finding* f = add(b, Risk::kDataLoss, "dropping-with-cascade", object,
                             psprintf("dropping %s with CASCADE also drops the columns and tables that use it",
                                      object),
                             "Drop or convert the columns that use it first, then drop it without CASCADE.");
            f->also_breaking = true;
        }
    }
}

void analyze_truncate(Builder* b, TruncateStmt* stmt) {
    ListCell* lc;
    foreach (lc, stmt->relations) {
        RangeVar* rv = lfirst_node(RangeVar, lc);
        if (relation_created(b->facts, rv) && stmt->behavior != DROP_CASCADE) continue;
        add_lock(b, rv, AccessExclusiveLock);
        RelationFacts facts = existing_facts(b, rv);
        const char* cascade = stmt->behavior == DROP_CASCADE ? " and every table that references it" : "";
        Finding* f = add(b, may_have_rows(facts) || *cascade ? Risk::kDataLoss : Risk::kSafe, "truncating-table",
                         display_name(rv),
                         psprintf("TRUNCATE empties %s%s (%s; counted exactly when applied)", display_name(rv),
                                  cascade, describe_size(facts)),
                         "Delete what you mean to delete explicitly; allow the loss with allow => '{data_loss}'.");
        f->probe = new_probe(ProbeKind::kTableRows, b->facts, rv);
        f->probe->only = !rv->inh;
        f->probe->cascade = stmt->behavior == DROP_CASCADE;
    }
}

void analyze_delete(Builder* b, DeleteStmt* stmt) {
    if (relation_created(b->facts, stmt->relation)) return;
    add_lock(b, stmt->relation, RowExclusiveLock);
    analyze_backfill(b, stmt->relation, "deleting");
    if (stmt->whereClause != nullptr) return;
    RelationFacts facts = existing_facts(b, stmt->relation);
    Finding* f = add(b, may_have_rows(facts) ? Risk::kDataLoss : Risk::kSafe, "deleting-all-rows",
                     display_name(stmt->relation),
                     psprintf("DELETE without WHERE destroys every row of %s (%s; counted exactly when applied)",
                              display_name(stmt->relation), describe_size(facts)),
                     "Add the WHERE you mean; allow the loss with allow => '{data_loss}'.");
    f->probe = new_probe(ProbeKind::kTableRows, b->facts, stmt->relation);
    f->probe->only = !stmt->relation->inh;
}

void analyze_update(Builder* b, UpdateStmt* stmt) {
    if (relation_created(b->facts, stmt->relation)) return;
    add_lock(b, stmt->relation, RowExclusiveLock);
    analyze_backfill(b, stmt->relation, "updating");
    if (stmt->whereClause != nullptr) return;
    // Filling columns added by this migration overwrites nothing.
    List* overwritten = NIL;
    ListCell* lc;
    foreach (lc, stmt->targetList) {
        ResTarget* target = lfirst_node(ResTarget, lc);
        if (!column_created(b->facts, stmt->relation, target->name))
            overwritten = list_append_unique(overwritten, makeString(pstrdup(target->name)));
    }
    if (overwritten == NIL) return;
    RelationFacts facts = existing_facts(b, stmt->relation);
    Finding* f = add(b, may_have_rows(facts) ? Risk::kDataLoss : Risk::kSafe, "updating-all-rows",
                     display_name(stmt->relation),
                     psprintf("UPDATE without WHERE overwrites the values of every row of %s (%s; counted "
                              "exactly when applied)", display_name(stmt->relation), describe_size(facts)),
                     "Add the WHERE you mean (WHERE column IS NULL for a backfill); allow the loss with "
                     "allow => '{data_loss}'.");
    f->probe = new_probe(ProbeKind::kOverwrittenRows, b->facts, stmt->relation);
    f->probe->only = !stmt->relation->inh;
    f->probe->columns = overwritten;
}

// MERGE into an existing table: row locks as UPDATE and DELETE take them.
// WHEN NOT MATCHED BY SOURCE THEN DELETE (17) deletes every row of the target
// the source lacks; no probe counts them in advance (that needs the source).
void analyze_merge(Builder* b, MergeStmt* stmt) {
    if (relation_created(b->facts, stmt->relation)) return;
    add_lock(b, stmt->relation, RowExclusiveLock);
    analyze_backfill(b, stmt->relation, "merging");
    ListCell* lc;
    foreach (lc, stmt->mergeWhenClauses) {
        MergeWhenClause* clause = lfirst_node(MergeWhenClause, lc);
        if (!compat::merge_clause_on_unmatched_target(clause) || clause->commandType != CMD_DELETE) continue;
        RelationFacts facts = existing_facts(b, stmt->relation);
        add(b, may_have_rows(facts) ? Risk::kDataLoss : Risk::kSafe, "merge-deleting-unmatched-rows",
            display_name(stmt->relation),
            psprintf("MERGE ... WHEN NOT MATCHED BY SOURCE THEN DELETE deletes every row of %s missing from the "
                     "source (%s; not counted in advance)", display_name(stmt->relation), describe_size(facts)),
            "Delete the rows you mean to delete explicitly; allow the loss with allow => '{data_loss}'.");
        return;
    }
}

}  // namespace pgm::pg::safety
