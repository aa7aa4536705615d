// Which bare words a script's fingerprint calls keywords, the same on every
// major.
//
// The fingerprint (script_parser.hpp: statement_tokens) tells keywords ("K")
// from identifiers ("I"), and ledgers keep fingerprints computed by
// PostgreSQL 15's lexer.  Later majors added keywords (FORMAT, PATH, JSON,
// ...; 16-18) and dropped one (RECHECK), so the same script would lex to
// other kinds there and an unchanged migration would look edited.  The
// fingerprint therefore classifies words as 15's grammar did: a keyword
// that 15 did not have counts as the identifier 15 read, and an unquoted
// identifier that was a keyword in 15 counts as that keyword.  A new major's
// keyword list is compared with 15's when support for it is added
// (sql/psql_scripts.sql pins fingerprints of scripts using these words).
//
// Pure C++ on C strings: no PostgreSQL headers needed.
#pragma once

namespace pgm::pg {

// A keyword of the running server that PostgreSQL 15's grammar did not have.
bool keyword_added_after_15(const char* word);

// A word PostgreSQL 15's grammar had as a keyword and a later major's does not.
bool keyword_dropped_after_15(const char* word);

}  // namespace pgm::pg
