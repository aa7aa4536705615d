// PG zone: see row_writer.hpp.
#include "row_writer.hpp"

#include "compat/pg_compat.hpp"

extern "C" {
#include "access/table.h"
#include "access/xact.h"
#include "miscadmin.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"
#include "nodes/readfuncs.h"
#include "optimizer/optimizer.h"
#include "rewrite/rewriteHandler.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/inval.h"
#include "utils/rel.h"
}

namespace pgm::pg {
namespace {

// Per table and backend, across transactions: its CHECK constraints and
// column defaults as planned expression trees.  Reading them again for every
// row (stringToNode, planning) cost more than writing the row.  A relcache
// invalidation of the table (ALTER TABLE, ALTER EXTENSION ... UPDATE) drops
// them; writers copy the trees, so dropping is safe at any time.
struct PreparedTable {
    Oid relid;
    MemoryContext memory;  // nullptr: not prepared
    int checks;
    Expr** check;          // as in the relation's constr->check[]
    int natts;
    Expr** default_value;  // per attribute; nullptr: no default (NULL)
};
constexpr int kPreparedTables = 4;  // the ledger, the DDL log and room to spare
PreparedTable prepared_tables[kPreparedTables];
bool invalidation_registered = false;

void forget_prepared_tables(Datum, Oid relid) {
    for (PreparedTable& table : prepared_tables) {
        if (table.memory == nullptr || (OidIsValid(relid) && relid != table.relid)) continue;
        MemoryContextDelete(table.memory);
        table = PreparedTable{};
    }
}

PreparedTable* prepare_table(Relation rel) {
    if (!invalidation_registered) {
        CacheRegisterRelcacheCallback(forget_prepared_tables, Datum(0));
        invalidation_registered = true;
    }
    TupleDesc desc = RelationGetDescr(rel);
    const int checks = desc->constr != nullptr ? desc->constr->num_check : 0;
    PreparedTable* table = nullptr;
    for (PreparedTable& t : prepared_tables) {
        if (t.memory != nullptr && t.relid == RelationGetRelid(rel)) {
            if (t.checks == checks && t.natts == desc->natts) return &t;
            forget_prepared_tables(Datum(0), t.relid);
        }
    }
    for (PreparedTable& t : prepared_tables)
        if (t.memory == nullptr) table = &t;
    if (table == nullptr) {  // never with our tables: start over
        forget_prepared_tables(Datum(0), InvalidOid);
        table = &prepared_tables[0];
    }
    MemoryContext memory = AllocSetContextCreate(CacheMemoryContext, "pg_migrate prepared table", ALLOCSET_SMALL_SIZES);
    MemoryContext caller = MemoryContextSwitchTo(memory);
    PG_TRY();
    {
        Expr** check = static_cast<Expr**>(palloc0(sizeof(Expr*) * Max(checks, 1)));
        for (int i = 0; i < checks; i++) {
            const ConstrCheck& constraint = desc->constr->check[i];
            // NULL: not enforced, skipped as ExecConstraints skips it.
            if (compat::check_constraint_enforced(constraint))
                check[i] = expression_planner(static_cast<Expr*>(stringToNode(constraint.ccbin)));
        }
        Expr** default_value = static_cast<Expr**>(palloc0(sizeof(Expr*) * Max(desc->natts, 1)));
        for (int i = 0; i < desc->natts; i++) {
            if (TupleDescAttr(desc, i)->attisdropped) continue;
            Node* expr = build_column_default(rel, i + 1);
            if (expr != nullptr) default_value[i] = expression_planner(reinterpret_cast<Expr*>(expr));
        }
        *table = PreparedTable{RelationGetRelid(rel), memory, checks, check, desc->natts, default_value};
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        MemoryContextDelete(memory);
        PG_RE_THROW();
    }
    PG_END_TRY();
    MemoryContextSwitchTo(caller);
    return table;
}

}  // namespace

struct RowWriter {
    Relation rel;
    EState* estate;
    ResultRelInfo* info;
    TupleTableSlot* slot;  // virtual: the row being written
    bool* is_set;          // per attribute: given by the caller
    ExprState** defaults;  // per attribute: its default initialised, when first needed
    bool* without_default; // per attribute: found to have none (NULL)
    int next_attribute;    // where set_column looks first (callers set columns in table order)
    Oid saved_user;        // switched back to by close_row_writer
    int saved_security_context;
    int guc_nest_level;    // 0: search_path not pinned (the table has no triggers)
};

namespace {

// The triggers an insert of the writer fires: row triggers only (as for a
// row that logical replication applies); foreign keys are AFTER ROW triggers.
bool has_insert_row_triggers(Relation rel) {
    const TriggerDesc* triggers = rel->trigdesc;
    return triggers != nullptr && (triggers->trig_insert_before_row || triggers->trig_insert_after_row ||
                                   triggers->trig_insert_instead_row);
}

// The table's owner, restricted (as an OwnerScope is); search_path pinned only
// for triggers: nothing else the writer runs looks a name up.
void become_owner(RowWriter* writer) {
    GetUserIdAndSecContext(&writer->saved_user, &writer->saved_security_context);
    SetUserIdAndSecContext(writer->rel->rd_rel->relowner, writer->saved_security_context |
                                                              SECURITY_LOCAL_USERID_CHANGE |
                                                              SECURITY_RESTRICTED_OPERATION);
    if (!has_insert_row_triggers(writer->rel)) return;
    writer->guc_nest_level = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                      false);
}

void stop_being_owner(const RowWriter* writer) {
    if (writer->guc_nest_level > 0) AtEOXact_GUC(false, writer->guc_nest_level);
    SetUserIdAndSecContext(writer->saved_user, writer->saved_security_context);
}

}  // namespace

RowWriter* open_row_writer(Oid relid) {
    // What the executor checks before an INSERT (here there is no plan).
    PreventCommandIfReadOnly("INSERT");
    PreventCommandIfParallelMode("INSERT");
    Relation rel = table_open(relid, RowExclusiveLock);
    EState* estate = CreateExecutorState();
    MemoryContext caller = MemoryContextSwitchTo(estate->es_query_cxt);
    RowWriter* writer = static_cast<RowWriter*>(palloc0(sizeof(RowWriter)));
    writer->rel = rel;
    writer->estate = estate;
    become_owner(writer);
    // Not in a range table (index 0): nothing here is checked against one.
    writer->info = makeNode(ResultRelInfo);
    InitResultRelInfo(writer->info, rel, 0, nullptr, 0);
    ExecOpenIndices(writer->info, false);
    // Where AFTER ROW triggers look for the relation they fire on.
    estate->es_opened_result_relations = lappend(estate->es_opened_result_relations, writer->info);
    estate->es_output_cid = GetCurrentCommandId(true);
    const int natts = RelationGetDescr(rel)->natts;
    writer->slot = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel), &TTSOpsVirtual);
    writer->is_set = static_cast<bool*>(palloc0(sizeof(bool) * natts));
    writer->defaults = static_cast<ExprState**>(palloc0(sizeof(ExprState*) * natts));
    writer->without_default = static_cast<bool*>(palloc0(sizeof(bool) * natts));
    // Copies first: initialising an expression can read the catalogs, and so
    // take in an invalidation that drops the prepared trees.
    const PreparedTable* table = prepare_table(rel);
    const int checks = table->checks;
    Expr** check = static_cast<Expr**>(palloc0(sizeof(Expr*) * Max(checks, 1)));
    for (int i = 0; i < checks; i++) check[i] = static_cast<Expr*>(copyObject(table->check[i]));  // NULL stays NULL
    // What ExecConstraints would otherwise build from the catalog text for
    // each writer (it builds them only while the array is NULL).
    if (checks > 0) {
        ExprState**& states = compat::check_constraint_states(writer->info);
        states = static_cast<ExprState**>(palloc(sizeof(ExprState*) * checks));
        for (int i = 0; i < checks; i++) states[i] = ExecInitExpr(check[i], nullptr);
    }
    ExecClearTuple(writer->slot);
    MemoryContextSwitchTo(caller);
    // Row triggers on the table (none of ours) queue their AFTER events here.
    AfterTriggerBeginQuery();
    return writer;
}

namespace {

// The attribute number of `column`, 0 when the table has none: the tuple
// descriptor is searched from where the last column set was found, so setting
// the columns in table order costs a comparison each.
AttrNumber attribute_of(const RowWriter* writer, const char* column) {
    TupleDesc desc = RelationGetDescr(writer->rel);
    for (int n = 0; n < desc->natts; n++) {
        const int i = (writer->next_attribute + n) % desc->natts;
        const Form_pg_attribute attr = TupleDescAttr(desc, i);
        if (!attr->attisdropped && strcmp(NameStr(attr->attname), column) == 0) return static_cast<AttrNumber>(i + 1);
    }
    return 0;
}

// The value of attribute `index` (0-based) when the caller did not set it:
// the column's default, evaluated like INSERT does (identity columns draw from
// their sequence), NULL without one.
void fill_default(RowWriter* writer, int index) {
    TupleTableSlot* slot = writer->slot;
    if (writer->defaults[index] == nullptr && !writer->without_default[index]) {
        // The prepared trees are looked up again here (not kept from open):
        // an invalidation since then may have dropped them.  Copied first, as
        // initialising the expression can read the catalogs.
        const PreparedTable* table = prepare_table(writer->rel);
        MemoryContext caller = MemoryContextSwitchTo(writer->estate->es_query_cxt);
        Expr* default_value = static_cast<Expr*>(copyObject(table->default_value[index]));
        if (default_value != nullptr) writer->defaults[index] = ExecInitExpr(default_value, nullptr);
        writer->without_default[index] = default_value == nullptr;
        MemoryContextSwitchTo(caller);
    }
    if (writer->without_default[index]) {
        slot->tts_values[index] = Datum(0);
        slot->tts_isnull[index] = true;
        return;
    }
    ExprContext* econtext = GetPerTupleExprContext(writer->estate);
    slot->tts_values[index] =
        ExecEvalExprSwitchContext(writer->defaults[index], econtext, &slot->tts_isnull[index]);
}

}  // namespace

bool has_column(const RowWriter* writer, const char* column) { return attribute_of(writer, column) > 0; }

void set_column(RowWriter* writer, const char* column, Datum value, bool isnull) {
    const AttrNumber attnum = attribute_of(writer, column);
    if (attnum <= 0)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("column \"%s\" of relation \"%s\" does not exist", column,
                               RelationGetRelationName(writer->rel))));
    writer->slot->tts_values[attnum - 1] = value;
    writer->slot->tts_isnull[attnum - 1] = isnull;
    writer->is_set[attnum - 1] = true;
    writer->next_attribute = attnum % RelationGetDescr(writer->rel)->natts;
}

void set_text_column(RowWriter* writer, const char* column, const char* text) {
    if (text == nullptr)
        set_column(writer, column, Datum(0), true);
    else
        set_column(writer, column, CStringGetTextDatum(text), false);
}

void insert_written_row(RowWriter* writer) {
    const int natts = RelationGetDescr(writer->rel)->natts;
    for (int i = 0; i < natts; i++)
        if (!writer->is_set[i]) fill_default(writer, i);
    ExecStoreVirtualTuple(writer->slot);
    ExecSimpleRelationInsert(writer->info, writer->estate, writer->slot);
    ExecClearTuple(writer->slot);
    memset(writer->is_set, 0, sizeof(bool) * natts);
    ResetPerTupleExprContext(writer->estate);
}

void close_row_writer(RowWriter* writer) {
    EState* estate = writer->estate;
    AfterTriggerEndQuery(estate);
    ExecCloseResultRelations(estate);  // the indexes, and tables the triggers opened
    table_close(writer->rel, NoLock);
    stop_being_owner(writer);
    ExecResetTupleTable(estate->es_tupleTable, false);
    FreeExecutorState(estate);  // the writer lived in its memory
}

}  // namespace pgm::pg
