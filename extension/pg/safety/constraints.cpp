// PG zone: see constraints.hpp.
#include "constraints.hpp"

#include "../compat/pg_compat.hpp"

extern "C" {
#include "catalog/pg_constraint.h"
}

namespace pgm::pg::safety {

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

void analyze_validate_constraint(Builder* b, const RangeVar* table, const char* name) {
    if (!unvalidated_constraint_added(b->facts, table, name)) return;
    report_locking(b, table, "validating-in-same-migration", psprintf("%s.%s", display_name(table), name),
                   psprintf("VALIDATE CONSTRAINT %s in the migration that added it NOT VALID scans %s while the "
                            "lock ADD CONSTRAINT took is still held (a migration is one transaction): NOT VALID "
                            "gains nothing", name, display_name(table)),
                   "Validate it in a later migration (SHARE UPDATE EXCLUSIVE: writes go on).");
}

// The constraint is validated against every existing row.
void analyze_enforce_constraint(Builder* b, const RangeVar* table, const AlterTableCmd* cmd) {
    const char* name = compat::altered_constraint_name(cmd);
    const char* object = name != nullptr ? psprintf("%s.%s", display_name(table), name) : display_name(table);
    report_locking(b, table, "enforcing-constraint", object,
                   psprintf("making %s ENFORCED checks every row of %s while blocking writes",
                            name != nullptr ? psprintf("constraint %s", name) : "the constraint", display_name(table)),
                   "Add an enforced copy NOT VALID, VALIDATE CONSTRAINT it in a later migration (SHARE UPDATE "
                   "EXCLUSIVE: writes go on), then drop the NOT ENFORCED one.");
}

void analyze_drop_constraint(Builder* b, const RangeVar* table, const AlterTableCmd* cmd) {
    const RelationFacts facts = existing_facts(b, table);
    // One this database lacks counts as a foreign key: the kind whose loss
    // goes unseen.
    const char type = facts.exists ? constraint_type(facts.relid, cmd->name) : CONSTRAINT_FOREIGN;
    if (type == '\0') return;  // fails, or IF EXISTS
    const char* object = psprintf("%s.%s", display_name(table), cmd->name);
    const char* rule = "dropping-constraint";
    const char* kind;
    switch (type) {
        case CONSTRAINT_FOREIGN: rule = "dropping-foreign-key"; kind = "foreign key"; break;
        case CONSTRAINT_CHECK: kind = "check constraint"; break;
        case CONSTRAINT_UNIQUE: kind = "unique constraint"; break;
        case CONSTRAINT_PRIMARY: kind = "primary key"; break;
        case compat::kNotNullConstraintType: rule = "dropping-not-null"; kind = "NOT NULL constraint"; break;
        default: return;  // exclusion, constraint trigger
    }
    add(b, Risk::kBreaking, rule, object,
        psprintf("dropping %s %s lets in rows it refused: code relying on the integrity it kept may break%s", kind,
                 object, facts.exists ? "" : " (not in this database: assumed to be a foreign key)"),
        "Drop it in a migration of its own, reviewed as such; to replace it, add the new one (NOT VALID, then "
        "VALIDATE) before dropping the old.");
}

}  // namespace pgm::pg::safety
