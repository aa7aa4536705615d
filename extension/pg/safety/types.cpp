// PG zone: see types.hpp.
#include "types.hpp"

extern "C" {
#include "catalog/namespace.h"
}

namespace pgm::pg::safety {

namespace {

constexpr const char* kCheckOnColumns =
    "Put the CHECK on the columns instead (ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT in a later "
    "migration): it can then be changed table by table without blocking writes.";

}  // namespace

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

void analyze_create_domain(Builder* b, CreateDomainStmt* stmt) {
    const char* domain = NameListToString(stmt->domainname);
    remember_object(b->facts, ObjectKind::kType, domain);
    ListCell* lc;
    foreach (lc, stmt->constraints) {
        const Constraint* c = lfirst_node(Constraint, lc);
        if (c->contype != CONSTR_CHECK) continue;
        add(b, Risk::kLocking, "domain-with-check", domain,
            psprintf("domain %s has a CHECK constraint: creating it takes no lock, but changing that constraint "
                     "later (ALTER DOMAIN ... ADD or VALIDATE CONSTRAINT) checks every column of the type while "
                     "blocking writes to each table that has one", domain),
            kCheckOnColumns);
        return;
    }
}

void analyze_alter_domain(Builder* b, AlterDomainStmt* stmt) {
    const char* domain = NameListToString(stmt->typeName);
    // A domain the script created has no column using it yet.
    if (object_created(b->facts, ObjectKind::kType, domain)) return;
    switch (stmt->subtype) {
        case 'C': {  // ADD CONSTRAINT
            const Constraint* c = castNode(Constraint, stmt->def);
            if (c->skip_validation) {
                add(b, Risk::kSafe, "adding-domain-constraint", domain,
                    psprintf("NOT VALID: the constraint of domain %s applies to new values only, without a scan",
                             domain),
                    "Validating it later (ALTER DOMAIN ... VALIDATE CONSTRAINT) blocks writes to every table "
                    "that uses the domain while it checks them.");
                return;
            }
            add(b, Risk::kLocking, "adding-domain-constraint", domain,
                psprintf("adding a constraint to domain %s checks every column of that type while blocking writes "
                         "to each table that has one", domain),
                kCheckOnColumns);
            return;
        }
        case 'V':  // VALIDATE CONSTRAINT
            add(b, Risk::kLocking, "validating-domain-constraint", domain,
                psprintf("VALIDATE CONSTRAINT on domain %s checks every column of that type under SHARE lock: "
                         "unlike a table's, it blocks writes to each table that has one", domain),
                kCheckOnColumns);
            return;
        case 'O':  // SET NOT NULL
            add(b, Risk::kLocking, "setting-domain-not-null", domain,
                psprintf("SET NOT NULL on domain %s checks every column of that type while blocking writes to "
                         "each table that has one", domain),
                "Use NOT NULL on the columns instead (ADD CONSTRAINT ... NOT NULL ... NOT VALID on 18, or a "
                "CHECK (column IS NOT NULL) NOT VALID before).");
            return;
        case 'N':  // DROP NOT NULL
            add(b, Risk::kBreaking, "dropping-not-null", domain,
                psprintf("dropping NOT NULL on domain %s lets NULLs reach code that does not expect them", domain),
                "Keep the constraint, or make every reader handle NULL first.");
            return;
        case 'X':  // DROP CONSTRAINT
            add(b, Risk::kBreaking, "dropping-constraint", psprintf("%s.%s", domain, stmt->name),
                psprintf("dropping constraint %s of domain %s lets values in that code may not expect", stmt->name,
                         domain),
                "Make sure no reader relies on it, then drop it.");
            return;
        default:
            return;
    }
}

}  // namespace pgm::pg::safety
