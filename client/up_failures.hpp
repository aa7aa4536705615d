// What `pg_migrate up` says when a migration fails: the "error" object of
// --json, and the text on stderr.  Three ways to fail: a migration that ran
// in a transaction failed (nothing of it is kept), the server refused a
// no-transaction migration as a whole, or one of its statements failed (the
// ones before it stay applied).
#pragma once

#include <nlohmann/json.hpp>

#include "connection.hpp"
#include "migration_dir.hpp"
#include "steps_runner.hpp"
#include "terminal.hpp"

namespace pgm::client {

// A migration in a transaction failed.  `up_first_line`: where its up
// section starts in the file; `applied_before`: migrations this run applied
// before it; `one_transaction`: the run was one transaction (nothing kept).
nlohmann::json failed_migration_json(const ServerError& error, const Migration& m, int up_first_line);
void print_failed_migration(const ServerError& error, const Migration& m, int up_first_line,
                            std::size_t applied_before, bool one_transaction, const Terminal& term);

// The server refused a no-transaction migration before running anything of it.
nlohmann::json refused_migration_json(const ServerError& error, const Migration& m);
void print_refused_migration(const ServerError& error, const Migration& m, const Terminal& term);

// A statement of a no-transaction migration failed.
nlohmann::json stopped_migration_json(const StepFailure& failure, const Migration& m);
void print_stopped_migration(const StepFailure& failure, const Migration& m, const Terminal& term);

}  // namespace pgm::client
