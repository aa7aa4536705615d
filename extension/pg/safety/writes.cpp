// PG zone: see writes.hpp.
#include "writes.hpp"

#include "../compat/pg_compat.hpp"

namespace pgm::pg::safety {

// ---------------------------------------------------------------------------
// TRUNCATE, DELETE, UPDATE, MERGE: what may destroy rows.

namespace {

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
