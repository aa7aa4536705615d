// PG zone: see statement_builder.hpp.
#include "statement_builder.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "utils/lsyscache.h"
}

namespace pgm::pg::safety {

// ---------------------------------------------------------------------------
// What earlier statements of the script did.

namespace {

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

const char* column_key(const RangeVar* rv, const char* column) {
    return psprintf("%s\x1f%s", relation_key(rv->schemaname, rv->relname), column);
}

}  // namespace

const char* relation_key(const char* schema, const char* relname) {
    return schema != nullptr ? psprintf("%s.%s", schema, relname) : relname;
}

void remember_relation(ScriptFacts* facts, const RangeVar* rv) {
    remember(facts, rv->relname);
    const char* schema = rv->schemaname != nullptr ? rv->schemaname : creation_schema();
    if (schema != nullptr) remember(facts, relation_key(schema, rv->relname));
}

bool relation_created(const ScriptFacts* facts, const RangeVar* rv) {
    return recalls(facts, relation_key(rv->schemaname, rv->relname));
}

void remember_column(ScriptFacts* facts, const RangeVar* rv, const char* column) {
    remember(facts, column_key(rv, column));
    remember(facts, psprintf("%s\x1f%s", rv->relname, column));
}

bool column_created(const ScriptFacts* facts, const RangeVar* rv, const char* column) {
    return relation_created(facts, rv) || recalls(facts, column_key(rv, column));
}

namespace {

const char* unvalidated_key(const RangeVar* rv, const char* constraint) {
    return psprintf("%s\x1e%s", relation_key(rv->schemaname, rv->relname), constraint);
}

}  // namespace

void remember_unvalidated_constraint(ScriptFacts* facts, const RangeVar* rv, const char* constraint) {
    remember(facts, unvalidated_key(rv, constraint));
}

bool unvalidated_constraint_added(const ScriptFacts* facts, const RangeVar* rv, const char* constraint) {
    return constraint != nullptr && recalls(facts, unvalidated_key(rv, constraint));
}

// Objects other than relations live in the same key space, marked by kind
// (a domain and a table may have the same name).
void remember_object(ScriptFacts* facts, ObjectKind kind, const char* name) {
    remember(facts, psprintf("%c\x1d%s", static_cast<char>(kind), name));
}

bool object_created(const ScriptFacts* facts, ObjectKind kind, const char* name) {
    return name != nullptr && recalls(facts, psprintf("%c\x1d%s", static_cast<char>(kind), name));
}

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

RelationFacts existing_facts(const Builder* b, const RangeVar* rv) {
    return relation_facts(original_relation(b->facts, rv));
}

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

bool may_have_rows(const RelationFacts& facts) {
    return !facts.exists || !facts.size_known || facts.rows >= 0.5 || facts.pages > 0;
}

// ---------------------------------------------------------------------------
// The constraints of a column definition.

Constraint* find_constraint(const ColumnDef* col, ConstrType type) {
    ListCell* lc;
    foreach (lc, col->constraints) {
        Constraint* c = castNode(Constraint, lfirst(lc));
        if (c->contype == type) return c;
    }
    return nullptr;
}

bool has_constraint(const ColumnDef* col, ConstrType type) { return find_constraint(col, type) != nullptr; }

}  // namespace pgm::pg::safety
