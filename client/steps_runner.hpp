// Applying a migration that cannot run inside a transaction: statement by
// statement at top level, each recorded in migrate.progress as it completes,
// so that a failure says exactly where it stopped and the next run resumes
// there.  The statements come from migrate_split: the server's parser, the
// same split migrate_apply uses.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "connection.hpp"
#include "migration_dir.hpp"

namespace pgm::client {

struct StepsOutcome {
    std::string status;  // applied, skipped
    int statements = 0;
    int resumed_at = 0;  // first statement run by this call (1-based), 0 when none
};

// A statement failed.  Statements before it stay applied (and recorded).
struct StepFailure {
    ServerError error;
    int statement;                        // 1-based
    int line;                             // line in the file
    std::string command;
    int done;                             // statements completed before it
    int total;
    std::vector<std::string> invalid_indexes;  // left INVALID by a failed concurrent build
    // On a Citus coordinator: where such an index of a distributed table is
    // on its shards (citus_shards.hpp), by index.
    std::map<std::string, std::string> invalid_index_shards;
};

// Throws StepFailure when a statement fails, ServerError when the server
// refuses the migration as a whole (changed script, out of order, ...).
// `allow`: the risks allowed, as a text[] literal ("{data_loss}"), or nullopt.
StepsOutcome apply_outside_transaction(Connection& db, const Migration& migration,
                                       const MigrationScripts& scripts, bool out_of_order,
                                       const std::optional<std::string>& allow);

// The same through the server's runner (migrate_submit, then migrate_wait
// until it is done): for a connection that has no session of its own to run
// statements in (a transaction-mode pooler).  Each call is one transaction;
// several deployers submitting the same migration share one run.  Throws
// like apply_outside_transaction.
StepsOutcome apply_by_server_runner(Connection& db, const Migration& migration, const MigrationScripts& scripts,
                                    bool out_of_order, const std::optional<std::string>& allow);

}  // namespace pgm::client
