// The grammar's token numbers, as the running server's lexer returns them.
//
// core_yylex returns gram.y's token numbers, which differ between majors, and
// gram.h, which names them, is installed only up to PostgreSQL 15 (from 16 on
// it lives in the backend's source tree).  So they are not compiled in: the
// first use in a backend lexes a probe text whose tokens are known and keeps
// what the lexer returned for each; keywords come from the lexer's own keyword
// table.  The same code then serves every major.
//
// PG zone: may ereport (a probe that does not lex as expected is an internal
// error, never a wrong classification).
#pragma once

#include "../../bridge/pg_headers.hpp"

namespace pgm::pg {

// What a token is, as far as the script passes care.
enum class TokenKind : uint8_t {
    Other,          // a keyword or a single character: told apart by < 256
    Identifier,     // IDENT, UIDENT (value.str)
    String,         // SCONST, USCONST, BCONST, XCONST (value.str)
    Float,          // FCONST (value.str)
    Integer,        // ICONST (value.ival)
    Param,          // PARAM, $n (value.ival)
    Operator,       // Op (value.str)
    FixedOperator,  // ::, .., :=, =>, <=, >=, <> (fixed_operator_text)
};

struct GrammarTokens {
    // Keywords the statement splitter and the psql-parts pass look for.
    int copy = 0;
    int begin = 0;
    int atomic = 0;
    int case_ = 0;
    int end = 0;

    TokenKind kind_of(int token) const {
        return token >= 0 && token < kTableSize ? kinds[token] : TokenKind::Other;
    }
    // The text of a FixedOperator token.
    const char* fixed_operator_text(int token) const {
        return token >= 0 && token < kTableSize && fixed_text[token] != nullptr ? fixed_text[token] : "";
    }

    // gram.y has about 500 keywords after the 256 character codes.
    static constexpr int kTableSize = 2048;
    TokenKind kinds[kTableSize] = {};
    const char* fixed_text[kTableSize] = {};
};

// This server's token numbers, found on first use in the backend.
const GrammarTokens& grammar_tokens();

}  // namespace pgm::pg
