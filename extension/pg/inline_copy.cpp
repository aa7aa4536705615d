// PG zone: see inline_copy.hpp.
#include "inline_copy.hpp"

#include "compat/pg_compat.hpp"

extern "C" {
#include "access/sysattr.h"
#include "commands/copyfrom_internal.h"
#include "access/table.h"
#include "access/xact.h"
#include "commands/copy.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "parser/parse_collate.h"
#include "parser/parse_expr.h"
#include "parser/parse_node.h"
#include "parser/parse_relation.h"
#include "parser/parser.h"
#include "tcop/utility.h"
#include "utils/rel.h"
#include "utils/rls.h"
#include "utils/snapmgr.h"
}

namespace pgm::pg {
namespace {

// Where the data callback reads.  BeginCopyFrom's callback takes no argument
// of its own, and one COPY runs at a time in a backend.
struct DataSource {
    const char* data;
    int length;
    int offset;
    const CopyDataReader* reader;  // the data comes from here instead, when not NULL
};
DataSource* current_source = nullptr;
// The COPY running now and its statement, for the line of a bad row.
CopyFromState current_copy = nullptr;
const ScriptStatement* copying_statement = nullptr;

int read_script_data(void* outbuf, int /*minread*/, int maxread) {
    DataSource* source = current_source;
    if (source->reader != nullptr) return source->reader->read(source->reader->arg, static_cast<char*>(outbuf), maxread);
    const int n = Min(maxread, source->length - source->offset);
    memcpy(outbuf, source->data + source->offset, n);
    source->offset += n;
    return n;
}

// A position is one in the statement's text (parsed on its own here: the
// split's tree, when kept, has positions in the whole script), shown as SPI
// shows it; the data's place in the script is named.
void inline_copy_error_context(void* arg) {
    const ScriptStatement* st = static_cast<const ScriptStatement*>(arg);
    const int position = geterrposition();
    if (position > 0) {
        errposition(0);
        internalerrposition(position);
        internalerrquery(st->text);
    }
    errcontext("COPY data beginning on line %d of the script", st->copy_data_line);
}

// The data reached the server inside the script, converted to the database
// encoding like the rest of it: read it so, whatever client_encoding says.
List* options_in_database_encoding(List* options) {
    ListCell* lc;
    foreach (lc, options) {
        DefElem* option = lfirst_node(DefElem, lc);
        if (strcmp(option->defname, "encoding") != 0) continue;
        const int named = pg_char_to_encoding(defGetString(option));
        if (named == GetDatabaseEncoding()) return options;
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("COPY data in a migration cannot be in encoding \"%s\"", defGetString(option)),
                        errdetail("The script, its COPY data included, reaches the server in the database "
                                  "encoding \"%s\".",
                                  GetDatabaseEncodingName()),
                        errhint("Remove the ENCODING option.")));
    }
    return lappend(list_copy(options),
                   makeDefElem(pstrdup("encoding"), reinterpret_cast<Node*>(makeString(pstrdup(GetDatabaseEncodingName()))), -1));
}

Node* transform_where(ParseState* pstate, ParseNamespaceItem* table, Node* where) {
    addNSItemToQuery(pstate, table, false, true, true);
    Node* clause = transformExpr(pstate, where, EXPR_KIND_COPY_WHERE);
    clause = coerce_to_boolean(pstate, clause, "WHERE");
    assign_expr_collations(pstate, clause);
    clause = eval_const_expressions(nullptr, clause);
    clause = reinterpret_cast<Node*>(canonicalize_qual(reinterpret_cast<Expr*>(clause), false));
    return reinterpret_cast<Node*>(make_ands_implicit(reinterpret_cast<Expr*>(clause)));
}

// What DoCopy checks before COPY FROM: INSERT on the table's listed (or all)
// columns, no row-level security to apply, a writable transaction.
void check_copy_into(ParseState* pstate, Relation rel, compat::RelationPermissions* permissions, List* attlist) {
    List* attnums = CopyGetAttnums(RelationGetDescr(rel), rel, attlist);
    ListCell* lc;
    foreach (lc, attnums)
        permissions->insertedCols =
            bms_add_member(permissions->insertedCols, lfirst_int(lc) - FirstLowInvalidHeapAttributeNumber);
    compat::check_permissions(pstate);
    if (check_enable_rls(RelationGetRelid(rel), InvalidOid, false) == RLS_ENABLED)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("COPY FROM not supported with row-level security"),
                        errhint("Use INSERT statements instead.")));
    if (XactReadOnly && !rel->rd_islocaltemp) PreventCommandIfReadOnly("COPY FROM");
}

uint64 copy_into(const ScriptStatement* st, CopyStmt* stmt) {
    ParseState* pstate = make_parsestate(nullptr);
    pstate->p_sourcetext = st->text;
    Relation rel = table_openrv(stmt->relation, RowExclusiveLock);
    ParseNamespaceItem* table = addRangeTableEntryForRelation(pstate, rel, RowExclusiveLock, nullptr, false, false);
    compat::RelationPermissions* permissions = compat::permissions_of(table);
    permissions->requiredPerms = ACL_INSERT;
    Node* where = stmt->whereClause != nullptr ? transform_where(pstate, table, stmt->whereClause) : nullptr;
    check_copy_into(pstate, rel, permissions, stmt->attlist);

    DataSource source{st->copy_data, st->copy_data_length, 0, st->copy_reader};
    current_source = &source;
    current_copy = nullptr;
    copying_statement = st;
    CopyFromState cstate = BeginCopyFrom(pstate, rel, where, nullptr, false, read_script_data, stmt->attlist,
                                         options_in_database_encoding(stmt->options));
    current_copy = cstate;
    uint64 rows = 0;
    PG_TRY();
    {
        rows = CopyFrom(cstate);
    }
    PG_FINALLY();
    {
        // Read by the error context callbacks while an error is reported,
        // never after: the state is freed with the transaction.
        current_copy = nullptr;
        copying_statement = nullptr;
    }
    PG_END_TRY();
    EndCopyFrom(cstate);
    current_source = nullptr;
    table_close(rel, NoLock);
    free_parsestate(pstate);
    return rows;
}

}  // namespace

int copy_error_line(const ScriptStatement* st) {
    if (st != copying_statement || current_copy == nullptr || current_copy->cur_lineno == 0) return 0;
    return st->copy_data_line + static_cast<int>(current_copy->cur_lineno) - 1;
}

uint64 run_inline_copy(const ScriptStatement* st) {
    ErrorContextCallback callback;
    callback.callback = inline_copy_error_context;
    callback.arg = const_cast<ScriptStatement*>(st);
    callback.previous = error_context_stack;
    error_context_stack = &callback;

    List* raw = raw_parser(st->text, RAW_PARSE_DEFAULT);
    CopyStmt* stmt = castNode(CopyStmt, linitial_node(RawStmt, raw)->stmt);
    // As SPI runs a statement: a fresh snapshot, the command counter
    // advanced before and after.
    CommandCounterIncrement();
    PushActiveSnapshot(GetTransactionSnapshot());
    const uint64 rows = copy_into(st, stmt);
    if (st->copy_reader != nullptr) st->copy_reader->done(st->copy_reader->arg, rows);
    PopActiveSnapshot();
    CommandCounterIncrement();

    error_context_stack = callback.previous;
    return rows;
}

}  // namespace pgm::pg
