// PG zone: see classifier.hpp.  The rules follow the merged list of unsafe
// operations (squawk, strong_migrations, Atlas); each names its rule, the
// object, why, and the safe way.  This file hands each statement to its rule
// family in safety/ (tables, columns, constraints, indexes, partitions,
// types, drops, writes, Citus's calls; ALTER TABLE through alter_table).  What a script may
// not do at all (transaction control, what cannot run in a transaction) is
// decided by the api zone's refusals, not here.
#include "classifier.hpp"

#include "alter_table.hpp"
#include "citus_calls.hpp"
#include "drops.hpp"
#include "indexes.hpp"
#include "statement_builder.hpp"
#include "tables.hpp"
#include "types.hpp"
#include "writes.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/parsenodes.h"
#include "utils/hsearch.h"
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

namespace safety {
namespace {

// Objects other than relations that the script creates, remembered so that
// dropping or altering them later in it is no finding.
void remember_created_object(Builder* b, Node* stmt) {
    switch (nodeTag(stmt)) {
        case T_CreateSchemaStmt:
            if (castNode(CreateSchemaStmt, stmt)->schemaname != nullptr)
                remember_object(b->facts, ObjectKind::kSchema, castNode(CreateSchemaStmt, stmt)->schemaname);
            return;
        case T_CreateExtensionStmt:
            remember_object(b->facts, ObjectKind::kExtension, castNode(CreateExtensionStmt, stmt)->extname);
            return;
        case T_CreateFunctionStmt:
            remember_object(b->facts, ObjectKind::kFunction,
                            NameListToString(castNode(CreateFunctionStmt, stmt)->funcname));
            return;
        case T_CreateEnumStmt:
            remember_object(b->facts, ObjectKind::kType, NameListToString(castNode(CreateEnumStmt, stmt)->typeName));
            return;
        case T_CreateRangeStmt:
            remember_object(b->facts, ObjectKind::kType,
                            NameListToString(castNode(CreateRangeStmt, stmt)->typeName));
            return;
        case T_CompositeTypeStmt: {
            const RangeVar* type = castNode(CompositeTypeStmt, stmt)->typevar;
            remember_object(b->facts, ObjectKind::kType, display_name(type));
            return;
        }
        default:
            return;
    }
}

void dispatch(Builder* b, Node* stmt) {
    switch (nodeTag(stmt)) {
        case T_AlterTableStmt: analyze_alter_table(b, castNode(AlterTableStmt, stmt)); return;
        case T_CreateStmt: analyze_create_table(b, castNode(CreateStmt, stmt)); return;
        case T_CreateForeignTableStmt: analyze_create_table(b, &castNode(CreateForeignTableStmt, stmt)->base); return;
        case T_SelectStmt:
            remember_created_relation(b, stmt);
            analyze_citus_calls(b, castNode(SelectStmt, stmt));
            return;
        case T_CreateTableAsStmt:
        case T_ViewStmt:
        case T_CreateSeqStmt: remember_created_relation(b, stmt); return;
        case T_RenameStmt: analyze_rename(b, castNode(RenameStmt, stmt)); return;
        case T_AlterObjectSchemaStmt: analyze_set_schema(b, castNode(AlterObjectSchemaStmt, stmt)); return;
        case T_LockStmt: analyze_lock_table(b, castNode(LockStmt, stmt)); return;
        case T_ClusterStmt: analyze_cluster(b, castNode(ClusterStmt, stmt)); return;
        case T_VacuumStmt: analyze_vacuum(b, castNode(VacuumStmt, stmt)); return;
        case T_RefreshMatViewStmt: analyze_refresh(b, castNode(RefreshMatViewStmt, stmt)); return;
        case T_IndexStmt: analyze_create_index(b, castNode(IndexStmt, stmt)); return;
        case T_ReindexStmt: analyze_reindex(b, castNode(ReindexStmt, stmt)); return;
        case T_AlterEnumStmt: analyze_alter_enum(b, castNode(AlterEnumStmt, stmt)); return;
        case T_CreateDomainStmt: analyze_create_domain(b, castNode(CreateDomainStmt, stmt)); return;
        case T_AlterDomainStmt: analyze_alter_domain(b, castNode(AlterDomainStmt, stmt)); return;
        case T_DropStmt: analyze_drop(b, castNode(DropStmt, stmt)); return;
        case T_TruncateStmt: analyze_truncate(b, castNode(TruncateStmt, stmt)); return;
        case T_DeleteStmt: analyze_delete(b, castNode(DeleteStmt, stmt)); return;
        case T_UpdateStmt: analyze_update(b, castNode(UpdateStmt, stmt)); return;
        case T_MergeStmt: analyze_merge(b, castNode(MergeStmt, stmt)); return;
        case T_InsertStmt: add_lock(b, castNode(InsertStmt, stmt)->relation, RowExclusiveLock); return;
        case T_CreateTrigStmt:
            add_lock(b, castNode(CreateTrigStmt, stmt)->relation, ShareRowExclusiveLock);
            return;
        case T_DropdbStmt:
            add(b, Risk::kDataLoss, "dropping-database", pstrdup(castNode(DropdbStmt, stmt)->dbname),
                psprintf("DROP DATABASE %s destroys everything in it", castNode(DropdbStmt, stmt)->dbname),
                "Never from a migration.");
            return;
        default: remember_created_object(b, stmt); return;
    }
}

}  // namespace
}  // namespace safety

// ---------------------------------------------------------------------------
// The entry points (classifier.hpp).

using namespace safety;

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
    dispatch(&b, stmt);
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
