// PG zone: see alter_table.hpp.
#include "alter_table.hpp"

#include "../compat/pg_compat.hpp"
#include "columns.hpp"

extern "C" {
#include "commands/tablecmds.h"
}

namespace pgm::pg::safety {

// ---------------------------------------------------------------------------
// ALTER TABLE's other subcommands on an existing table.

namespace {

void analyze_add_constraint(Builder* b, const RangeVar* table, Constraint* c) {
    const char* object = c->conname != nullptr ? psprintf("%s.%s", display_name(table), c->conname)
                                               : display_name(table);
    if (c->skip_validation && c->conname != nullptr) remember_unvalidated_constraint(b->facts, table, c->conname);
    switch (c->contype) {
        case CONSTR_FOREIGN:
            add_lock(b, c->pktable, ShareRowExclusiveLock);
            if (compat::constraint_not_enforced(c)) {
                add(b, Risk::kSafe, "adding-foreign-key", object,
                    "NOT ENFORCED: existing and new rows are not checked, so there is no scan",
                    "Enforcing it later checks every row; to have new rows checked now, add it NOT VALID instead.");
                return;
            }
            if (c->skip_validation) {
                add(b, Risk::kSafe, "adding-foreign-key", object,
                    "NOT VALID: the foreign key is checked for new rows only, without a scan",
                    "VALIDATE CONSTRAINT it in a later migration (SHARE UPDATE EXCLUSIVE: writes go on).");
                return;
            }
            report_locking(b, table, "adding-foreign-key", object,
                           psprintf("adding a foreign key to %s scans it while blocking writes to it and to %s",
                                    display_name(table), display_name(c->pktable)),
                           "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later migration.");
            return;
        case CONSTR_CHECK:
            if (compat::constraint_not_enforced(c)) {
                add(b, Risk::kSafe, "adding-check-constraint", object,
                    "NOT ENFORCED: existing and new rows are not checked, so there is no scan",
                    "Enforcing it later checks every row; to have new rows checked now, add it NOT VALID instead.");
                return;
            }
            if (c->skip_validation) {
                add(b, Risk::kSafe, "adding-check-constraint", object,
                    "NOT VALID: the check applies to new rows only, without a scan",
                    "VALIDATE CONSTRAINT it in a later migration (SHARE UPDATE EXCLUSIVE: writes go on).");
                return;
            }
            report_locking(b, table, "adding-check-constraint", object,
                           psprintf("adding a CHECK to %s scans it while blocking writes", display_name(table)),
                           "ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later migration.");
            return;
        case CONSTR_NOTNULL: {
            // ADD CONSTRAINT name NOT NULL column (18), as SET NOT NULL.
            const char* column = c->keys != NIL ? strVal(linitial(c->keys)) : nullptr;
            if (column == nullptr || column_created(b->facts, table, column)) return;
            const char* column_object = psprintf("%s.%s", display_name(table), column);
            if (c->skip_validation) {
                add(b, Risk::kSafe, "setting-not-null", column_object,
                    "NOT VALID: NOT NULL applies to new rows only, without a scan",
                    "VALIDATE CONSTRAINT it in a later migration (SHARE UPDATE EXCLUSIVE: writes go on).");
                return;
            }
            report_locking(b, table, "setting-not-null", column_object,
                           psprintf("adding NOT NULL on %s scans the table under ACCESS EXCLUSIVE", column_object),
                           "ADD CONSTRAINT ... NOT NULL column NOT VALID, then VALIDATE CONSTRAINT in a later "
                           "migration.");
            return;
        }
        case CONSTR_PRIMARY:
        case CONSTR_UNIQUE: {
            const char* rule = c->contype == CONSTR_PRIMARY ? "adding-primary-key" : "adding-unique-constraint";
            if (c->indexname != nullptr) {
                add(b, Risk::kSafe, rule, object, "USING INDEX: the index is already built", nullptr);
                return;
            }
            report_locking(b, table, rule, object,
                           psprintf("adding a %s to %s builds its index under ACCESS EXCLUSIVE",
                                    c->contype == CONSTR_PRIMARY ? "primary key" : "unique constraint",
                                    display_name(table)),
                           "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX.");
            return;
        }
        case CONSTR_EXCLUSION:
            report_locking(b, table, "adding-exclusion-constraint", object,
                           psprintf("adding an exclusion constraint to %s builds its index and checks every "
                                    "row under ACCESS EXCLUSIVE", display_name(table)),
                           "There is no NOT VALID form: add it in a maintenance window, or to a new table.");
            return;
        default:
            return;
    }
}

void analyze_drop_column(Builder* b, const RangeVar* table, const char* column) {
    const char* object = psprintf("%s.%s", display_name(table), column);
    RelationFacts facts = existing_facts(b, table);
    if (facts.exists && !column_type(facts.relid, column).found) return;  // fails, or IF EXISTS
    const bool data = may_have_rows(facts);
    Finding* f = add(b, data ? Risk::kDataLoss : Risk::kBreaking, "dropping-column", object,
                     psprintf("dropping column %s destroys its values (%s; counted exactly when applied) and "
                              "breaks code that still uses it", object, describe_size(facts)),
                     "Stop using the column, deploy, then drop it in a later migration; allow the loss "
                     "with allow => '{data_loss}' or -- migrate:allow data_loss.");
    f->also_breaking = true;
    f->probe = new_probe(ProbeKind::kColumnValues, b->facts, table);
    f->probe->column = pstrdup(column);
}

// ALTER CONSTRAINT ... ENFORCED (18): the constraint is validated against
// every existing row.
void analyze_enforce_constraint(Builder* b, const RangeVar* table, const AlterTableCmd* cmd) {
    const char* name = compat::altered_constraint_name(cmd);
    const char* object = name != nullptr ? psprintf("%s.%s", display_name(table), name) : display_name(table);
    report_locking(b, table, "enforcing-constraint", object,
                   psprintf("making %s ENFORCED checks every row of %s while blocking writes",
                            name != nullptr ? psprintf("constraint %s", name) : "the constraint", display_name(table)),
                   "Add an enforced copy NOT VALID, VALIDATE CONSTRAINT it in a later migration (SHARE UPDATE "
                   "EXCLUSIVE: writes go on), then drop the NOT ENFORCED one.");
}

}  // namespace

void analyze_alter_table(Builder* b, AlterTableStmt* stmt) {
    const RangeVar* table = stmt->relation;
    if (stmt->objtype == OBJECT_TABLE || stmt->objtype == OBJECT_MATVIEW || stmt->objtype == OBJECT_INDEX ||
        stmt->objtype == OBJECT_FOREIGN_TABLE)
        add_lock(b, table, AlterTableGetLockLevel(stmt->cmds));
    const bool created = relation_created(b->facts, table);
    ListCell* lc;
    foreach (lc, stmt->cmds) {
        AlterTableCmd* cmd = lfirst_node(AlterTableCmd, lc);
        if (cmd->subtype == AT_AddColumn) {
            ColumnDef* col = castNode(ColumnDef, cmd->def);
            if (created) advise_on_column_type(b, table, col);
            else analyze_add_column(b, table, col);
            remember_column(b->facts, table, col->colname);
            continue;
        }
        if (created) continue;
        const char* column = cmd->name;
        const bool new_column = column != nullptr && column_created(b->facts, table, column);
        if (compat::is_set_expression(cmd)) {  // no case label: AT_SetExpression is 17's
            if (!new_column) analyze_set_expression(b, table, column);
            continue;
        }
        switch (cmd->subtype) {
            case AT_DropColumn:
                if (!new_column) analyze_drop_column(b, table, column);
                break;
            case AT_AlterColumnType:
                if (!new_column) analyze_column_type(b, table, cmd);
                break;
            case AT_SetNotNull:
                if (!new_column)
                    report_locking(b, table, "setting-not-null", psprintf("%s.%s", display_name(table), column),
                                   psprintf("SET NOT NULL on %s.%s scans the table under ACCESS EXCLUSIVE",
                                            display_name(table), column),
                                   compat::kNotNullCanBeNotValid
                                       ? "ADD CONSTRAINT ... NOT NULL column NOT VALID, then VALIDATE CONSTRAINT in "
                                         "a later migration."
                                       : "ADD CONSTRAINT ... CHECK (column IS NOT NULL) NOT VALID, VALIDATE it, "
                                         "then SET NOT NULL (no scan) and drop the check.");
                break;
            case AT_DropNotNull:
                if (!new_column)
                    add(b, Risk::kBreaking, "dropping-not-null", psprintf("%s.%s", display_name(table), column),
                        psprintf("dropping NOT NULL on %s.%s lets NULLs reach code that does not expect them",
                                 display_name(table), column),
                        "Keep the constraint, or make every reader handle NULL first.");
                break;
            case AT_AddConstraint:
                analyze_add_constraint(b, table, castNode(Constraint, cmd->def));
                break;
            case AT_AlterConstraint:
                if (compat::alter_constraint_enforces(cmd)) analyze_enforce_constraint(b, table, cmd);
                break;
            case AT_SetTableSpace:
            case AT_SetAccessMethod:
            case AT_SetLogged:
            case AT_SetUnLogged:
                report_locking(b, table, "rewriting-table", display_name(table),
                               psprintf("this ALTER TABLE rewrites %s under ACCESS EXCLUSIVE", display_name(table)),
                               "Do it in a maintenance window, or copy into a new table.");
                break;
            case AT_ValidateConstraint:
                if (unvalidated_constraint_added(b->facts, table, cmd->name))
                    report_locking(b, table, "validating-in-same-migration",
                                   psprintf("%s.%s", display_name(table), cmd->name),
                                   psprintf("VALIDATE CONSTRAINT %s in the migration that added it NOT VALID scans "
                                            "%s while the lock ADD CONSTRAINT took is still held (a migration is "
                                            "one transaction): NOT VALID gains nothing",
                                            cmd->name, display_name(table)),
                                   "Validate it in a later migration (SHARE UPDATE EXCLUSIVE: writes go on).");
                break;
            case AT_DetachPartition:
                if (!castNode(PartitionCmd, cmd->def)->concurrent)
                    report_locking(b, table, "detaching-partition",
                                   display_name(castNode(PartitionCmd, cmd->def)->name),
                                   psprintf("DETACH PARTITION takes ACCESS EXCLUSIVE on %s until the migration "
                                            "commits: its reads and writes wait, and it waits for every query "
                                            "on it", display_name(table)),
                                   "DETACH PARTITION ... CONCURRENTLY, in a migration of its own (it cannot run "
                                   "in a transaction).");
                break;
            case AT_AttachPartition: {
                PartitionCmd* part = castNode(PartitionCmd, cmd->def);
                if (relation_created(b->facts, part->name)) break;
                add_lock(b, part->name, AccessExclusiveLock);
                report_locking(b, part->name, "attaching-partition", display_name(part->name),
                               psprintf("attaching %s scans it to check the partition bound",
                                        display_name(part->name)),
                               "Add a CHECK constraint matching the bound (NOT VALID, then VALIDATE) first: "
                               "the attach then skips the scan.");
                break;
            }
            default:
                break;
        }
    }
}

}  // namespace pgm::pg::safety
