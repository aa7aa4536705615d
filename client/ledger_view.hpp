// The database's view of a migration directory: the ledger's newest state per
// version, compared with the files on disk by the rules of migrate_status(known).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "connection.hpp"
#include "migration_dir.hpp"

namespace pgm::client {

struct VersionState {
    std::string version;
    std::string name;
    std::string state;  // applied, pending, changed, missing, baseline (or the ledger status)
    std::optional<std::string> checksum;       // applied checksum
    std::optional<std::string> file_checksum;  // checksum on disk
    std::optional<std::string> applied_at;
    std::optional<std::string> applied_by;
    const Migration* file = nullptr;            // the file on disk, when there is one
    bool cosmetic_change = false;               // the file differs only in comments, case, whitespace
};

// Whether the extension is installed, and its installed and available versions,
// in one query.
struct ExtensionState {
    bool installed = false;
    std::string installed_version;
    std::string default_version;
};
ExtensionState extension_state(Connection& db);
// Whether the installed extension is `version` ("0.8") or newer.
bool installed_at_least(const ExtensionState& state, const std::string& version);


// The ledger's newest row per version (migrate_status() without files): what
// a run compares the directory with.  Read on the connecting thread while the
// directory is scanned.
struct LedgerEntry {
    std::string version, name, status;
    std::optional<std::string> checksum;  // none: adopted without its script, or a baseline
    std::optional<std::string> applied_at, applied_by;
};
// DDL made outside migrations since the last migration (migrate_status()'s
// "drift" row, from extension 0.3 on).
struct OutOfBandDdl {
    int changes = 0;
    std::string summary;  // "out-of-band DDL: public.t, public.v"
    std::string last_at;
    std::string roles;
};
// A migration another session is running now (migrate_status()'s "running"
// rows, which the 0.8 library returns).
struct RunningMigration {
    std::string version;
    std::string progress;  // "statement 2 of 5: ALTER TABLE; waiting for ...; blocked by ..."
    std::string since;
    std::string role;
    int statements = 0;
    std::string state = "running";  // or "queued" (submitted to the server's runner, not started)
};
struct LedgerSnapshot {
    ExtensionState extension;
    std::vector<LedgerEntry> rows;  // empty when the extension is not installed
    std::optional<OutOfBandDdl> out_of_band;
    std::vector<RunningMigration> running;
};
LedgerSnapshot read_ledger(Connection& db);

// The highest version the ledger counts as applied (a baseline included);
// empty when none is.
std::string current_version(const std::vector<LedgerEntry>& rows);

// The objects changed outside migrations since the last migration
// (migrate_out_of_band_ddl()), as JSON rows for --json output.
nlohmann::json out_of_band_objects(Connection& db);

// The newest migrate_verify() run (migrate.verify_log): when, whether it
// passed, how many problems it found.  Empty when verify never ran or the
// role may not read the log.
struct LastVerify {
    std::string verified_at;
    bool ok = true;
    int problems = 0;
    std::vector<std::string> failed_checks;  // check names of the problems, each once
};
std::optional<LastVerify> last_verify(Connection& db);
nlohmann::json last_verify_json(const std::optional<LastVerify>& verify);

// The states of every version, from the scan and a snapshot, by the same rules
// as migrate_status(known): applied, changed (a repeatable's change: pending),
// pending, missing; then cosmetic changes are told apart by the server.
std::vector<VersionState> compare_with_ledger(Connection& db, const ScanResult& scan,
                                              const std::vector<LedgerEntry>& rows);



}  // namespace pgm::client
