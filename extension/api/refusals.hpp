// Why a script would be refused before anything of it runs: the one list
// that decides both migrate_apply's refusal (the first of it, raised) and
// migrate_lint's rows of risk "error" (all of it), so they cannot disagree.
#pragma once

#include <string>
#include <vector>

#include "../bridge/entry.hpp"
#include "../pg/script_parser.hpp"
#include "rules.hpp"

namespace pgm {

// How the script is to run.
enum class ScriptRun {
    kMigration,           // a migration, in one transaction (migrate_apply)
    kDownScript,          // a down script, in the revert's transaction (migrate_revert)
    kOutsideTransaction,  // a migration marked no-transaction, statement by statement
};

struct Refusal {
    int statement;     // index in the parsed statements
    const char* rule;  // stable name: "transaction-control", "cannot-run-in-transaction", ...
    int sqlstate;
    std::string message;
    std::string detail;
    std::string hint;
};

// The statements the run is made of: all of them, or, in a transaction, the
// inside of one BEGIN; ... COMMIT; around the whole script.
StatementRange statements_to_run(const pg::ParsedScript& parsed, ScriptRun run);

// Whether the run has no statement: a script empty, of comments only, or of
// BEGIN; COMMIT; alone.  Not a refusal: such a migration is recorded as a
// no-op (histories keep placeholders so that version numbers stay dense).
bool runs_nothing(const StatementRange& range);

// Every refusal of the script, in script order; empty when it would run.
std::vector<Refusal> script_refusals(const pg::ParsedScript& parsed, ScriptRun run);

// The same for statements range.first..range.last only (a piece of a
// streamed script, whose BEGIN; ... COMMIT; wrapper the caller decides).
std::vector<Refusal> refusals_in(const pg::ParsedScript& parsed, ScriptRun run, StatementRange range);

// The refusal as the error migrate_apply raises (with the statement's context);
// `label` names the script ("migration 001").
UserError refusal_error(const std::string& label, const pg::ParsedScript& parsed, const Refusal& refusal);

}  // namespace pgm
