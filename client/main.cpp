// pg_migrate: applies a directory of migrations through the pg_migrate extension.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"
#include "connection.hpp"
#include "exit_codes.hpp"
#include "fleet_targets.hpp"
#include "report.hpp"
#include "../extension/core/cpp_only.hpp"

namespace {

constexpr const char* kFooter = R"(Connection: -d/--dbname (a postgres:// URL or a conninfo string), else
DATABASE_URL, else the libpq variables PGHOST, PGPORT, PGUSER, PGDATABASE, ...

Exit codes:
  0  success
  1  a migration, the connection or the migration directory failed
  2  usage error
  3  applied migrations missing from the directory, or the schema changed outside
     migrations since the last one (status); a verification problem (verify)
  4  a file changed after its migration was applied

Layouts detected: plain (001_name.sql; sections marked as dbmate "-- migrate:up",
goose "-- +goose Up" or sql-migrate "-- +migrate Up"), golang-migrate
(001_name.up.sql/.down.sql), Flyway (V1__name.sql), Diesel (<ts>_name/up.sql),
Prisma (<ts>_name/migration.sql).)";

}  // namespace

int main(int argc, char** argv) {
    using namespace pgm::client;
    CLI::App app{"pg_migrate: schema migrations applied and recorded inside PostgreSQL"};
    app.footer(kFooter);
    app.require_subcommand(1);
    app.set_version_flag("--version", "pg_migrate 0.1");

    CommonOptions common;
    // A fleet: several databases, each handled by a process of its own.
    auto add_fleet_targets = [](CLI::App* cmd, const std::string& verb, FleetOptions& fleet) {
        cmd->add_option("--fleet", fleet.fleet_file,
                        verb + " every database this file names (one URL or conninfo string per line, # comments, "
                               "an optional label after it); -d may also be repeated");
        cmd->add_option("--each-database", fleet.each_database,
                        verb + " every database of the server -d names whose name matches this LIKE pattern");
        cmd->add_option("--jobs", fleet.jobs, "databases handled at a time (a fleet)")
            ->capture_default_str()->check(CLI::Range(1, 1024));
    };
    auto add_common = [&](CLI::App* cmd) {
        cmd->add_option("-d,--dbname", common.targets, "database URL or conninfo string")->allow_extra_args(false);
        cmd->add_option("--dir", common.dir, "migration directory")->capture_default_str();
        cmd->add_flag("--json", common.json, "print one JSON document on stdout");
        cmd->footer(kFooter);
    };

    UpOptions up;
    CLI::App* up_cmd = app.add_subcommand("up", "apply every pending migration");
    add_common(up_cmd);
    up_cmd->add_option("--to", up.to, "apply up to and including this version");
    up_cmd->add_flag("--dry-run", up.dry_run, "run the pending migrations in one transaction, then roll it back");
    up_cmd->add_flag("--single-transaction", up.single_transaction, "apply all pending migrations in one transaction");
    up_cmd->add_flag("--out-of-order", up.out_of_order,
                     "apply pending versions lower than the highest applied one");
    up_cmd->add_option("--backup", up.backup_file,
                       "run pg_dump into this file before applying anything (abort if it fails)");
    up_cmd->add_option("--lock-wait", up.lock_wait_seconds,
                       "seconds to wait for another deployer to finish")->capture_default_str();
    up_cmd->add_flag("--durable-each", up.durable_each,
                     "wait for each migration's commit to reach disk (default: one flush at the end of the run)");
    up_cmd->add_option("--allow", up.allow,
                       "risks the migrations may take although migrate.refuse refuses them: data_loss, breaking, "
                       "locking (repeat or comma-separate)");
    up_cmd->add_option("--html", up.html_file,
                       "a fleet: after the run, write the report of every database (as pg_migrate report --html), "
                       "the failures of this run marked");
    FleetOptions fleet;
    add_fleet_targets(up_cmd, "migrate", fleet);
    up_cmd->add_option("--canary", fleet.canary,
                       "migrate this many databases of the fleet first, and stop if one of them fails");
    up_cmd->add_option("--max-failures", fleet.max_failures,
                       "start no further database of the fleet after this many failed");

    std::vector<std::string> compare_targets;
    CLI::App* status_cmd = app.add_subcommand("status", "show applied, pending, changed and missing migrations");
    add_common(status_cmd);
    add_fleet_targets(status_cmd, "show", fleet);
    status_cmd->add_option("--db", compare_targets,
                           "compare databases side by side (repeat: --db URL --db URL2)");

    std::string new_name;
    CLI::App* new_cmd = app.add_subcommand("new", "create the next migration file");
    add_common(new_cmd);
    new_cmd->add_option("name", new_name, "what the migration does, e.g. add_orders")->required();

    CLI::App* verify_cmd =
        app.add_subcommand("verify", "check that the database still matches its ledger (migrate_verify())");
    add_common(verify_cmd);
    add_fleet_targets(verify_cmd, "verify", fleet);

    std::vector<std::string> diff_targets;
    CLI::App* diff_cmd = app.add_subcommand(
        "diff", "what differs between two databases' schemas, grouped by table (exit 3 when something does)");
    diff_cmd->add_option("--db", diff_targets, "the two databases: --db A --db B (URL or conninfo string)")
        ->required();
    DiffOptions diff;
    diff_cmd->add_flag("--sql", diff.sql,
                       "print the migrations that would make B match A (each statement linted against B; "
                       "nothing is applied; what only B has is dropped only in comments)");
    diff_cmd->add_option("--out", diff.out_dir, "write those migrations as the next files of DIR, in its layout")
        ->option_text("DIR");
    diff_cmd->add_flag("--json", common.json, "print one JSON document on stdout");
    diff_cmd->footer(kFooter);

    std::string pull_name = "pulled_out_of_band_ddl";
    CLI::App* pull_cmd = app.add_subcommand(
        "pull", "write the DDL run outside migrations since the last one as the next migration file");
    add_common(pull_cmd);
    pull_cmd->add_option("--name", pull_name, "the migration's name")->capture_default_str();

    ReportOptions report;
    CLI::App* report_cmd = app.add_subcommand(
        "report", "write one self-contained HTML page of what happened in a database or a fleet");
    add_common(report_cmd);
    add_fleet_targets(report_cmd, "report on", fleet);
    report_cmd->add_option("--html", report.html_file, "write the page to this file");

    DownOptions down;
    CLI::App* down_cmd = app.add_subcommand("down", "revert applied migrations above a version, newest first");
    add_common(down_cmd);
    down_cmd->add_option("--to", down.to, "the version to go back to (migrations above it are reverted)")->required();
    down_cmd->add_option("--reason", down.reason, "why, recorded in the ledger");
    down_cmd->add_flag("--dry-run", down.dry_run, "run the down scripts, then roll everything back");
    down_cmd->add_option("--allow", down.allow, "risks the down scripts may take, e.g. data_loss");

    LintOptions lint;
    CLI::App* lint_cmd = app.add_subcommand(
        "lint", "say what each statement risks (safe, locking, breaking, data_loss), applying nothing");
    add_common(lint_cmd);
    lint_cmd->add_option("files", lint.files, "migration files (default: every migration of --dir)");
    lint_cmd->add_option("--fail-on", lint.fail_on, "risks that make the exit code 3")->capture_default_str();
    lint_cmd
        ->add_option("--format", lint.format,
                     "text, json (the same as --json), or github: GitHub Actions annotations (::error/::warning)")
        ->check(CLI::IsMember({"text", "json", "github"}))
        ->capture_default_str();

    BaselineOptions baseline;
    CLI::App* baseline_cmd =
        app.add_subcommand("baseline", "record an existing database as being at a version, running nothing");
    add_common(baseline_cmd);
    baseline_cmd->add_option("version", baseline.version, "the version the database is at")->required();
    baseline_cmd->add_option("--name", baseline.name, "a name for the baseline");

    AdoptOptions adopt;
    CLI::App* adopt_cmd = app.add_subcommand(
        "adopt", "import the history of flyway, golang-migrate, dbmate, Prisma, Supabase, sqitch, goose or sql-migrate");
    add_common(adopt_cmd);
    adopt_cmd->add_option("--source", adopt.source,
                          "flyway, golang-migrate, dbmate, schema_migrations, prisma, supabase, sqitch, goose or "
                          "sql-migrate");
    adopt_cmd->add_option("--history", adopt.history, "the other tool's history table (schema.table)");

    try {
        app.parse(argc, argv);
        if (common.targets.size() > 1 && !*up_cmd && !*status_cmd && !*verify_cmd && !*report_cmd)
            throw CLI::ValidationError("-d", "only up, status, verify and report take several databases");
        common.target = common.targets.empty() ? "" : common.targets.back();
        (void)allow_array(up.allow);
        (void)allow_array(down.allow);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? exit_code::kSuccess : exit_code::kUsage;
    } catch (const std::invalid_argument& e) {
        std::cerr << "pg_migrate: --allow: " << e.what() << '\n';
        return exit_code::kUsage;
    }

    try {
        fleet.targets = common.targets;
        if (*up_cmd) return is_fleet(fleet) ? run_fleet_up(common, up, fleet) : run_up(common, up);
        if (*status_cmd) {
            if (!compare_targets.empty()) return run_status_compare(common, compare_targets);
            return is_fleet(fleet) ? run_fleet_status(common, fleet) : run_status(common);
        }
        if (*new_cmd) return run_new(common, new_name);
        if (*pull_cmd) return run_pull(common, pull_name);
        if (*verify_cmd) return is_fleet(fleet) ? run_fleet_verify(common, fleet) : run_verify(common);
        if (*report_cmd) return run_report(common, report, fleet);
        if (*diff_cmd) return run_diff(common, diff_targets, diff);
        if (*down_cmd) return run_down(common, down);
        if (*baseline_cmd) return run_baseline(common, baseline);
        if (*adopt_cmd) return run_adopt(common, adopt);
        if (*lint_cmd) return run_lint(common, lint);
    } catch (const ConnectionError& e) {
        std::cerr << "pg_migrate: could not connect: " << e.what() << '\n';
        return exit_code::kFailed;
    } catch (const ServerError& e) {
        std::cerr << "pg_migrate: the server reported an error\n";
        print_server_error(e, Terminal(common.json));
        return exit_code::kFailed;
    } catch (const std::exception& e) {
        std::cerr << "pg_migrate: " << e.what() << '\n';
        return exit_code::kFailed;
    }
    return exit_code::kUsage;
}
