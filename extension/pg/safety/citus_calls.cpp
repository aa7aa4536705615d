// PG zone: see citus_calls.hpp.
#include "citus_calls.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/varlena.h"
}

namespace pgm::pg::safety {
namespace {

struct CitusCall {
    const char* function;
    const char* rule;
    const char* where;  // where the call copies the table's rows
    const char* hint;
};

constexpr CitusCall kCalls[] = {
    {"create_distributed_table", "distributing-table", "into its shards on the workers",
     "Distribute a table while it is empty, or with create_distributed_table_concurrently in a "
     "no-transaction migration: it copies the rows while writes go on."},
    {"create_reference_table", "replicating-table", "to every node",
     "Make a table a reference table while it is empty, or while nothing writes to it."},
    {"alter_distributed_table", "redistributing-table", "into a new distributed table",
     "Plan it for a quiet time: writes to the table wait for the whole copy."},
    {"undistribute_table", "undistributing-table", "from the shards back into a local table",
     "Plan it for a quiet time: writes to the table wait for the whole copy."},
};

const CitusCall* citus_call(const FuncCall* call) {
    const char* name = strVal(llast(call->funcname));
    for (const CitusCall& c : kCalls)
        if (strcmp(name, c.function) == 0) return &c;
    return nullptr;
}

// The table a call names: its first argument or the one named table_name,
// a string constant (cast to regclass or not), read as regclass reads it.
RangeVar* named_table(const FuncCall* call) {
    Node* arg = nullptr;
    ListCell* lc;
    foreach (lc, call->args) {
        Node* a = static_cast<Node*>(lfirst(lc));
        if (IsA(a, NamedArgExpr)) {
            const NamedArgExpr* named = castNode(NamedArgExpr, a);
            if (strcmp(named->name, "table_name") == 0) arg = reinterpret_cast<Node*>(named->arg);
        } else if (foreach_current_index(lc) == 0) {
            arg = a;
        }
    }
    if (arg != nullptr && IsA(arg, TypeCast)) arg = castNode(TypeCast, arg)->arg;
    if (arg == nullptr || !IsA(arg, A_Const) || castNode(A_Const, arg)->isnull ||
        !IsA(&castNode(A_Const, arg)->val, String))
        return nullptr;
    List* parts = NIL;  // of char*
    if (!SplitIdentifierString(pstrdup(strVal(&castNode(A_Const, arg)->val)), '.', &parts) ||
        list_length(parts) == 0 || list_length(parts) > 3)
        return nullptr;
    List* names = NIL;  // of String, as the grammar gives them
    foreach (lc, parts) names = lappend(names, makeString(static_cast<char*>(lfirst(lc))));
    return makeRangeVarFromNameList(names);
}

// " (35 MB on disk)" by the table's statistics, or nothing.
const char* size_on_disk(const RelationFacts& facts) {
    if (!facts.exists || !facts.size_known || facts.pages <= 0) return "";
    const int64 bytes = static_cast<int64>(facts.pages) * BLCKSZ;
    return psprintf(" (%s on disk)", text_to_cstring(DatumGetTextPP(
                                        DirectFunctionCall1(pg_size_pretty, Int64GetDatum(bytes)))));
}

void analyze_call(Builder* b, const FuncCall* call) {
    const CitusCall* c = citus_call(call);
    if (c == nullptr) return;
    RangeVar* table = named_table(call);
    if (table == nullptr || relation_created(b->facts, table)) return;
    add_lock(b, table, ExclusiveLock);
    report_locking(b, table, c->rule, display_name(table),
                   psprintf("%s(%s) copies every row%s %s, blocking writes to it until the migration commits", c->function,
                            display_name(table), size_on_disk(existing_facts(b, table)), c->where),
                   c->hint);
}

}  // namespace

void analyze_citus_calls(Builder* b, SelectStmt* stmt) {
    ListCell* lc;
    foreach (lc, stmt->targetList) {
        const ResTarget* target = lfirst_node(ResTarget, lc);
        if (target->val != nullptr && IsA(target->val, FuncCall)) analyze_call(b, castNode(FuncCall, target->val));
    }
}

}  // namespace pgm::pg::safety
