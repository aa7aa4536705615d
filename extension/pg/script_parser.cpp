// PG zone: see script_parser.hpp.
#include "script_parser.hpp"

extern "C" {
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "parser/scansup.h"
// gram.h (token numbers) needs scanner.h's types first.
#include "parser/gram.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
}

namespace pgm::pg {
namespace {

// Cursor that turns byte offsets into line and column numbers without
// rescanning the script from the start, or from the start of the line, each
// time: statements come in order, and a script of 100,000 statements on one
// line must not cost 100,000 scans of it.  Offsets are at character
// boundaries (token starts).
struct LineCursor {
    const char* script;
    int offset;
    int line;
    int column;  // 1-based, in characters
};

int advance_to(LineCursor* cursor, int offset) {
    if (offset < cursor->offset) *cursor = LineCursor{cursor->script, 0, 1, 1};
    int line_part = cursor->offset;  // where the characters still to count start
    for (int i = cursor->offset; i < offset; i++) {
        if (cursor->script[i] == '\n') {
            cursor->line++;
            cursor->column = 1;
            line_part = i + 1;
        }
    }
    cursor->column += pg_mbstrlen_with_len(cursor->script + line_part, offset - line_part);
    cursor->offset = offset;
    return cursor->line;
}

int column_of(const char* script, int offset) {
    int line_start = offset;
    while (line_start > 0 && script[line_start - 1] != '\n') line_start--;
    return pg_mbstrlen_with_len(script + line_start, offset - line_start) + 1;
}

// Offset of the first token of `text` (skips whitespace and comments) using
// PostgreSQL's lexer; `length` when the text holds no token.
int first_token_offset(const char* text, int length) {
    core_yy_extra_type extra;
    core_YYSTYPE value;
    YYLTYPE location = 0;
    core_yyscan_t scanner = scanner_init(text, &extra, &ScanKeywords, ScanKeywordTokens);
    int token = core_yylex(&value, &location, scanner);
    scanner_finish(scanner);
    return token == 0 ? length : location;
}

bool option_is_true(List* options, const char* name, bool default_value) {
    ListCell* lc;
    foreach (lc, options) {
        DefElem* opt = lfirst_node(DefElem, lc);
        if (strcmp(opt->defname, name) == 0) return defGetBoolean(opt);
    }
    return default_value;
}

bool option_present(List* options, const char* name) {
    ListCell* lc;
    foreach (lc, options) {
        if (strcmp(lfirst_node(DefElem, lc)->defname, name) == 0) return true;
    }
    return false;
}

// The statements PostgreSQL refuses inside a transaction block
// (PreventInTransactionBlock in the server), named as the server names them.
const char* not_in_transaction_reason(Node* stmt) {
    switch (nodeTag(stmt)) {
        case T_IndexStmt:
            return castNode(IndexStmt, stmt)->concurrent ? "CREATE INDEX CONCURRENTLY" : nullptr;
        case T_DropStmt: {
            DropStmt* drop = castNode(DropStmt, stmt);
            return drop->concurrent ? "DROP INDEX CONCURRENTLY" : nullptr;
        }
        case T_ReindexStmt: {
            ReindexStmt* reindex = castNode(ReindexStmt, stmt);
            if (option_is_true(reindex->params, "concurrently", false))
                return "REINDEX CONCURRENTLY";
            if (reindex->kind == REINDEX_OBJECT_DATABASE) return "REINDEX DATABASE";
            if (reindex->kind == REINDEX_OBJECT_SYSTEM) return "REINDEX SYSTEM";
            return nullptr;
        }
        case T_VacuumStmt:
            return castNode(VacuumStmt, stmt)->is_vacuumcmd ? "VACUUM" : nullptr;
        case T_ClusterStmt:
            return castNode(ClusterStmt, stmt)->relation == nullptr ? "CLUSTER without a table"
                                                                     : nullptr;
        case T_CreatedbStmt:
            return "CREATE DATABASE";
        case T_DropdbStmt:
            return "DROP DATABASE";
        case T_AlterDatabaseStmt:
            return option_present(castNode(AlterDatabaseStmt, stmt)->options, "tablespace")
                       ? "ALTER DATABASE SET TABLESPACE"
                       : nullptr;
        case T_AlterSystemStmt:
            return "ALTER SYSTEM";
        case T_CreateTableSpaceStmt:
            return "CREATE TABLESPACE";
        case T_DropTableSpaceStmt:
            return "DROP TABLESPACE";
        case T_DiscardStmt:
            return castNode(DiscardStmt, stmt)->target == DISCARD_ALL ? "DISCARD ALL" : nullptr;
        case T_CreateSubscriptionStmt: {
            List* options = castNode(CreateSubscriptionStmt, stmt)->options;
            bool connect = option_is_true(options, "connect", true);
            return option_is_true(options, "create_slot", connect)
                       ? "CREATE SUBSCRIPTION ... WITH (create_slot = true)"
                       : nullptr;
        }
        case T_DropSubscriptionStmt:
            // Refused in a transaction block when the subscription has a
            // replication slot, which only the catalog knows: assume it has.
            return "DROP SUBSCRIPTION";
        case T_AlterSubscriptionStmt: {
            AlterSubscriptionStmt* alter = castNode(AlterSubscriptionStmt, stmt);
            if (alter->kind == ALTER_SUBSCRIPTION_REFRESH) return "ALTER SUBSCRIPTION ... REFRESH";
            if ((alter->kind == ALTER_SUBSCRIPTION_SET_PUBLICATION ||
                 alter->kind == ALTER_SUBSCRIPTION_ADD_PUBLICATION ||
                 alter->kind == ALTER_SUBSCRIPTION_DROP_PUBLICATION) &&
                option_is_true(alter->options, "refresh", true))
                return "ALTER SUBSCRIPTION ... PUBLICATION with refresh";
            return nullptr;
        }
        case T_AlterTableStmt: {
            ListCell* lc;
            foreach (lc, castNode(AlterTableStmt, stmt)->cmds) {
                AlterTableCmd* cmd = lfirst_node(AlterTableCmd, lc);
                if (cmd->subtype == AT_DetachPartition && cmd->def != nullptr &&
                    castNode(PartitionCmd, cmd->def)->concurrent)
                    return "ALTER TABLE ... DETACH PARTITION CONCURRENTLY";
            }
            return nullptr;
        }
        default:
            return nullptr;
    }
}

const char* unsupported_reason(Node* stmt) {
    if (IsA(stmt, CopyStmt)) {
        CopyStmt* copy = castNode(CopyStmt, stmt);
        if (copy->filename == nullptr && !copy->is_program)
            return copy->is_from ? "COPY ... FROM STDIN needs psql to send the data"
                                 : "COPY ... TO STDOUT needs a client to receive the data";
    }
    return nullptr;
}

StatementKind kind_of(Node* stmt) {
    if (!IsA(stmt, TransactionStmt)) return StatementKind::Plain;
    TransactionStmt* ts = castNode(TransactionStmt, stmt);
    switch (ts->kind) {
        case TRANS_STMT_BEGIN:
        case TRANS_STMT_START:
            return ts->options == NIL ? StatementKind::TransactionBegin
                                      : StatementKind::TransactionOther;
        case TRANS_STMT_COMMIT:
            return ts->chain ? StatementKind::TransactionOther : StatementKind::TransactionCommit;
        default:
            return StatementKind::TransactionOther;
    }
}

void trim_trailing_space(char* text, int* length) {
    while (*length > 0 && scanner_isspace(text[*length - 1])) (*length)--;
    text[*length] = '\0';
}

}  // namespace

int line_of_offset(const char* script, int offset) {
    LineCursor cursor{script, 0, 1, 1};
    return advance_to(&cursor, offset);
}

namespace {

// Runs for every report raised while parsing, warnings included: the last
// one, the ERROR, decides (a warning's position must not stick to it).
void take_error_position(void* arg) {
    int position = geterrposition();
    *static_cast<int*>(arg) = position;
    if (position > 0) errposition(0);
}

}  // namespace

namespace {

ParsedScript* parse(const char* script, int* error_position, bool classify) {
    ParsedScript* parsed = static_cast<ParsedScript*>(palloc0(sizeof(ParsedScript)));
    parsed->length = static_cast<int>(strlen(script));
    parsed->script = pnstrdup(script, parsed->length);  // the caller's buffer may not outlive us
    script = parsed->script;

    *error_position = 0;
    ErrorContextCallback callback;
    callback.callback = take_error_position;
    callback.arg = error_position;
    callback.previous = error_context_stack;
    error_context_stack = &callback;
    // The raw parse trees are only needed until each statement's facts are
    // extracted; for a data migration they are many times the script's size,
    // so they live in a context of their own, dropped before anything runs.
    MemoryContext caller = CurrentMemoryContext;
    MemoryContext trees = AllocSetContextCreate(caller, "pg_migrate parse trees", ALLOCSET_DEFAULT_SIZES);
    MemoryContextSwitchTo(trees);
    List* raw = raw_parser(script, RAW_PARSE_DEFAULT);
    MemoryContextSwitchTo(caller);
    error_context_stack = callback.previous;
    parsed->count = list_length(raw);
    parsed->statements =
        static_cast<ScriptStatement*>(palloc0(sizeof(ScriptStatement) * (parsed->count + 1)));

    LineCursor cursor{script, 0, 1, 1};
    ScriptFacts* facts = classify ? new_script_facts() : nullptr;
    // The lexer keeps its buffers until its context goes (scanner_finish
    // frees only big ones): one context, reset per statement.
    MemoryContext lexer = AllocSetContextCreate(caller, "pg_migrate lexer", ALLOCSET_SMALL_SIZES);
    int i = 0;
    ListCell* lc;
    foreach (lc, raw) {
        RawStmt* rs = lfirst_node(RawStmt, lc);
        int from = rs->stmt_location;
        int to = rs->stmt_len > 0 ? from + rs->stmt_len : parsed->length;
        char* copy = pnstrdup(script + from, to - from);
        MemoryContextSwitchTo(lexer);
        int skip = first_token_offset(copy, to - from);
        MemoryContextSwitchTo(caller);
        MemoryContextReset(lexer);
        int length = (to - from) - skip;
        char* text = copy + skip;
        trim_trailing_space(text, &length);

        ScriptStatement* st = &parsed->statements[i];
        st->number = i + 1;
        st->start = from + skip;
        st->end = st->start + length;
        st->line = advance_to(&cursor, st->start);
        st->column = cursor.column;
        st->command = GetCommandTagName(CreateCommandTag(rs->stmt));
        st->text = text;
        st->kind = kind_of(rs->stmt);
        st->not_in_transaction = not_in_transaction_reason(rs->stmt);
        st->unsupported = unsupported_reason(rs->stmt);
        if (classify) st->analysis = analyze_statement(rs->stmt, facts);
        i++;
    }
    MemoryContextDelete(lexer);
    MemoryContextDelete(trees);
    return parsed;
}

}  // namespace

ParsedScript* parse_script(const char* script, int* error_position) {
    return parse(script, error_position, false);
}

ParsedScript* parse_and_classify_script(const char* script, int* error_position) {
    return parse(script, error_position, true);
}

ScriptLocation* locate_script_position(const char* script, int char_position) {
    ScriptLocation* where = static_cast<ScriptLocation*>(palloc0(sizeof(ScriptLocation)));
    int length = static_cast<int>(strlen(script));

    // errposition counts characters from 1; turn it into a byte offset.
    int offset = 0;
    for (int chars = 1; chars < char_position && offset < length; chars++)
        offset += pg_mblen(script + offset);
    where->offset = offset;
    where->line = line_of_offset(script, offset);
    where->column = column_of(script, offset);

    // Lex the text before the position to find the statement it belongs to:
    // a ';' outside parentheses and outside a BEGIN ATOMIC body ends one.
    char* prefix = pnstrdup(script, offset);
    core_yy_extra_type extra;
    core_YYSTYPE value;
    YYLTYPE location = 0;
    core_yyscan_t scanner = scanner_init(prefix, &extra, &ScanKeywords, ScanKeywordTokens);
    int statements_done = 0;
    bool statement_has_tokens = false;
    int statement_start = offset;
    int parens = 0;
    int atomic_depth = 0;
    int previous = 0;
    for (;;) {
        int token = core_yylex(&value, &location, scanner);
        if (token == 0) break;
        if (token == ';' && parens == 0 && atomic_depth == 0) {
            if (statement_has_tokens) statements_done++;
            statement_has_tokens = false;
            statement_start = offset;
            previous = token;
            continue;
        }
        if (!statement_has_tokens) {
            statement_has_tokens = true;
            statement_start = location;
        }
        if (token == '(') parens++;
        if (token == ')' && parens > 0) parens--;
        if (token == ATOMIC && previous == BEGIN_P) atomic_depth = 1;
        else if (atomic_depth > 0 && token == CASE) atomic_depth++;
        else if (atomic_depth > 0 && token == END_P) atomic_depth--;
        previous = token;
    }
    scanner_finish(scanner);
    where->statement = statements_done + 1;
    where->statement_start = statement_start;
    return where;
}

const char* token_stream(const ParsedScript* parsed, int first, int last) {
    StringInfoData out;
    initStringInfo(&out);
    // The lexer's buffers and token strings go with this context, per
    // statement (out grows in the caller's context).
    MemoryContext caller = CurrentMemoryContext;
    MemoryContext lexer = AllocSetContextCreate(caller, "pg_migrate lexer", ALLOCSET_SMALL_SIZES);
    for (int i = first; i <= last && i < parsed->count; i++) {
        const ScriptStatement* st = &parsed->statements[i];
        MemoryContextSwitchTo(lexer);
        core_yy_extra_type extra;
        core_YYSTYPE value;
        YYLTYPE location = 0;
        core_yyscan_t scanner = scanner_init(st->text, &extra, &ScanKeywords, ScanKeywordTokens);
        for (;;) {
            int token = core_yylex(&value, &location, scanner);
            if (token == 0) break;
            char kind;
            char single[2] = {0, 0};
            char number[32];
            const char* text;
            switch (token) {
                case IDENT:
                case UIDENT:
                    kind = 'I', text = value.str;
                    break;
                case SCONST:
                case USCONST:
                case BCONST:
                case XCONST:
                    kind = 'S', text = value.str;
                    break;
                case FCONST:
                    kind = 'N', text = value.str;
                    break;
                case ICONST:
                    snprintf(number, sizeof(number), "%d", value.ival);
                    kind = 'N', text = number;
                    break;
                case PARAM:
                    snprintf(number, sizeof(number), "%d", value.ival);
                    kind = 'P', text = number;
                    break;
                case Op:
                    kind = 'O', text = value.str;
                    break;
                case TYPECAST: kind = 'O', text = "::"; break;
                case DOT_DOT: kind = 'O', text = ".."; break;
                case COLON_EQUALS: kind = 'O', text = ":="; break;
                case EQUALS_GREATER: kind = 'O', text = "=>"; break;
                case LESS_EQUALS: kind = 'O', text = "<="; break;
                case GREATER_EQUALS: kind = 'O', text = ">="; break;
                case NOT_EQUALS: kind = 'O', text = "<>"; break;
                default:
                    if (token < 256) {
                        single[0] = static_cast<char>(token);
                        kind = 'C', text = single;
                    } else {
                        kind = 'K', text = value.keyword;
                    }
                    break;
            }
            appendStringInfo(&out, "%c%zu:", kind, strlen(text));
            appendBinaryStringInfo(&out, text, static_cast<int>(strlen(text)));
            appendStringInfoChar(&out, '\n');
        }
        scanner_finish(scanner);
        appendStringInfoString(&out, "C1:;\n");
        MemoryContextSwitchTo(caller);
        MemoryContextReset(lexer);
    }
    MemoryContextDelete(lexer);
    return out.data;
}

}  // namespace pgm::pg
