// PG zone: see alter_table.hpp.
#include "alter_table.hpp"

#include "../compat/pg_compat.hpp"
#include "columns.hpp"
#include "constraints.hpp"
#include "partitions.hpp"
#include "tables.hpp"

extern "C" {
#include "commands/tablecmds.h"
}

namespace pgm::pg::safety {

namespace {

// One subcommand on an existing table, by its rule family.
void analyze_subcommand(Builder* b, const RangeVar* table, AlterTableCmd* cmd) {
    const char* column = cmd->name;
    const bool new_column = column != nullptr && column_created(b->facts, table, column);
    if (compat::is_set_expression(cmd)) {  // no case label: AT_SetExpression is 17's
        if (!new_column) analyze_set_expression(b, table, column);
        return;
    }
    switch (cmd->subtype) {
        case AT_DropColumn:
            if (!new_column) analyze_drop_column(b, table, column);
            return;
        case AT_AlterColumnType:
            if (!new_column) analyze_column_type(b, table, cmd);
            return;
        case AT_SetNotNull:
            if (!new_column) analyze_set_not_null(b, table, column);
            return;
        case AT_DropNotNull:
            if (!new_column) analyze_drop_not_null(b, table, column);
            return;
        case AT_AddConstraint:
            analyze_add_constraint(b, table, castNode(Constraint, cmd->def));
            return;
        case AT_ValidateConstraint:
            analyze_validate_constraint(b, table, cmd->name);
            return;
        case AT_AlterConstraint:
            if (compat::alter_constraint_enforces(cmd)) analyze_enforce_constraint(b, table, cmd);
            return;
        case AT_DropConstraint:
            analyze_drop_constraint(b, table, cmd);
            return;
        case AT_SetTableSpace:
        case AT_SetAccessMethod:
        case AT_SetLogged:
        case AT_SetUnLogged:
            analyze_table_rewrite(b, table);
            return;
        case AT_AttachPartition:
            analyze_attach_partition(b, castNode(PartitionCmd, cmd->def));
            return;
        case AT_DetachPartition:
            analyze_detach_partition(b, table, castNode(PartitionCmd, cmd->def));
            return;
        default:
            return;
    }
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
        if (!created) analyze_subcommand(b, table, cmd);
    }
}

}  // namespace pgm::pg::safety
