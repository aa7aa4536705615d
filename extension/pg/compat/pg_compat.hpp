// What differs between the PostgreSQL majors pg_migrate supports (15 to 18),
// in one place: the rest of the PG zone calls these and never tests
// PG_VERSION_NUM itself.  Each boundary is the major where upstream made the
// change (16 and 17 are built to work; 15 and 18 are tested).  Token numbers
// of the grammar, which differ between every major, are found at run time
// instead (grammar_tokens.hpp).
//
// PG zone.
#pragma once

#include "../../bridge/pg_headers.hpp"

extern "C" {
#include "access/tupdesc.h"
#include "catalog/pg_attribute.h"
#include "executor/executor.h"
#include "nodes/execnodes.h"
#include "nodes/parsenodes.h"
#include "parser/parse_node.h"
#include "tcop/pquery.h"
#include "utils/backend_status.h"
}

#if PG_VERSION_NUM < 150000
#error "pg_migrate needs PostgreSQL 15 or later"
#endif

// --- SQL over the catalogs ------------------------------------------------
// Whether the pg_constraint row `alias` is enforced, as an SQL expression for
// queries written at compile time (18: conenforced; every constraint before).
#if PG_VERSION_NUM >= 180000
#define PGM_SQL_CONSTRAINT_ENFORCED(alias) alias ".conenforced"
#else
#define PGM_SQL_CONSTRAINT_ENFORCED(alias) "true"
#endif

namespace pgm::pg::compat {

// --- Permissions of a range table entry (16: RTEPermissionInfo) ----------
// Where requiredPerms and insertedCols of a relation the parse state opened
// live: from 16 on, in its RTEPermissionInfo; before, in the entry itself.
#if PG_VERSION_NUM >= 160000
using RelationPermissions = RTEPermissionInfo;
inline RelationPermissions* permissions_of(ParseNamespaceItem* item) { return item->p_perminfo; }
// ExecCheckPermissions (16) over the parse state's tables; raises an error.
inline void check_permissions(ParseState* pstate) {
    ExecCheckPermissions(pstate->p_rtable, pstate->p_rteperminfos, true);
}
#else
using RelationPermissions = RangeTblEntry;
inline RelationPermissions* permissions_of(ParseNamespaceItem* item) { return item->p_rte; }
inline void check_permissions(ParseState* pstate) { ExecCheckRTPerms(pstate->p_rtable, true); }
#endif

// --- Backend status (16: accessors renamed for backend ids) --------------
// The status of the index-th backend (1-based) of this backend's snapshot.
inline LocalPgBackendStatus* backend_status_at(int index) {
#if PG_VERSION_NUM >= 160000
    return pgstat_get_local_beentry_by_index(index);
#else
    return pgstat_fetch_stat_local_beentry(index);
#endif
}

// --- CHECK constraints (18: NOT ENFORCED; the executor's array renamed) --
// The result relation's prepared CHECK expressions, built by ExecConstraints
// on first use while NULL.  From 18 an entry is NULL for a NOT ENFORCED one.
inline ExprState**& check_constraint_states(ResultRelInfo* info) {
#if PG_VERSION_NUM >= 180000
    return info->ri_CheckConstraintExprs;
#else
    return info->ri_ConstraintExprs;
#endif
}

// Whether inserts must satisfy the constraint (18 added NOT ENFORCED).
inline bool check_constraint_enforced(const ConstrCheck& check) {
#if PG_VERSION_NUM >= 180000
    return check.ccenforced;
#else
    (void)check;
    return true;
#endif
}

// --- Statement forms the classifier tells apart (17, 18) -----------------
// ALTER TABLE ... ALTER COLUMN c SET EXPRESSION AS (expr) (17: AT_SetExpression).
inline bool is_set_expression(const AlterTableCmd* cmd) {
#if PG_VERSION_NUM >= 170000
    return cmd->subtype == AT_SetExpression;
#else
    (void)cmd;
    return false;
#endif
}

// A generated column's definition without STORED is virtual (18: generated_kind).
inline bool generated_column_is_virtual(const Constraint* generated) {
#if PG_VERSION_NUM >= 180000
    return generated->generated_kind == ATTRIBUTE_GENERATED_VIRTUAL;
#else
    (void)generated;
    return false;
#endif
}

// A column's attgenerated says virtual (18: ATTRIBUTE_GENERATED_VIRTUAL).
inline bool attribute_is_virtual(char attgenerated) {
#if PG_VERSION_NUM >= 180000
    return attgenerated == ATTRIBUTE_GENERATED_VIRTUAL;
#else
    (void)attgenerated;
    return false;
#endif
}

// ADD CONSTRAINT ... CHECK or FOREIGN KEY ... NOT ENFORCED (18: is_enforced).
inline bool constraint_not_enforced(const Constraint* constraint) {
#if PG_VERSION_NUM >= 180000
    return !constraint->is_enforced;
#else
    (void)constraint;
    return false;
#endif
}

// ALTER CONSTRAINT name ENFORCED (18: an ATAlterConstraint; in 15-17 the
// subcommand's def is a Constraint node and has no enforceability).
inline bool alter_constraint_enforces(const AlterTableCmd* cmd) {
#if PG_VERSION_NUM >= 180000
    if (cmd->subtype != AT_AlterConstraint || cmd->def == nullptr || !IsA(cmd->def, ATAlterConstraint))
        return false;
    const ATAlterConstraint* alter = castNode(ATAlterConstraint, cmd->def);
    return alter->alterEnforceability && alter->is_enforced;
#else
    (void)cmd;
    return false;
#endif
}

// The constraint ALTER CONSTRAINT names (18: ATAlterConstraint; before, a
// Constraint node), or NULL.
inline const char* altered_constraint_name(const AlterTableCmd* cmd) {
    if (cmd->subtype != AT_AlterConstraint || cmd->def == nullptr) return nullptr;
#if PG_VERSION_NUM >= 180000
    return IsA(cmd->def, ATAlterConstraint) ? castNode(ATAlterConstraint, cmd->def)->conname : nullptr;
#else
    return IsA(cmd->def, Constraint) ? castNode(Constraint, cmd->def)->conname : nullptr;
#endif
}

// MERGE ... WHEN NOT MATCHED BY SOURCE: a target row no source row matches
// (17: matchKind; 15 and 16 have only a bool `matched`).
inline bool merge_clause_on_unmatched_target(const MergeWhenClause* clause) {
#if PG_VERSION_NUM >= 170000
    return clause->matchKind == MERGE_WHEN_NOT_MATCHED_BY_SOURCE;
#else
    (void)clause;
    return false;
#endif
}

// ADD CONSTRAINT name NOT NULL column NOT VALID, then VALIDATE CONSTRAINT
// (18: NOT NULL constraints of their own, which may be NOT VALID).
constexpr bool kNotNullCanBeNotValid = PG_VERSION_NUM >= 180000;

// pg_constraint.contype of a NOT NULL constraint (18's CONSTRAINT_NOTNULL);
// no constraint has it before 18, where NOT NULL lives in pg_attribute only.
constexpr char kNotNullConstraintType = 'n';

// --- Running a portal (18: PortalRun lost its run_once argument) ---------
// Runs the whole portal as a top-level query (or not), results to `dest`.
inline void run_portal(Portal portal, bool top_level, DestReceiver* dest, QueryCompletion* completion) {
#if PG_VERSION_NUM >= 180000
    (void)PortalRun(portal, FETCH_ALL, top_level, dest, dest, completion);
#else
    (void)PortalRun(portal, FETCH_ALL, top_level, true, dest, dest, completion);
#endif
}

}  // namespace pgm::pg::compat
