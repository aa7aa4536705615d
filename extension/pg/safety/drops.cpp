// PG zone: see drops.hpp.
#include "drops.hpp"

#include "indexes.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "parser/parse_type.h"
}

namespace pgm::pg::safety {

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

// Whether the script created what it now drops: nothing that existed goes.
bool created_by_script(const Builder* b, ObjectType type, Node* object_node, const char* object) {
    switch (type) {
        case OBJECT_VIEW:
        case OBJECT_MATVIEW:
        case OBJECT_SEQUENCE:
        case OBJECT_FOREIGN_TABLE:
            return relation_created(b->facts, makeRangeVarFromNameList((List*)object_node));
        case OBJECT_TYPE:
        case OBJECT_DOMAIN: return object_created(b->facts, ObjectKind::kType, object);
        case OBJECT_SCHEMA: return object_created(b->facts, ObjectKind::kSchema, object);
        case OBJECT_EXTENSION: return object_created(b->facts, ObjectKind::kExtension, object);
        case OBJECT_FUNCTION:
        case OBJECT_PROCEDURE:
        case OBJECT_ROUTINE:
        case OBJECT_AGGREGATE: return object_created(b->facts, ObjectKind::kFunction, object);
        default: return false;
    }
}

// DROP EXTENSION without CASCADE still drops the extension's own tables (a
// job table, a configuration table): data loss when they hold rows.  Only
// when the database has the extension: it alone knows which tables are its.
void analyze_extension_tables(Builder* b, const char* extension, Node* object_node) {
    const int tables = extension_member_tables(extension);
    if (tables == 0) return;
    Finding* f = add(b, Risk::kDataLoss, "dropping-extension-tables", extension,
                     psprintf("dropping extension %s also drops its %d table%s and their rows (named and counted "
                              "exactly when applied)", extension, tables, tables == 1 ? "" : "s"),
                     "Copy out what those tables hold first; allow the loss with allow => '{data_loss}'.");
    f->also_breaking = true;
    f->probe = new_probe(ProbeKind::kDependents, b->facts, nullptr);
    f->probe->dropped_type = OBJECT_EXTENSION;
    f->probe->dropped = copyObject(object_node);
    f->probe->members_only = true;
}

}  // namespace

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
        if (created_by_script(b, stmt->removeType, object_node, object)) continue;
        add(b, Risk::kBreaking, rule, object,
            psprintf("dropping %s breaks code that still uses it", object != nullptr ? object : "it"),
            "Stop using it, deploy, then drop it in a later migration.");
        // What CASCADE takes with it is found and counted when applied; of
        // views or functions it takes no stored data.
        const bool holds_data = stmt->removeType == OBJECT_SCHEMA || stmt->removeType == OBJECT_TYPE ||
                                stmt->removeType == OBJECT_DOMAIN || stmt->removeType == OBJECT_EXTENSION;
        if (!cascade && stmt->removeType == OBJECT_EXTENSION) {
            analyze_extension_tables(b, object, object_node);
            continue;
        }
        if (!cascade || !holds_data) continue;
        Finding* f = stmt->removeType == OBJECT_SCHEMA
                         ? add(b, Risk::kDataLoss, "dropping-schema-cascade", object,
                               psprintf("DROP SCHEMA %s CASCADE destroys every table in it, and the columns "
                                        "elsewhere of its types (named and counted exactly when applied)", object),
                               "Drop the tables you mean to drop explicitly, then the empty schema.")
                         : add(b, Risk::kDataLoss, "dropping-with-cascade", object,
                               psprintf("dropping %s with CASCADE also drops the columns and tables that use it "
                                        "(named and counted exactly when applied)", object),
                               "Drop or convert the columns that use it first, then drop it without CASCADE.");
        f->also_breaking = true;
        f->probe = new_probe(ProbeKind::kDependents, b->facts, nullptr);
        f->probe->dropped_type = stmt->removeType;
        f->probe->dropped = copyObject(object_node);
    }
}

}  // namespace pgm::pg::safety
