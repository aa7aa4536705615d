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
#include "executor/executor.h"
#include "nodes/execnodes.h"
#include "parser/parse_node.h"
#include "utils/backend_status.h"
}

#if PG_VERSION_NUM < 150000
#error "pg_migrate needs PostgreSQL 15 or later"
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

}  // namespace pgm::pg::compat
