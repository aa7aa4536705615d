// The client's commands.  Each returns an exit code (exit_codes.hpp) and
// prints either text for people or, with --json, one JSON document on stdout.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pgm::client {

struct CommonOptions {
    std::string target;                        // -d/--dbname, else DATABASE_URL, else PG* variables
    std::vector<std::string> targets;          // every -d given (up takes several: a fleet)
    std::filesystem::path dir = "migrations";  // --dir
    bool json = false;                         // --json
};

struct UpOptions {
    std::optional<std::string> to;  // apply up to and including this version
    bool dry_run = false;           // run everything, then roll back
    bool single_transaction = false;
    bool out_of_order = false;      // allow pending versions below the highest applied one
    int lock_wait_seconds = 600;    // how long to wait for another deployer
    std::string backup_file;        // pg_dump here before applying anything
    std::vector<std::string> allow; // risks allowed (--allow data_loss): migrate_apply's allow
    bool durable_each = false;      // flush each migration's commit (see commit_durability.hpp)
    std::string html_file;          // --html: the report after the run (fleet_up.cpp)
};

struct DownOptions {
    std::string to;      // revert every applied migration above this version
    std::string reason;  // recorded with each reverted row
    bool dry_run = false;
    std::vector<std::string> allow;  // risks the down scripts may take
};

struct LintOptions {
    std::vector<std::string> files;  // none: every migration of --dir
    std::string fail_on = "locking,breaking,data_loss";
    std::string format = "text";  // text, json (as --json), github (Actions annotations)
};

struct BaselineOptions {
    std::string version;
    std::string name;
};

struct AdoptOptions {
    std::string source;   // flyway, golang-migrate, ...; empty: detect
    std::string history;  // schema.table of the other tool's history; empty: detect
};

int run_status(const CommonOptions& options);
// status --db A --db B ...: which migrations are applied where, side by side.
int run_status_compare(const CommonOptions& options, const std::vector<std::string>& targets);
int run_up(const CommonOptions& options, const UpOptions& up);
// up over many databases (fleet_up.cpp).
struct FleetOptions;
int run_fleet_up(const CommonOptions& options, const UpOptions& up, const FleetOptions& fleet);
// status and verify over many databases, a row each (fleet_status.cpp).
int run_fleet_status(const CommonOptions& options, const FleetOptions& fleet);
int run_fleet_verify(const CommonOptions& options, const FleetOptions& fleet);
// report: one database or a fleet as a self-contained HTML page
// (report_command.cpp); one database's report document with --json.
struct ReportOptions {
    std::string html_file;  // --html FILE
};
int run_report(const CommonOptions& options, const ReportOptions& report, const FleetOptions& fleet);
// diff --db A --db B: what differs between the two schemas (diff_command.cpp);
// exit code 3 when something does.  With --sql the migrations that would make
// B match A, linted against B; with --out DIR written as DIR's next ones.
struct DiffOptions {
    bool sql = false;
    std::string out_dir;  // --out DIR
};
int run_diff(const CommonOptions& options, const std::vector<std::string>& targets, const DiffOptions& diff);
int run_new(const CommonOptions& options, const std::string& name);
// pull: the DDL run outside migrations since the last one as the next
// migration file, marked "-- migrate:pulled" (pull_command.cpp).
int run_pull(const CommonOptions& options, const std::string& name);
// verify: migrate_verify() in the database; exit code 3 when something is wrong.
int run_verify(const CommonOptions& options);

// down: migrate_revert(), with the files' down scripts for migrations that
// were applied without one.
int run_down(const CommonOptions& options, const DownOptions& down);
// baseline: migrate_baseline(), installing the extension first when needed.
int run_baseline(const CommonOptions& options, const BaselineOptions& baseline);
// adopt: migrate_adopt() with the directory's checksums.
int run_adopt(const CommonOptions& options, const AdoptOptions& adopt);

// lint: migrate_lint() over the files; exit code 3 for a finding --fail-on names.
int run_lint(const CommonOptions& options, const LintOptions& lint);

// "{data_loss,breaking}" from --allow values (each may hold a comma list);
// std::nullopt when nothing is allowed.  Throws std::invalid_argument for an
// unknown risk.
std::optional<std::string> allow_array(const std::vector<std::string>& allow);

// The connection target: the option, else DATABASE_URL, else "" (PG* variables).
std::string resolve_target(const std::string& option);

}  // namespace pgm::client
