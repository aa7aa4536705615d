// PG zone: see indexes.hpp.
#include "indexes.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
}

namespace pgm::pg::safety {

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

void analyze_reindex(Builder* b, ReindexStmt* stmt) {
    ListCell* lc;
    foreach (lc, stmt->params) {
        if (strcmp(lfirst_node(DefElem, lc)->defname, "concurrently") == 0) return;
    }
    const char* hint = "REINDEX ... CONCURRENTLY, in a migration of its own (it cannot run in a transaction).";
    if (stmt->relation == nullptr) {
        // SCHEMA, DATABASE, SYSTEM: outside a transaction only (a migration
        // marked no-transaction), table by table.
        const char* what = stmt->name != nullptr ? pstrdup(stmt->name) : "the database";
        add(b, Risk::kLocking, "reindexing", what,
            psprintf("REINDEX of %s rebuilds every index in it, blocking writes to each table while its indexes "
                     "are rebuilt", what),
            hint);
        return;
    }
    if (relation_created(b->facts, stmt->relation)) return;
    if (stmt->kind == REINDEX_OBJECT_TABLE) {
        add_lock(b, stmt->relation, ShareLock);
        report_locking(b, stmt->relation, "reindexing", display_name(stmt->relation),
                       psprintf("REINDEX of %s blocks writes to it until its indexes are rebuilt",
                                display_name(stmt->relation)),
                       hint);
        return;
    }
    RangeVar* table = table_of_index(stmt->relation);
    report_locking(b, table != nullptr ? table : stmt->relation, "reindexing", display_name(stmt->relation),
                   psprintf("REINDEX of index %s blocks writes to %s, and the queries that use the index, until "
                            "it is rebuilt", display_name(stmt->relation),
                            table != nullptr ? display_name(table) : "its table"),
                   hint);
}

}  // namespace pgm::pg::safety
