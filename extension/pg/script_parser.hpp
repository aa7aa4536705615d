// Splitting and classifying a migration script with PostgreSQL's own parser.
//
// PG zone: C-style code that may ereport.  Call it from C++ through pg_call.
// Everything returned is palloc'd in the current memory context.
#pragma once

#include "../bridge/pg_headers.hpp"
#include "safety/classifier.hpp"

namespace pgm::pg {

enum class StatementKind : int {
    Plain = 0,
    TransactionBegin,   // BEGIN / START TRANSACTION without options
    TransactionCommit,  // COMMIT / END without AND CHAIN
    TransactionOther,   // any other transaction control
};

// Where a COPY ... FROM STDIN reads data that is not in the script's text (a
// streamed script's, stream/script_stream.hpp): read() fills `out` with up
// to `max` bytes, 0 at the end of the data; done() is told the rows loaded.
struct CopyDataReader {
    int (*read)(void* arg, char* out, int max);
    void (*done)(void* arg, uint64 rows);
    void* arg;
};

struct ScriptStatement {
    int number;                 // 1-based position in the script
    int start;                  // byte offset of the statement's first token
    int end;                    // byte offset just past its last token (no ';')
    int line;                   // 1-based line of the first token
    int column;                 // 1-based column (in characters) of the first token
    const char* command;        // command tag, e.g. "CREATE TABLE"
    const char* text;           // the statement, script[start, end)
    StatementKind kind;
    const char* not_in_transaction;  // e.g. "CREATE INDEX CONCURRENTLY", or NULL
    // What can never run in a migration ("COPY ... TO STDOUT"), or NULL; why,
    // and what to do instead.
    const char* unsupported;
    const char* unsupported_detail;
    const char* unsupported_hint;
    // COPY ... FROM STDIN: its data, the lines after it up to a "\." line
    // (psql_parts.hpp), pointing into ParsedScript::script; NULL otherwise.
    const char* copy_data;
    int copy_data_length;
    int copy_data_line;  // 1-based line where the data starts
    // COPY ... FROM STDIN (whether or not its data is in the script).
    bool copy_from_stdin;
    // Its data comes from a stream instead (copy_data NULL), or NULL.
    const CopyDataReader* copy_reader;
    StatementAnalysis* analysis;     // its risks and locks (parse_and_classify_script), or NULL
    // Its RawStmt, locations relative to the whole script, for scripts of up
    // to kTreesKeptBytes (executor.cpp runs DDL from it without parsing the
    // text again); NULL for longer scripts, whose trees are parsed and freed
    // piece by piece.
    Node* tree;
};

inline constexpr int kTreesKeptBytes = 64 * 1024;

struct ParsedScript {
    const char* script;
    int length;
    int count;
    ScriptStatement* statements;
};

// Parses `script`.  Syntax errors are raised as PostgreSQL reports them, but
// their position (relative to the script) is moved out of the error into
// *error_position before outer error callbacks see it: an enclosing SPI call
// (PL/pgSQL's EXECUTE) would otherwise reinterpret it as a position in its own
// query.  See annotate_script_error.
ParsedScript* parse_script(const char* script, int* error_position);

// The same, and every statement classified (safety/classifier.hpp) while its
// parse tree is at hand.
ParsedScript* parse_and_classify_script(const char* script, int* error_position);

// Frees the parse's copy of the whole script once its statements have run:
// `script` and every statement's `copy_data` become NULL (the statements'
// texts are copies of their own and stay).  A data migration's script can be
// hundreds of megabytes, and the ledger row is still to be written.
void forget_script_text(ParsedScript* parsed);

// Where an error position (a 1-based character offset into `script`, as
// PostgreSQL's errposition uses) lies: line, column, and the statement around
// it, found with PostgreSQL's lexer.
struct ScriptLocation {
    int line;
    int column;
    int statement;         // 1-based statement number
    int statement_start;   // byte offset where that statement starts
    int offset;            // byte offset of the position itself
};
ScriptLocation* locate_script_position(const char* script, int char_position);

// Where a piece of a longer script starts in it (stream/script_stream.hpp):
// locations found in the piece are moved by it.
struct ScriptOrigin {
    int first_line;         // line of the script where the piece starts
    int column_offset;      // characters of that line before the piece
    int statements_before;  // statements of the script before the piece
};
void move_location(ScriptLocation* where, const ScriptOrigin* origin);

// 1-based line number of a byte offset.
int line_of_offset(const char* script, int offset);

// The tokens of statement `index`, one line per token ("<kind><length>:<text>").
// Comments and whitespace are dropped, keywords and unquoted identifiers come
// out case-folded by the lexer, literals as their values: what a fingerprint
// that ignores cosmetic changes hashes (with the statement's COPY data, which
// is not lexed).  Words are keywords or identifiers as PostgreSQL 15 read
// them, whatever the server's major (compat/fingerprint_words.hpp).
const char* statement_tokens(const ParsedScript* parsed, int index);

}  // namespace pgm::pg
