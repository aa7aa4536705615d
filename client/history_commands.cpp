// pg_migrate down / baseline / adopt: migrate_revert(), migrate_baseline() and
// migrate_adopt() in the database, fed from the migration directory.
#include <iostream>

#include "commands.hpp"
#include "connection.hpp"
#include "dry_run_report.hpp"
#include "exit_codes.hpp"
#include "ledger_view.hpp"
#include "migration_dir.hpp"
#include "report.hpp"
#include "terminal.hpp"
#include "../extension/core/version.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

nlohmann::json optional_json(const Result& r, int row, int col) {
    return r.is_null(row, col) ? nlohmann::json() : nlohmann::json(r.get(row, col));
}

// These functions exist from extension 0.6 on: say so instead of failing
// with "function does not exist".
bool require_function(Connection& db, const char* name, const char* command, const CommonOptions& options,
                      const Terminal& term) {
    Result r = db.exec("SELECT pg_catalog.to_regproc($1) IS NOT NULL", {"pg_catalog." + std::string(name)});
    if (r.get(0, 0) == "t") return true;
    const std::string message = std::string("pg_migrate in database \"") + db.database() + "\" has no " +
                                name + "() (installed " + extension_state(db).installed_version +
                                "); \"pg_migrate up\" installs or updates it";
    if (options.json)
        std::cout << nlohmann::json{{"command", command}, {"ok", false}, {"error", {{"message", message}}},
                                    {"exit_code", exit_code::kFailed}}
                         .dump(2)
                  << '\n';
    else
        std::cerr << term.red("pg_migrate: ") << message << '\n';
    return false;
}

// Reports a server error for --json or people; returns the exit code.
int report_failure(const ServerError& e, const char* command, const CommonOptions& options, const Terminal& term) {
    if (options.json) {
        std::cout << nlohmann::json{{"command", command}, {"ok", false}, {"error", server_error_json(e)},
                                    {"exit_code", exit_code::kFailed}}
                         .dump(2)
                  << '\n';
    } else {
        std::cerr << term.red(std::string("pg_migrate ") + command + " failed") << '\n';
        print_server_error(e, term);
    }
    return exit_code::kFailed;
}

// {"version": "checksum", ...} of the files in the directory.
nlohmann::json known_checksums(const ScanResult& scan) {
    nlohmann::json known = nlohmann::json::object();
    for (const auto& m : scan.migrations) known[m.version] = m.checksum;
    return known;
}

}  // namespace

int run_down(const CommonOptions& options, const DownOptions& down) {
    Terminal term(options.json);
    if (auto problem = core::version_problem(down.to)) {
        std::cerr << "pg_migrate: invalid --to version \"" << down.to << "\": " << *problem << '\n';
        return exit_code::kUsage;
    }
    const ScanResult scan = scan_directory(options.dir);
    if (!scan.problems.empty()) {
        if (!options.json) print_problems(scan.problems, term);
        return exit_code::kFailed;
    }
    Connection db(resolve_target(options.target));
    if (!require_function(db, "migrate_revert", "down", options, term))
        return exit_code::kFailed;

    // The files' down scripts, for migrations applied without one stored.
    const std::string to_key = core::version_sort_key(down.to);
    nlohmann::json given = nlohmann::json::object();
    for (const auto& m : scan.migrations) {
        if (!m.has_down || m.repeatable || core::version_sort_key(m.version) <= to_key) continue;
        const MigrationScripts scripts = load_scripts(m);
        if (scripts.down) given[m.version] = *scripts.down;
    }
    const std::string dry_run = down.dry_run ? "true" : "false";
    // 0.12 on, a dry run reports what each down script did (locks, rewrites,
    // rows), as up --dry-run does.
    const bool reports = down.dry_run && installed_at_least(extension_state(db), "0.12");
    Result r(nullptr);
    try {
        r = db.exec(std::string("SELECT version, name, status, statements, "
                                "(EXTRACT(epoch FROM duration) * 1000)::pg_catalog.int8") +
                        (reports ? ", report" : ", NULL") +
                        " FROM pg_catalog.migrate_revert($1, $2::pg_catalog.jsonb, $3, $4::pg_catalog.bool, "
                        "$5::pg_catalog.text[])",
                    {down.to, given.dump(), down.reason.empty() ? std::nullopt : std::optional(down.reason), dry_run,
                     allow_array(down.allow)});
    } catch (const ServerError& e) {
        return report_failure(e, "down", options, term);
    }
    nlohmann::json reverted = nlohmann::json::array();
    EvidenceSummary evidence;
    for (int i = 0; i < r.rows(); ++i) {
        nlohmann::json migration = {{"version", r.get(i, 0)}, {"name", optional_json(r, i, 1)},
                                    {"status", r.get(i, 2)}, {"statements", std::stoi(r.get(i, 3))},
                                    {"duration_ms", std::stol(r.get(i, 4))}};
        const nlohmann::json report = r.is_null(i, 5) ? nlohmann::json() : nlohmann::json::parse(r.get(i, 5));
        if (!report.is_null()) {
            migration["report"] = report;
            evidence.add(r.get(i, 0), report);
        }
        reverted.push_back(migration);
        if (options.json) continue;
        std::cout << (down.dry_run ? "would revert " : "reverted ") << r.get(i, 0)
                  << (r.is_null(i, 1) ? "" : " " + r.get(i, 1)) << "  (" << r.get(i, 3) << " statement"
                  << (r.get(i, 3) == "1" ? "" : "s") << ", " << r.get(i, 4) << " ms)\n";
        if (!report.is_null()) print_migration_evidence(std::cout, report, 1, term);
    }
    if (!options.json && reports && r.rows() > 0) evidence.print(std::cout, term);
    if (options.json) {
        std::cout << nlohmann::json{{"command", "down"}, {"ok", true}, {"database", db.database()},
                                    {"to", down.to}, {"dry_run", down.dry_run}, {"migrations", reverted},
                                    {"evidence", reports ? evidence.to_json() : nlohmann::json()},
                                    {"exit_code", exit_code::kSuccess}}
                         .dump(2)
                  << '\n';
    } else if (r.rows() == 0) {
        std::cout << "nothing to revert: no migration above " << down.to << " is applied in " << db.describe()
                  << '\n';
    } else {
        std::cout << (down.dry_run ? "dry run: " : "") << r.rows() << " migration" << (r.rows() == 1 ? "" : "s")
                  << (down.dry_run ? " reverted and rolled back" : " reverted") << "; the database is at "
                  << down.to << '\n';
    }
    return exit_code::kSuccess;
}

int run_baseline(const CommonOptions& options, const BaselineOptions& baseline) {
    Terminal term(options.json);
    if (auto problem = core::version_problem(baseline.version)) {
        std::cerr << "pg_migrate: invalid version \"" << baseline.version << "\": " << *problem << '\n';
        return exit_code::kUsage;
    }
    Connection db(resolve_target(options.target));
    if (!extension_state(db).installed) db.run("CREATE EXTENSION IF NOT EXISTS pg_migrate");
    if (!require_function(db, "migrate_baseline", "baseline", options, term)) return exit_code::kFailed;
    Result r(nullptr);
    try {
        r = db.exec("SELECT version, name, status, objects FROM pg_catalog.migrate_baseline($1, $2)",
                    {baseline.version, baseline.name.empty() ? std::nullopt : std::optional(baseline.name)});
    } catch (const ServerError& e) {
        return report_failure(e, "baseline", options, term);
    }
    if (options.json) {
        std::cout << nlohmann::json{{"command", "baseline"}, {"ok", true}, {"database", db.database()},
                                    {"version", r.get(0, 0)}, {"name", optional_json(r, 0, 1)},
                                    {"objects", std::stol(r.get(0, 3))}, {"exit_code", exit_code::kSuccess}}
                         .dump(2)
                  << '\n';
    } else {
        std::cout << db.describe() << " recorded at version " << r.get(0, 0)
                  << " without running anything; its schema (" << r.get(0, 3)
                  << " objects) is what migrate_verify() compares with from now on\n";
    }
    return exit_code::kSuccess;
}

int run_adopt(const CommonOptions& options, const AdoptOptions& adopt) {
    Terminal term(options.json);
    const ScanResult scan = scan_directory(options.dir);
    if (!scan.problems.empty()) {
        if (!options.json) print_problems(scan.problems, term);
        return exit_code::kFailed;
    }
    Connection db(resolve_target(options.target));
    if (!extension_state(db).installed) db.run("CREATE EXTENSION IF NOT EXISTS pg_migrate");
    if (!require_function(db, "migrate_adopt", "adopt", options, term))
        return exit_code::kFailed;
    Result r(nullptr);
    try {
        r = db.exec("SELECT source, version, name, status, "
                    "pg_catalog.to_char(applied_at, 'YYYY-MM-DD HH24:MI:SSOF'), applied_by, note "
                    "FROM pg_catalog.migrate_adopt($1, $2::pg_catalog.regclass, $3::pg_catalog.jsonb)",
                    {adopt.source.empty() ? std::nullopt : std::optional(adopt.source),
                     adopt.history.empty() ? std::nullopt : std::optional(adopt.history),
                     known_checksums(scan).dump()});
    } catch (const ServerError& e) {
        return report_failure(e, "adopt", options, term);
    }
    int adopted = 0, failed = 0;
    nlohmann::json rows = nlohmann::json::array();
    std::vector<std::vector<std::string>> table{{"version", "name", "status", "applied at", "by", "note"}};
    for (int i = 0; i < r.rows(); ++i) {
        const std::string status = r.get(i, 3);
        if (status == "failed") ++failed;
        else if (status != "skipped") ++adopted;
        rows.push_back({{"source", r.get(i, 0)}, {"version", optional_json(r, i, 1)}, {"name", optional_json(r, i, 2)},
                        {"status", status}, {"applied_at", optional_json(r, i, 4)},
                        {"applied_by", optional_json(r, i, 5)}, {"note", optional_json(r, i, 6)}});
        std::string shown = status;
        if (status == "failed") shown = term.red(status);
        else if (status != "skipped") shown = term.green(status);
        table.push_back({r.get_optional(i, 1).value_or(""), r.get_optional(i, 2).value_or(""), shown,
                         r.get_optional(i, 4).value_or(""), r.get_optional(i, 5).value_or(""),
                         r.get_optional(i, 6).value_or("")});
    }
    const std::string source = r.rows() > 0 ? r.get(0, 0) : adopt.source;
    if (options.json) {
        std::cout << nlohmann::json{{"command", "adopt"}, {"ok", true}, {"database", db.database()},
                                    {"source", source}, {"migrations", rows}, {"adopted", adopted},
                                    {"failed", failed}, {"exit_code", exit_code::kSuccess}}
                         .dump(2)
                  << '\n';
        return exit_code::kSuccess;
    }
    std::cout << "Adopting the " << source << " history of " << db.describe() << '\n';
    print_table(table);
    std::cout << adopted << " adopted (nothing was run; the " << source << " table is untouched)";
    if (failed > 0) std::cout << term.yellow(", " + std::to_string(failed) + " failed: still pending");
    std::cout << "\n\"pg_migrate status\" compares the ledger with " << options.dir.string() << " now.\n";
    return exit_code::kSuccess;
}

}  // namespace pgm::client
