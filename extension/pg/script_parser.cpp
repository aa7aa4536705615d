// PG zone: see script_parser.hpp.
#include "script_parser.hpp"

#include "catalog_facts.hpp"

#include "compat/fingerprint_words.hpp"
#include "psql_parts.hpp"
#include "script_lexing.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "commands/defrem.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "parser/scansup.h"
#include "tcop/cmdtag.h"
#include "tcop/utility.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
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
            if (reindex->kind == REINDEX_OBJECT_SCHEMA) return "REINDEX SCHEMA";
            if (reindex->kind == REINDEX_OBJECT_DATABASE) return "REINDEX DATABASE";
            if (reindex->kind == REINDEX_OBJECT_SYSTEM) return "REINDEX SYSTEM";
            // A partitioned table or index is reindexed partition by
            // partition, each in a transaction of its own (when the database
            // has it: a lint against an empty one cannot tell).
            if (reindex->relation != nullptr) {
                const char kind = get_rel_relkind(lookup_relation(reindex->relation));
                if (kind == RELKIND_PARTITIONED_TABLE) return "REINDEX TABLE";
                if (kind == RELKIND_PARTITIONED_INDEX) return "REINDEX INDEX";
            }
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

// What of `stmt` can never run in a migration (NULL: it can), why, and what
// to do instead.  `has_data`: a COPY ... FROM STDIN has its data in the script.
const char* unsupported_part(Node* stmt, bool has_data, ScriptStatement* st) {
    if (!IsA(stmt, CopyStmt)) return nullptr;
    CopyStmt* copy = castNode(CopyStmt, stmt);
    if (copy->filename != nullptr || copy->is_program) return nullptr;
    if (!copy->is_from) {
        st->unsupported_detail = "COPY ... TO STDOUT sends rows to a client, and a migration has none";
        st->unsupported_hint = "Remove the statement, or COPY to a file the server can write.";
        return "COPY ... TO STDOUT";
    }
    if (has_data) return nullptr;
    st->unsupported_detail = "COPY ... FROM STDIN reads its data from the lines after it, and none follow";
    st->unsupported_hint = "Put the data on the lines after the statement and end it with a line \\., as psql and pg_dump do.";
    return "COPY ... FROM STDIN without data";
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

// Where statements of a script go as they are parsed.
struct Collector {
    ParsedScript* parsed;
    int capacity;
    LineCursor cursor;
    ScriptFacts* facts;    // NULL: not classified
    MemoryContext caller;  // where statements live
    MemoryContext lexer;   // scratch, reset per statement
    bool keep_trees;       // the script is short: its trees stay (ScriptStatement::tree)
    const PsqlParts* psql_parts;  // NULL: the script has none
    int next_copy;                // the next of psql_parts->copies to meet
};

// Gives a COPY ... FROM STDIN the data that follows it in the script.
void attach_copy_data(Collector* c, ScriptStatement* st, Node* stmt) {
    const PsqlParts* parts = c->psql_parts;
    if (parts == nullptr || !is_copy_from_stdin(stmt)) return;
    while (c->next_copy < parts->copy_count && parts->copies[c->next_copy].statement_start < st->start)
        c->next_copy++;
    if (c->next_copy == parts->copy_count || parts->copies[c->next_copy].statement_start != st->start) return;
    const InlineCopy* copy = &parts->copies[c->next_copy++];
    st->copy_data = c->parsed->script + copy->data_start;
    st->copy_data_length = copy->data_end - copy->data_start;
    st->copy_data_line = advance_to(&c->cursor, copy->data_start);
}

// Adds the statements of `raw`, parsed from `piece`, which starts at byte
// `base` of the script.
void collect(Collector* c, List* raw, const char* piece, int piece_length, int base) {
    ParsedScript* parsed = c->parsed;
    ListCell* lc;
    foreach (lc, raw) {
        RawStmt* rs = lfirst_node(RawStmt, lc);
        int from = rs->stmt_location;
        int to = rs->stmt_len > 0 ? from + rs->stmt_len : piece_length;
        char* copy = pnstrdup(piece + from, to - from);
        MemoryContextSwitchTo(c->lexer);
        int skip = first_token_offset(copy, to - from);
        MemoryContextSwitchTo(c->caller);
        MemoryContextReset(c->lexer);
        int length = (to - from) - skip;
        char* text = copy + skip;
        trim_trailing_space(text, &length);

        if (parsed->count + 1 >= c->capacity) {  // one zeroed entry always follows the last
            parsed->statements = static_cast<ScriptStatement*>(
                repalloc(parsed->statements, sizeof(ScriptStatement) * c->capacity * 2));
            memset(&parsed->statements[c->capacity], 0, sizeof(ScriptStatement) * c->capacity);
            c->capacity *= 2;
        }
        ScriptStatement* st = &parsed->statements[parsed->count];
        st->number = parsed->count + 1;
        st->start = base + from + skip;
        st->end = st->start + length;
        st->line = advance_to(&c->cursor, st->start);
        st->column = c->cursor.column;
        st->command = GetCommandTagName(CreateCommandTag(rs->stmt));
        st->text = text;
        st->kind = kind_of(rs->stmt);
        st->not_in_transaction = not_in_transaction_reason(rs->stmt);
        st->copy_from_stdin = is_copy_from_stdin(rs->stmt);
        attach_copy_data(c, st, rs->stmt);
        st->unsupported = unsupported_part(rs->stmt, st->copy_data != nullptr, st);
        if (c->facts != nullptr) st->analysis = analyze_statement(rs->stmt, c->facts);
        st->tree = c->keep_trees && base == 0 ? reinterpret_cast<Node*>(rs) : nullptr;
        parsed->count++;
    }
}

// A script is parsed in pieces of about this many bytes: the raw parse trees
// of a data migration are many times its size, so only one piece's trees
// exist at a time.
constexpr int kPieceBytes = 1 << 20;

struct PieceEnd {
    const char* window;  // in: the text to look at
    int at_least;        // in: the end must be past this many bytes
    int end;             // out: just past the ';' found, or 0
};

void find_piece_end(void* arg) {
    PieceEnd* p = static_cast<PieceEnd*>(arg);
    core_yy_extra_type extra;
    core_YYSTYPE value;
    YYLTYPE location = 0;
    core_yyscan_t scanner = scanner_init(p->window, &extra, &ScanKeywords, ScanKeywordTokens);
    StatementEnds ends;
    for (;;) {
        int token = core_yylex(&value, &location, scanner);
        if (token == 0) break;
        if (ends.ends_statement(token) && location + 1 >= p->at_least) {
            p->end = location + 1;
            break;
        }
    }
    scanner_finish(scanner);
}

// End (exclusive) of the piece starting at `offset`: just past the first ';'
// ending a statement kPieceBytes or more further on, found by the lexer in a
// window that grows until it holds one; the script's end when none does.  A
// token cut by the window's edge only makes the window grow.
int next_piece_end(const char* script, int length, int offset) {
    for (int window = 2 * kPieceBytes; length - offset > window; window *= 2) {
        PieceEnd p{pnstrdup(script + offset, window), kPieceBytes, 0};
        lex_quietly(find_piece_end, &p);
        pfree(const_cast<char*>(p.window));
        if (p.end > 0) return offset + p.end;
        if (window > length / 2) break;  // the next window would be (almost) the whole rest
    }
    return length;
}

struct PieceParse {
    const char* text;
    List* raw;
};

void parse_piece(void* arg) {
    PieceParse* p = static_cast<PieceParse*>(arg);
    // A warning's position is in the piece, not in the caller's query: not
    // shown (as for the whole-script parse; an error falls back to it).
    int ignored_position = 0;
    ErrorContextCallback callback;
    callback.callback = take_error_position;
    callback.arg = &ignored_position;
    callback.previous = error_context_stack;
    error_context_stack = &callback;
    p->raw = raw_parser(p->text, RAW_PARSE_DEFAULT);
    error_context_stack = callback.previous;
}

// Parses the script piece by piece; false when a piece did not parse (the
// script is parsed whole then, which reports the error where it is, or
// parses a script whose pieces were cut wrong).
bool parse_in_pieces(Collector* c, const char* script, int from, int to, MemoryContext trees) {
    for (int offset = from; offset < to;) {
        MemoryContextSwitchTo(trees);
        const int end = next_piece_end(script, to, offset);
        PieceParse p{pnstrdup(script + offset, end - offset), NIL};
        const bool parsed = without_script_errors(parse_piece, &p);
        MemoryContextSwitchTo(c->caller);
        if (!parsed) return false;
        collect(c, p.raw, p.text, end - offset, offset);
        if (!c->keep_trees) MemoryContextReset(trees);
        offset = end;
    }
    return true;
}

// The SQL between the stretches psql would not send (psql_parts.hpp), piece
// by piece: COPY data is never lexed as SQL.
bool parse_between_psql_parts(Collector* c, const char* script, int length, MemoryContext trees) {
    const PsqlParts* parts = c->psql_parts;
    int from = 0;
    for (int i = 0; i <= parts->skipped_count; i++) {
        const int to = i < parts->skipped_count ? parts->skipped[i].from : length;
        if (!parse_in_pieces(c, script, from, to, trees)) return false;
        if (i < parts->skipped_count) from = parts->skipped[i].to;
    }
    return true;
}

Collector new_collector(ParsedScript* parsed, bool classify, const PsqlParts* psql_parts) {
    Collector c{parsed,
                64,
                LineCursor{parsed->script, 0, 1, 1},
                classify ? new_script_facts() : nullptr,
                CurrentMemoryContext,
                nullptr,
                parsed->length <= kTreesKeptBytes,
                psql_parts,
                0};
    c.lexer = AllocSetContextCreate(c.caller, "pg_migrate lexer", ALLOCSET_SMALL_SIZES);
    parsed->count = 0;
    parsed->statements = static_cast<ScriptStatement*>(palloc0(sizeof(ScriptStatement) * c.capacity));
    return c;
}

ParsedScript* parse(const char* script, int* error_position, bool classify) {
    ParsedScript* parsed = static_cast<ParsedScript*>(palloc0(sizeof(ParsedScript)));
    parsed->length = static_cast<int>(strlen(script));
    parsed->script = pnstrdup(script, parsed->length);  // the caller's buffer may not outlive us
    script = parsed->script;
    *error_position = 0;
    const PsqlParts* psql_parts = find_psql_parts(script, parsed->length);

    MemoryContext caller = CurrentMemoryContext;
    MemoryContext trees = AllocSetContextCreate(caller, "pg_migrate parse trees", ALLOCSET_DEFAULT_SIZES);
    Collector c = new_collector(parsed, classify, psql_parts);
    const bool parsed_in_pieces = psql_parts != nullptr ? parse_between_psql_parts(&c, script, parsed->length, trees)
                                                        : parse_in_pieces(&c, script, 0, parsed->length, trees);
    if (!parsed_in_pieces) {
        // With what psql would not send blanked (same offsets and lines).
        if (psql_parts != nullptr) script = blank_psql_parts(script, parsed->length, psql_parts);
        // Parsed whole, the error (if any) is reported with its position in
        // the script; a warning's position must not stick to it.
        MemoryContextReset(trees);
        MemoryContextDelete(c.lexer);
        c = new_collector(parsed, classify, psql_parts);
        ErrorContextCallback callback;
        callback.callback = take_error_position;
        callback.arg = error_position;
        callback.previous = error_context_stack;
        error_context_stack = &callback;
        MemoryContextSwitchTo(trees);
        List* raw = raw_parser(script, RAW_PARSE_DEFAULT);
        MemoryContextSwitchTo(caller);
        error_context_stack = callback.previous;
        collect(&c, raw, script, parsed->length, 0);
    }
    MemoryContextDelete(c.lexer);
    if (!c.keep_trees) MemoryContextDelete(trees);  // else it goes with the caller's context
    return parsed;
}

}  // namespace

ParsedScript* parse_script(const char* script, int* error_position) {
    return parse(script, error_position, false);
}

void forget_script_text(ParsedScript* parsed) {
    if (parsed->script == nullptr) return;
    pfree(const_cast<char*>(parsed->script));
    parsed->script = nullptr;
    for (int i = 0; i < parsed->count; i++) parsed->statements[i].copy_data = nullptr;
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
    const PsqlParts* psql_parts = find_psql_parts(prefix, offset);
    if (psql_parts != nullptr) prefix = blank_psql_parts(prefix, offset, psql_parts);
    core_yy_extra_type extra;
    core_YYSTYPE value;
    YYLTYPE location = 0;
    core_yyscan_t scanner = scanner_init(prefix, &extra, &ScanKeywords, ScanKeywordTokens);
    int statements_done = 0;
    bool statement_has_tokens = false;
    int statement_start = offset;
    StatementEnds ends;
    for (;;) {
        int token = core_yylex(&value, &location, scanner);
        if (token == 0) break;
        if (ends.ends_statement(token)) {
            if (statement_has_tokens) statements_done++;
            statement_has_tokens = false;
            statement_start = offset;
            continue;
        }
        if (!statement_has_tokens) {
            statement_has_tokens = true;
            statement_start = location;
        }
    }
    scanner_finish(scanner);
    where->statement = statements_done + 1;
    where->statement_start = statement_start;
    return where;
}

void move_location(ScriptLocation* where, const ScriptOrigin* origin) {
    if (origin == nullptr) return;
    if (where->line == 1) where->column += origin->column_offset;
    where->line += origin->first_line - 1;
    where->statement += origin->statements_before;
}

namespace {

// An identifier token written in double quotes ("x", U&"x"), not bare.
bool quoted_identifier(const char* token) {
    return token[0] == '"' || ((token[0] == 'U' || token[0] == 'u') && token[1] == '&');
}

}  // namespace

const char* statement_tokens(const ParsedScript* parsed, int index) {
    StringInfoData out;
    initStringInfo(&out);
    // The lexer's buffers and token strings go with this context (out grows
    // in the caller's).
    MemoryContext caller = CurrentMemoryContext;
    MemoryContext lexer = AllocSetContextCreate(caller, "pg_migrate lexer", ALLOCSET_SMALL_SIZES);
    const ScriptStatement* st = &parsed->statements[index];
    const GrammarTokens& tokens = grammar_tokens();
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
        switch (tokens.kind_of(token)) {
            case TokenKind::Identifier:
                kind = 'I', text = value.str;
                if (!quoted_identifier(st->text + location) && keyword_dropped_after_15(text)) kind = 'K';
                break;
            case TokenKind::String:
                kind = 'S', text = value.str;
                break;
            case TokenKind::Float:
                kind = 'N', text = value.str;
                break;
            case TokenKind::Integer:
                snprintf(number, sizeof(number), "%d", value.ival);
                kind = 'N', text = number;
                break;
            case TokenKind::Param:
                snprintf(number, sizeof(number), "%d", value.ival);
                kind = 'P', text = number;
                break;
            case TokenKind::Operator:
                kind = 'O', text = value.str;
                break;
            case TokenKind::FixedOperator:
                kind = 'O', text = tokens.fixed_operator_text(token);
                break;
            case TokenKind::Other:
            default:
                if (token < 256) {
                    single[0] = static_cast<char>(token);
                    kind = 'C', text = single;
                } else {
                    kind = keyword_added_after_15(value.keyword) ? 'I' : 'K', text = value.keyword;
                }
                break;
        }
        // "<kind><length>:<text>\n", without printf: a script has a token
        // every few bytes.
        const size_t length = strlen(text);
        char digits[MAXINT8LEN + 1];
        appendStringInfoChar(&out, kind);
        appendBinaryStringInfo(&out, digits, pg_ulltoa_n(length, digits));
        appendStringInfoChar(&out, ':');
        appendBinaryStringInfo(&out, text, static_cast<int>(length));
        appendStringInfoChar(&out, '\n');
    }
    scanner_finish(scanner);
    MemoryContextSwitchTo(caller);
    MemoryContextDelete(lexer);
    return out.data;
}

}  // namespace pgm::pg
