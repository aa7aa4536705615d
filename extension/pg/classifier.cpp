// PG zone: see classifier.hpp.  The rules follow the merged list of unsafe
// operations (squawk, strong_migrations, Atlas); each names its rule, the
// object, why, and the safe way.
#include "classifier.hpp"

#include "catalog_facts.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "commands/tablecmds.h"
#include "nodes/makefuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_type.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
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

// ---------------------------------------------------------------------------
// What earlier statements of the script did.

struct ScriptFacts {
    HTAB* created;   // keys: "rel", "schema.rel", "rel\x1f" "column"
    HTAB* renamed;   // new name key -> the original RangeVar (RenamedEntry)
};

namespace {

constexpr int kKeySize = 3 * NAMEDATALEN + 8;
struct FactKey {
    char key[kKeySize];
};
struct RenamedEntry {
    char key[kKeySize];
    RangeVar* original;
};

const char* relation_key(const char* schema, const char* relname) {
    return schema != nullptr ? psprintf("%s.%s", schema, relname) : relname;
}

void remember(ScriptFacts* facts, const char* key) {
    FactKey entry{};
    strlcpy(entry.key, key, kKeySize);
    bool found;
    hash_search(facts->created, &entry, HASH_ENTER, &found);
}

bool recalls(const ScriptFacts* facts, const char* key) {
    FactKey entry{};
    strlcpy(entry.key, key, kKeySize);
    return hash_search(facts->created, &entry, HASH_FIND, nullptr) != nullptr;
}

// The schema an unqualified CREATE lands in: the first existing schema of the
// search_path (NULL when there is none).
const char* creation_schema() {
    List* path = fetch_search_path(false);
    const char* name = path != NIL ? get_namespace_name(linitial_oid(path)) : nullptr;
    list_free(path);
    return name;
}

void remember_relation(ScriptFacts* facts, const RangeVar* rv) {
    remember(facts, rv->relname);
    const char* schema = rv->schemaname != nullptr ? rv->schemaname : creation_schema();
    if (schema != nullptr) remember(facts, relation_key(schema, rv->relname));
}

bool relation_created(const ScriptFacts* facts, const RangeVar* rv) {
    return recalls(facts, relation_key(rv->schemaname, rv->relname));
}

const char* column_key(const RangeVar* rv, const char* column) {
    return psprintf("%s\x1f%s", relation_key(rv->schemaname, rv->relname), column);
}

void remember_column(ScriptFacts* facts, const RangeVar* rv, const char* column) {
    remember(facts, column_key(rv, column));
    remember(facts, psprintf("%s\x1f%s", rv->relname, column));
}

bool column_created(const ScriptFacts* facts, const RangeVar* rv, const char* column) {
    return relation_created(facts, rv) || recalls(facts, column_key(rv, column));
}

// A table renamed earlier in the script is still the original table: its
// statistics and columns are found under the old name.
RangeVar* original_relation(const ScriptFacts* facts, const RangeVar* rv) {
    FactKey entry{};
    strlcpy(entry.key, relation_key(rv->schemaname, rv->relname), kKeySize);
    RenamedEntry* found = static_cast<RenamedEntry*>(hash_search(facts->renamed, &entry, HASH_FIND, nullptr));
    return found != nullptr ? found->original : const_cast<RangeVar*>(rv);
}

const char* display_name(const RangeVar* rv) {
    return rv->schemaname != nullptr ? psprintf("%s.%s", rv->schemaname, rv->relname) : pstrdup(rv->relname);
}

// ---------------------------------------------------------------------------
// Building a statement's analysis.

struct Builder {
    ScriptFacts* facts;
    List* findings;  // of Finding*
    List* locks;     // of LockTarget*
};

Finding* add(Builder* b, Risk risk, const char* rule, const char* object, const char* message,
             const char* hint) {
    Finding* f = static_cast<Finding*>(palloc0(sizeof(Finding)));
    f->risk = risk;
    f->rule = rule;
    f->object = object;
    f->message = message;
    f->hint = hint;
    b->findings = lappend(b->findings, f);
    return f;
}

void add_lock(Builder* b, const RangeVar* rv, LOCKMODE mode) {
    if (rv == nullptr || relation_created(b->facts, rv)) return;
    LockTarget* target = static_cast<LockTarget*>(palloc0(sizeof(LockTarget)));
    target->relation = copyObject(original_relation(b->facts, rv));
    target->mode = mode;
    b->locks = lappend(b->locks, target);
}

DataLossProbe* new_probe(ProbeKind kind, const ScriptFacts* facts, const RangeVar* table) {
    DataLossProbe* p = static_cast<DataLossProbe*>(palloc0(sizeof(DataLossProbe)));
    p->kind = kind;
    if (table != nullptr) p->table = copyObject(original_relation(facts, table));
    return p;
}

// A table the script did not create: its facts from the catalog.  A table the
// database does not have counts as existing, of unknown size.
RelationFacts existing_facts(const Builder* b, const RangeVar* rv) {
    return relation_facts(original_relation(b->facts, rv));
}

// An operation holding a strong lock on `rv` for a scan or rewrite: locking,
// unless the table is small (then a `safe` finding says so).
void report_locking(Builder* b, const RangeVar* rv, const char* rule, const char* object,
                    const char* message, const char* hint) {
    RelationFacts facts = existing_facts(b, rv);
    if (relation_is_small(facts)) {
        add(b, Risk::kSafe, rule, object,
            psprintf("%s; the table is small (%s), so the lock is brief", message, describe_size(facts)),
            nullptr);
        return;
    }
    add(b, Risk::kLocking, rule, object, psprintf("%s (%s)", message, describe_size(facts)), hint);
}

// Whether the table may hold rows by its statistics (unknown counts as yes).
bool may_have_rows(const RelationFacts& facts) {
    return !facts.exists || !facts.size_known || facts.rows >= 0.5 || facts.pages > 0;
}

// ---------------------------------------------------------------------------
// Column definitions (CREATE TABLE and ADD COLUMN): advice on types.

Constraint* find_constraint(const ColumnDef* col, ConstrType type) {
    ListCell* lc;
    foreach (lc, col->constraints) {
        Constraint* c = castNode(Constraint, lfirst(lc));
        if (c->contype == type) return c;
    }
    return nullptr;
}

bool has_constraint(const ColumnDef* col, ConstrType type) { return find_constraint(col, type) != nullptr; }

void advise_on_column_type(Builder* b, const RangeVar* table, const ColumnDef* col) {
    const char* object = psprintf("%s.%s", display_name(table), col->colname);
    const char* type = type_base_name(col->typeName);
    if (strcmp(type, "bpchar") == 0)
        add(b, Risk::kSafe, "char-column", object,
            psprintf("column %s is char(n): values are blank-padded and no faster than text", object),
            "Use text (with a CHECK on its length if needed) or varchar.");
    if (strcmp(type, "timestamp") == 0)
        add(b, Risk::kSafe, "timestamp-without-time-zone", object,
            psprintf("column %s is timestamp without time zone: the offset of stored values is lost", object),
            "Use timestamptz.");
    if (strcmp(type, "json") == 0)
        add(b, Risk::kSafe, "json-column", object,
            psprintf("column %s is json, which has no equality operator (SELECT DISTINCT, UNION fail)", object),
            "Use jsonb.");
    if (is_serial_type(col->typeName))
        add(b, Risk::kSafe, "serial-column", object,
            psprintf("column %s is %s: its sequence has its own owner and privileges", object, type),
            "Use GENERATED BY DEFAULT AS IDENTITY.");
    const bool narrow_integer = strcmp(type, "int4") == 0 || strcmp(type, "int2") == 0 ||
                                strcmp(type, "serial") == 0 || strcmp(type, "serial4") == 0 ||
                                strcmp(type, "smallserial") == 0 || strcmp(type, "serial2") == 0;
    if (narrow_integer && has_constraint(col, CONSTR_PRIMARY))
        add(b, Risk::kSafe, "integer-primary-key", object,
            psprintf("primary key %s is a 32-bit or smaller integer and may run out of values", object),
            "Use bigint; widening it later rewrites the table.");
}

// ---------------------------------------------------------------------------
// ALTER TABLE ... ADD COLUMN on an existing table.

void analyze_add_column(Builder* b, const RangeVar* table, ColumnDef* col) {
    advise_on_column_type(b, table, col);
    const char* object = psprintf("%s.%s", display_name(table), col->colname);
    Constraint* default_constraint = find_constraint(col, CONSTR_DEFAULT);
    Constraint* generated = find_constraint(col, CONSTR_GENERATED);
    const bool identity = has_constraint(col, CONSTR_IDENTITY);
    const bool serial = is_serial_type(col->typeName);
    const bool volatile_default =
        default_constraint != nullptr && expression_is_volatile(default_constraint->raw_expr);

    const char* rewrite_reason = nullptr;
    if (serial) rewrite_reason = "a serial column fills every row from its sequence";
    else if (identity) rewrite_reason = "an identity column fills every row from its sequence";
    else if (generated != nullptr) rewrite_reason = "a stored generated column is computed for every row";
    else if (volatile_default) rewrite_reason = "its default is volatile, so it is computed for every row";
    if (rewrite_reason != nullptr)
        report_locking(b, table, "adding-column-rewrites-table", object,
                       psprintf("adding column %s rewrites the table under ACCESS EXCLUSIVE: %s", object,
                                rewrite_reason),
                       "Add the column without a default (or with a constant one), then fill it in batches.");

    if (has_constraint(col, CONSTR_NOTNULL) && default_constraint == nullptr && !identity && !serial &&
        generated == nullptr)
        add(b, Risk::kBreaking, "adding-required-column", object,
            psprintf("column %s is NOT NULL without a default: this fails on a table with rows, and "
                     "inserts by code that does not know the column fail", object),
            "Add it with a constant DEFAULT, or nullable and set NOT NULL once every row has a value.");

    if (has_constraint(col, CONSTR_PRIMARY) || has_constraint(col, CONSTR_UNIQUE))
        report_locking(b, table, "adding-unique-constraint", object,
                       psprintf("adding column %s with a unique index builds it under ACCESS EXCLUSIVE", object),
                       "Add the column, CREATE UNIQUE INDEX CONCURRENTLY, then ADD CONSTRAINT ... USING INDEX.");
    Constraint* fk = find_constraint(col, CONSTR_FOREIGN);
    if (fk != nullptr) {
        report_locking(b, table, "adding-foreign-key", object,
                       psprintf("adding column %s with a foreign key validates it while blocking writes to "
                                "both tables", object),
                       "Add the column, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID and VALIDATE "
                       "CONSTRAINT in a later migration.");
        add_lock(b, fk->pktable, ShareRowExclusiveLock);
    }
    if (has_constraint(col, CONSTR_CHECK))
        report_locking(b, table, "adding-check-constraint", object,
                       psprintf("adding column %s with a CHECK scans the table while blocking writes", object),
                       "Add the column, then ADD CONSTRAINT ... CHECK ... NOT VALID and VALIDATE CONSTRAINT.");
}

// ---------------------------------------------------------------------------
// ALTER TABLE ... ALTER COLUMN ... TYPE on an existing table.

void analyze_column_type(Builder* b, const RangeVar* table, AlterTableCmd* cmd) {
    ColumnDef* def = castNode(ColumnDef, cmd->def);
    const char* object = psprintf("%s.%s", display_name(table), cmd->name);
    RelationFacts facts = existing_facts(b, table);
    ColumnType from = column_type(facts.relid, cmd->name);
    ColumnType to = resolve_type(def->typeName);
    const bool using_expression = def->raw_default != nullptr;
    const char* to_name = to.found ? format_type_with_typemod(to.type, to.typmod) : type_base_name(def->typeName);

    TypeChange change = using_expression ? TypeChange::kRewrite : type_change(from, to);
    if (change == TypeChange::kSame) return;
    if (change == TypeChange::kNoRewrite) {
        add(b, Risk::kSafe, "changing-column-type", object,
            psprintf("%s -> %s is binary-coercible: no rewrite, no scan",
                     format_type_with_typemod(from.type, from.typmod), to_name),
            nullptr);
        return;
    }
    report_locking(b, table, "changing-column-type-rewrites-table", object,
                   psprintf("changing the type of %s to %s rewrites the table and its indexes under "
                            "ACCESS EXCLUSIVE", object, to_name),
                   "Add a column of the new type, fill it in batches (and keep it in step with a "
                   "trigger), then switch to it.");
    add(b, Risk::kBreaking, "changing-column-type", object,
        psprintf("changing the type of %s to %s breaks code that reads or writes the old type", object, to_name),
        "Expand and contract: a new column beside the old one until every reader has moved.");
    if (using_expression || !conversion_may_lose(from, to)) return;
    Finding* f = add(b, may_have_rows(facts) ? Risk::kDataLoss : Risk::kSafe, "changing-column-type-loses-values",
                     object,
                     psprintf("converting %s to %s may round or cut stored values (%s; counted exactly when applied)",
                              object, to_name, describe_size(facts)),
                     "Check the values first, or convert with an explicit USING expression.");
    f->probe = new_probe(ProbeKind::kChangedValues, b->facts, table);
    f->probe->column = pstrdup(cmd->name);
    f->probe->new_type = copyObject(def->typeName);
}

// ---------------------------------------------------------------------------
// ALTER TABLE's other subcommands on an existing table.

void analyze_add_constraint(Builder* b, const RangeVar* table, Constraint* c) {
    const char* object = c->conname != nullptr ? psprintf("%s.%s", display_name(table), c->conname)
                                               : display_name(table);
    switch (c->contype) {
        case CONSTR_FOREIGN:
            add_lock(b, c->pktable, ShareRowExclusiveLock);
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
                                   "ADD CONSTRAINT ... CHECK (column IS NOT NULL) NOT VALID, VALIDATE it, then "
                                   "SET NOT NULL (no scan) and drop the check.");
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
            case AT_SetTableSpace:
            case AT_SetLogged:
            case AT_SetUnLogged:
                report_locking(b, table, "rewriting-table", display_name(table),
                               psprintf("this ALTER TABLE rewrites %s under ACCESS EXCLUSIVE", display_name(table)),
                               "Do it in a maintenance window, or copy into a new table.");
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
    if (stmt->concurrent || relation_created(b->facts, stmt->relation)) return;
    add_lock(b, stmt->relation, ShareLock);
    const char* object = stmt->idxname != nullptr ? pstrdup(stmt->idxname) : display_name(stmt->relation);
    report_locking(b, stmt->relation, "creating-index", object,
                   psprintf("CREATE INDEX on %s blocks writes to it until the index is built",
                            display_name(stmt->relation)),
                   "CREATE INDEX CONCURRENTLY, in a migration of its own (it cannot run in a transaction).");
}

// ---------------------------------------------------------------------------
// DROP, TRUNCATE, DELETE, UPDATE: what may destroy data.

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

void analyze_drop(Builder* b, DropStmt* stmt) {
    const bool cascade = stmt->behavior == DROP_CASCADE;
    ListCell* lc;
    foreach (lc, stmt->objects) {
        if (stmt->removeType == OBJECT_TABLE) {
            analyze_drop_table(b, stmt, (List*)lfirst(lc));
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

// UPDATE or DELETE of an existing table: row locks until the migration
// commits, and, without WHERE, every row.
void analyze_backfill(Builder* b, RangeVar* rv, const char* verb) {
    RelationFacts facts = existing_facts(b, rv);
    if (!relation_is_small(facts))
        add(b, Risk::kLocking, "backfilling-in-migration", display_name(rv),
            psprintf("%s rows of %s holds their row locks until the migration commits (%s)", verb, display_name(rv),
                     describe_size(facts)),
            "Backfill in batches outside the schema migration (a migration without a transaction, or a job).");
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
