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
    int statement;     // index in the parsed statements; -1: the script as a whole
    const char* rule;  // stable name: "empty-script", "transaction-control", ...
    int sqlstate;
    std::string message;
    std::string detail;
    std::string hint;
};

// The statements the run is made of: all of them, or, in a transaction, the
// inside of one BEGIN; ... COMMIT; around the whole script.
StatementRange statements_to_run(const pg::ParsedScript& parsed, ScriptRun run);

// Every refusal of the script, in script order; empty when it would run.
// `label` names the script in messages ("migration 001").
std::vector<Refusal> script_refusals(const std::string& label, const pg::ParsedScript& parsed, ScriptRun run);

// The refusal as the error migrate_apply raises (with the statement's context).
UserError refusal_error(const std::string& label, const pg::ParsedScript& parsed, const Refusal& refusal);

}  // namespace pgm
