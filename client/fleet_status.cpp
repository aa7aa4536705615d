// pg_migrate status and verify over a fleet of databases: one row per
// database, read by a `status --json` / `verify --json` process of its own
// (fleet_runner.hpp), at most --jobs at a time.
#include <algorithm>
#include <chrono>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "fleet_runner.hpp"
#include "fleet_targets.hpp"
#include "report.hpp"
#include "terminal.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

using Clock = std::chrono::steady_clock;

// What the fleet table shows of one database.
struct DatabaseRow {
    int exit_code = -1;          // of its process; -1: not read
    std::string version;         // the highest applied version
    int applied = 0, pending = 0, changed = 0, missing = 0;
    int drift = 0;               // changes outside migrations (status), schema_drift problems (verify)
    int problems = -1;           // verify problems: the last run (status), this run (verify); -1: none known
    std::string verified_at;     // status: when verify last ran
    std::string failed_checks;   // names, comma-separated
    std::string error;           // why the database could not be read
};

std::string text_of(const nlohmann::json& value) { return value.is_string() ? value.get<std::string>() : ""; }

std::string error_message(const nlohmann::json& report, const FleetJobEnd& end) {
    if (report.is_object() && report.contains("error") && report["error"].is_object())
        return report["error"].value("message", "");
    if (report.is_object() && report.contains("problems") && report["problems"].is_array())
        return "the migration directory has problems";
    return error_without_report(end);
}

DatabaseRow status_row(const nlohmann::json& report, const FleetJobEnd& end) {
    DatabaseRow row;
    row.exit_code = end.exit_code;
    if (!report.is_object() || !report.contains("summary")) {
        row.error = error_message(report, end);
        return row;
    }
    const nlohmann::json& summary = report["summary"];
    row.version = text_of(report.value("version", nlohmann::json()));
    row.applied = summary.value("applied", 0) + summary.value("baseline", 0);
    row.pending = summary.value("pending", 0);
    row.changed = summary.value("changed", 0);
    row.missing = summary.value("missing", 0);
    const nlohmann::json drift = report.value("out_of_band_ddl", nlohmann::json());
    if (drift.is_object()) row.drift = drift.value("changes", 0);
    const nlohmann::json verify = report.value("last_verify", nlohmann::json());
    if (verify.is_object()) {
        row.problems = verify.value("problems", 0);
        row.verified_at = text_of(verify.value("verified_at", nlohmann::json()));
        for (const auto& name : verify.value("failed_checks", nlohmann::json::array()))
            row.failed_checks += (row.failed_checks.empty() ? "" : ",") + text_of(name);
    }
    return row;
}

DatabaseRow verify_row(const nlohmann::json& report, const FleetJobEnd& end) {
    DatabaseRow row;
    row.exit_code = end.exit_code;
    if (!report.is_object() || !report.contains("checks")) {
        row.error = error_message(report, end);
        return row;
    }
    row.version = text_of(report.value("version", nlohmann::json()));
    row.problems = report.value("problems", 0);
    std::vector<std::string> names;
    for (const auto& check : report["checks"]) {
        if (check.value("ok", true)) continue;
        const std::string name = check.value("check_name", "");
        if (name == "schema_drift") ++row.drift;
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    }
    for (const auto& n : names) row.failed_checks += (row.failed_checks.empty() ? "" : ",") + n;
    return row;
}

nlohmann::json optional_text(const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); }

nlohmann::json row_json(const FleetTarget& target, const DatabaseRow& row, bool verify) {
    nlohmann::json out = {{"target", describe_target(target.conninfo)}, {"label", target.label},
                          {"exit_code", row.exit_code >= 0 ? nlohmann::json(row.exit_code) : nlohmann::json()},
                          {"error", optional_text(row.error)}};
    if (!row.error.empty()) return out;
    out["version"] = optional_text(row.version);
    if (verify) {
        out["problems"] = row.problems;
        out["schema_drift"] = row.drift;
    } else {
        out.update({{"applied", row.applied}, {"pending", row.pending}, {"changed", row.changed},
                    {"missing", row.missing}, {"out_of_band_changes", row.drift}});
        out["last_verify"] = row.problems < 0 ? nlohmann::json()
                                              : nlohmann::json{{"verified_at", row.verified_at},
                                                               {"problems", row.problems}};
    }
    out["failed_checks"] = optional_text(row.failed_checks);
    return out;
}

// The fleet's exit code: 1 when a database could not be read, else the worst
// of theirs (4 a changed file, 3 missing migrations, drift or a verify problem).
int fleet_exit_code(const std::vector<DatabaseRow>& rows) {
    int code = exit_code::kSuccess;
    for (const auto& row : rows) {
        if (!row.error.empty() || row.exit_code < 0) return exit_code::kFailed;
        if (row.exit_code == exit_code::kChanged || row.exit_code == exit_code::kVerification)
            code = std::max(code, row.exit_code);
        else if (row.exit_code != exit_code::kSuccess)
            return exit_code::kFailed;
    }
    return code;
}

std::string count_cell(int n, const Terminal& term, bool bad) {
    if (n == 0) return "0";
    return bad ? term.red(std::to_string(n)) : term.yellow(std::to_string(n));
}

std::vector<std::string> text_row(const FleetTarget& target, const DatabaseRow& row, bool verify,
                                  const Terminal& term) {
    if (!row.error.empty()) {  // the error in the last column, where it may be long
        std::vector<std::string> cells(verify ? 5 : 9, "-");
        cells.front() = target.label;
        cells.back() = term.red("error: " + row.error.substr(0, 160));
        return cells;
    }
    const std::string problems = row.problems < 0 ? "-" : count_cell(row.problems, term, true);
    if (verify)
        return {target.label, row.version.empty() ? "-" : row.version, problems, count_cell(row.drift, term, true),
                row.failed_checks};
    std::string last_verify = row.problems < 0 ? "never" : problems + " at " + row.verified_at;
    return {target.label, row.version.empty() ? "-" : row.version, std::to_string(row.applied),
            count_cell(row.pending, term, false), count_cell(row.changed, term, true),
            count_cell(row.missing, term, true), count_cell(row.drift, term, true), last_verify, row.failed_checks};
}

int run_fleet_rows(const CommonOptions& options, const FleetOptions& fleet, const std::string& command) {
    const bool verify = command == "verify";
    const std::vector<FleetTarget> targets = fleet_targets(fleet, resolve_target(""));
    if (targets.empty()) {
        std::cerr << "pg_migrate: the fleet has no database\n";
        return exit_code::kFailed;
    }
    Terminal term(options.json);
    const Clock::time_point start = Clock::now();
    std::vector<DatabaseRow> rows(targets.size());
    std::size_t done = 0;
    FleetRunner runner(fleet.jobs);
    runner.run(
        targets, 0, targets.size(),
        [&](const FleetTarget&) { return per_database_arguments(command, options.dir); },
        [&](const FleetJobEnd& end) {
            const nlohmann::json report = read_report(end.report_path);
            rows[end.index] = verify ? verify_row(report, end) : status_row(report, end);
            ++done;
        },
        [&](std::size_t running) {
            term.progress(command + ": " + std::to_string(done) + " read, " + std::to_string(running) +
                          " running of " + std::to_string(targets.size()) + ", " + elapsed_since(start));
        });
    term.end_progress();
    const int code = fleet_exit_code(rows);

    std::size_t unreadable = 0, with_problems = 0, behind = 0;
    for (const auto& row : rows) {
        unreadable += !row.error.empty();
        with_problems += row.error.empty() && row.exit_code != exit_code::kSuccess;
        behind += row.error.empty() && row.pending > 0;
    }
    if (options.json) {
        nlohmann::json summary = {{"databases", targets.size()}, {"unreadable", unreadable},
                                  {"with_problems", with_problems}};
        if (!verify) summary["behind"] = behind;
        nlohmann::json list = nlohmann::json::array();
        for (std::size_t i = 0; i < targets.size(); ++i) list.push_back(row_json(targets[i], rows[i], verify));
        std::cout << nlohmann::json{{"command", command}, {"fleet", true}, {"directory", options.dir.string()},
                                    {"databases", list},
                                    {"summary", summary},
                                    {"ok", code == exit_code::kSuccess}, {"exit_code", code}}
                         .dump(2)
                  << '\n';
        return code;
    }
    std::vector<std::vector<std::string>> table;
    if (verify)
        table.push_back({"database", "version", "problems", "schema drift", "failed checks / error"});
    else
        table.push_back({"database", "version", "applied", "pending", "changed", "missing", "drift", "last verify",
                         "failed checks / error"});
    for (std::size_t i = 0; i < targets.size(); ++i) table.push_back(text_row(targets[i], rows[i], verify, term));
    print_table(table);
    std::cout << targets.size() << " databases: " << targets.size() - unreadable - with_problems << " clean, "
              << with_problems << " with problems, " << unreadable << " could not be read";
    if (!verify) std::cout << "; " << behind << " with pending migrations";
    std::cout << '\n';
    return code;
}

}  // namespace

int run_fleet_status(const CommonOptions& options, const FleetOptions& fleet) {
    return run_fleet_rows(options, fleet, "status");
}

int run_fleet_verify(const CommonOptions& options, const FleetOptions& fleet) {
    return run_fleet_rows(options, fleet, "verify");
}

}  // namespace pgm::client
