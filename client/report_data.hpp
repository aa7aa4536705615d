// What `pg_migrate report` shows of one database, gathered as one JSON
// document: the ledger's history, each applied migration's statements and the
// objects their DDL touched, the state of every version against the
// directory, migrations that failed or stopped half-way, the schema changes
// made outside migrations, and the last migrate_verify() run.
// `pg_migrate report --json` prints it; the HTML report is drawn from it.
#pragma once

#include <nlohmann/json.hpp>

#include "connection.hpp"
#include "migration_dir.hpp"

namespace pgm::client {

// The extension version whose tables the report reads.
inline constexpr const char* kReportNeedsExtension = "0.13";

// Reads everything in one round trip of a read-only repeatable-read
// transaction (one consistent view of the ledger tables).  `scan` is the
// migration directory; without one (nullptr) the ledger's versions are shown
// as they are, none "missing".
nlohmann::json gather_report(Connection& db, const ScanResult* scan);

// Marks the version a run of `up` failed on (its `--json` error: version,
// message, statement, line) as failed in a database's document, when the
// database itself kept no trace of it (a migration in a transaction).
void mark_run_failure(nlohmann::json& data, const nlohmann::json& error);

}  // namespace pgm::client
