// Parsing a script for the SQL functions: PostgreSQL's parser through
// pg_call, with syntax errors reported against the script ("migration 001,
// statement 3, line 7, column 5") and psql meta-commands refused by name.
#pragma once

#include <string>

#include "../bridge/entry.hpp"
#include "../pg/script_parser.hpp"

namespace pgm {

// A psql meta-command in the script, refused with the statement and line it
// is at (migrate_lint reports it as a row).
struct MetaCommandError : UserError {
    MetaCommandError(UserError error, int statement, int line)
        : UserError(std::move(error)), statement(statement), line(line) {}
    int statement;
    int line;
};

// PostgreSQL's error from parsing the script, with the statement and line it
// is at (0 when it has no position): the error itself keeps them only in its
// context line once annotated.
class ScriptParseError : public PgError {
public:
    ScriptParseError(ErrorData* edata, int statement, int line) noexcept
        : PgError(edata), statement(statement), line(line) {}
    int statement;
    int line;
};

// `label` names the script in messages, e.g. "migration 001".  `classify`:
// also classify every statement (pg/safety/classifier.hpp).  PostgreSQL's
// error is thrown as a ScriptParseError; a meta-command is a MetaCommandError.
pg::ParsedScript* parse_script(const std::string& label, const std::string& script, bool classify = false);

// The same for a piece of a longer script that starts at `origin` in it:
// statements, lines and columns in errors are the script's.
pg::ParsedScript* parse_script_piece(const std::string& label, const char* piece, const pg::ScriptOrigin& origin);

}  // namespace pgm
