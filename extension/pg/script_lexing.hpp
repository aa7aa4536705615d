// Pieces of script lexing shared by the parser (script_parser.cpp) and the
// psql-parts pass (psql_parts.cpp).
//
// PG zone: C-style code that may ereport.
#pragma once

#include "../bridge/pg_headers.hpp"
#include "compat/grammar_tokens.hpp"

namespace pgm::pg {

// Follows a script token by token (PostgreSQL's lexer, core_yylex) and says
// which ';' ends a statement: one outside parentheses (CREATE RULE ... DO
// (a; b)) and outside a BEGIN ATOMIC body, where CASE ... END nests.
struct StatementEnds {
    const GrammarTokens& tokens = grammar_tokens();
    int parens = 0;
    int atomic_depth = 0;
    int previous = 0;

    bool ends_statement(int token);
};

// Runs `work` (lexing or parsing only: palloc'd memory is all it holds);
// false when it raised an error about the script (syntax, literals, a
// feature the grammar refuses, a nesting limit), which is then dropped.
// Errors about the server (out of memory, a cancel or shutdown, an I/O or
// internal error) go on as they are.
bool without_script_errors(void (*work)(void*), void* arg);

// without_script_errors with the lexer's notices and warnings (a long
// identifier, a nonstandard escape) silenced: lexing ahead to find where a
// piece ends must not report what the piece's parse reports again.
bool lex_quietly(void (*work)(void*), void* arg);

}  // namespace pgm::pg
