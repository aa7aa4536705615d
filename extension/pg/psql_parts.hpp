// What psql reads from a script besides SQL, as far as a migration can hold
// it: the data of COPY ... FROM STDIN, on the lines after the statement up to
// a line "\." (pg_dump's data dumps, seed files), and the "\restrict KEY" /
// "\unrestrict KEY" lines pg_dump has written around every dump since the
// August 2025 minor releases.  \restrict only stops psql from running other
// meta-commands, and a migration runs none, so those two lines are blanked;
// any other meta-command is left for the parser to refuse.
//
// PG zone: C-style code that may ereport.
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

struct InlineCopy {
    int statement_start;  // byte offset of the COPY statement's first token
    int data_start;       // its first data byte: the line after the statement
    int data_end;         // just past its data: where the "\." line starts, or the script's end
};

// A stretch of the script that is not SQL: a \restrict line, or COPY data
// with its "\." line.
struct SkippedText {
    int from;
    int to;
};

struct PsqlParts {
    SkippedText* skipped;  // in script order; the parser reads what lies between
    int skipped_count;
    InlineCopy* copies;    // in script order
    int copy_count;
};

// `script` is NUL-terminated at `length`.  NULL when the script holds none
// of them (decided without lexing for
// scripts that contain neither "stdin" nor a line starting with '\').  A
// lexer error stops the search: what comes after is left as it is, and the
// parser reports the error.
PsqlParts* find_psql_parts(const char* script, int length);

// A copy of `script` with the skipped stretches blanked (newlines kept, so
// offsets and line numbers stay those of the script), for the lexer.
char* blank_psql_parts(const char* script, int length, const PsqlParts* parts);

// COPY ... FROM STDIN (not a file, not a program).
bool is_copy_from_stdin(Node* stmt);

// Whether text[start, end), one statement with its ';', is COPY ... FROM
// STDIN.  One that does not parse is not: the parse of the script reports it.
bool statement_is_copy_from_stdin(const char* text, int start, int end);

// "\restrict KEY" or "\unrestrict KEY": the line from its backslash.
bool is_restrict_line(const char* line, int length);

// The line that ends COPY data, as psql reads it: "\." (a "\r" before the
// newline allowed).
bool is_end_of_data(const char* line, int length);

}  // namespace pgm::pg
