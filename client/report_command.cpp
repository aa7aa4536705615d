// pg_migrate report: what happened in one database or a fleet, as one
// self-contained HTML page (--html FILE) or, for one database, the JSON
// document the page is drawn from (--json).
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "fleet_report.hpp"
#include "fleet_runner.hpp"
#include "fleet_targets.hpp"
#include "ledger_view.hpp"
#include "report.hpp"
#include "report_data.hpp"
#include "report_html.hpp"
#include "terminal.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

using Clock = std::chrono::steady_clock;

std::string now_utc() {
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char out[40];
    std::strftime(out, sizeof out, "%Y-%m-%d %H:%M UTC", &tm);
    return out;
}

// The directory's migrations when there is a directory: a report of a
// database whose files are elsewhere shows its ledger alone.
std::optional<ScanResult> scan_if_present(const std::filesystem::path& dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) return std::nullopt;
    return scan_directory(dir);
}

// Writes the page through a file beside `path`, renamed into place at the end,
// so that a reader never sees half a report.
class PageFile {
public:
    explicit PageFile(std::filesystem::path path) : path_(std::move(path)), partial_(path_.string() + ".partial") {
        out_.open(partial_, std::ios::binary | std::ios::trunc);
        if (!out_) throw std::runtime_error("could not write \"" + partial_.string() + "\"");
    }
    ~PageFile() {
        if (!done_) {
            std::error_code ignored;
            std::filesystem::remove(partial_, ignored);
        }
    }
    std::ostream& out() { return out_; }
    void finish() {
        out_.close();
        if (!out_) throw std::runtime_error("could not write \"" + partial_.string() + "\"");
        std::filesystem::rename(partial_, path_);
        done_ = true;
    }

private:
    std::filesystem::path path_, partial_;
    std::ofstream out_;
    bool done_ = false;
};

int report_one(const CommonOptions& options, const ReportOptions& report) {
    Terminal term(options.json);
    Connection db(resolve_target(options.target));
    const ExtensionState state = extension_state(db);
    if (!installed_at_least(state, kReportNeedsExtension)) {
        const std::string message =
            state.installed ? "pg_migrate " + state.installed_version + " in database \"" + db.database() +
                                  "\" is older than the report reads (" + kReportNeedsExtension +
                                  "); \"pg_migrate up\" updates it"
                            : "pg_migrate is not installed in database \"" + db.database() + "\"";
        if (options.json)
            std::cout << nlohmann::json{{"command", "report"}, {"ok", false}, {"database", db.database()},
                                        {"error", {{"message", message}}}, {"exit_code", exit_code::kFailed}}
                             .dump(2) << '\n';
        else
            std::cerr << term.red("pg_migrate: ") << message << '\n';
        return exit_code::kFailed;
    }
    const std::optional<ScanResult> scan = scan_if_present(options.dir);
    nlohmann::json data = gather_report(db, scan ? &*scan : nullptr);
    data["directory"] = scan ? nlohmann::json(options.dir.string()) : nlohmann::json();
    data["directory_problems"] = problems_json(scan ? scan->problems : std::vector<Problem>{});
    if (!report.html_file.empty()) {
        PageFile page(report.html_file);
        write_page_start(page.out(), "pg_migrate report: " + db.database(),
                         "generated " + now_utc() + " from " + options.dir.string());
        write_database_part(page.out(), data, "db-1", db.database(), "");
        write_page_end(page.out());
        page.finish();
    }
    if (options.json) {
        data["command"] = "report";
        data["ok"] = true;
        data["html"] = report.html_file.empty() ? nlohmann::json() : nlohmann::json(report.html_file);
        std::cout << data.dump(2) << '\n';
    } else {
        std::cout << "wrote " << report.html_file << " (" << db.describe() << ")\n";
    }
    return exit_code::kSuccess;
}

int report_fleet(const CommonOptions& options, const ReportOptions& report, const FleetOptions& fleet) {
    if (report.html_file.empty()) {
        std::cerr << "pg_migrate: a report over several databases is a page: give --html FILE\n";
        return exit_code::kUsage;
    }
    const std::vector<FleetTarget> targets = fleet_targets(fleet, resolve_target(""));
    if (targets.empty()) {
        std::cerr << "pg_migrate: the fleet has no database\n";
        return exit_code::kFailed;
    }
    Terminal term(options.json);
    const FleetReport written = write_fleet_report(report.html_file, options.dir, fleet.jobs, targets, {}, term);
    const int code = written.unreadable == 0 ? exit_code::kSuccess : exit_code::kFailed;
    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (std::size_t i = 0; i < targets.size(); ++i)
            list.push_back({{"target", describe_target(targets[i].conninfo)}, {"label", targets[i].label},
                            {"error", written.errors[i].empty() ? nlohmann::json() : nlohmann::json(written.errors[i])}});
        std::cout << nlohmann::json{{"command", "report"}, {"fleet", true}, {"html", report.html_file},
                                    {"databases", list},
                                    {"summary", {{"databases", written.databases},
                                                 {"needing_attention", written.needing_attention},
                                                 {"unreadable", written.unreadable}}},
                                    {"ok", code == 0}, {"exit_code", code}}.dump(2) << '\n';
    } else {
        std::cout << "wrote " << report.html_file << ": " << written.databases << " databases, "
                  << written.needing_attention << " needing attention, " << written.unreadable
                  << " could not be read\n";
    }
    return code;
}

}  // namespace

FleetReport write_fleet_report(const std::string& html_file, const std::filesystem::path& dir, int jobs,
                               const std::vector<FleetTarget>& targets, const std::vector<nlohmann::json>& run_errors,
                               Terminal& term) {
    const Clock::time_point start = Clock::now();
    PageFile page(html_file);  // an unwritable path is told before the fleet is read
    std::vector<MatrixRow> rows(targets.size());
    MatrixColumns columns;
    std::size_t done = 0;
    FleetRunner runner(jobs);
    auto part_path = [&runner](std::size_t i) { return runner.scratch() / (std::to_string(i) + ".html"); };
    // Each database's part is written to a file of its own as its document
    // arrives; only its matrix row stays in memory.
    runner.run(
        targets, 0, targets.size(),
        [&](const FleetTarget&) { return per_database_arguments("report", dir); },
        [&](const FleetJobEnd& end) {
            const FleetTarget& target = targets[end.index];
            const std::string id = "db-" + std::to_string(end.index + 1);
            nlohmann::json data = read_report(end.report_path);
            std::ofstream part(part_path(end.index), std::ios::binary);
            if (data.is_object() && data.contains("versions")) {
                if (end.index < run_errors.size()) mark_run_failure(data, run_errors[end.index]);
                rows[end.index] = matrix_row(data, id, target.label, columns);
                write_database_part(part, data, id, target.label, "fleet");
            } else {
                std::string error = error_without_report(end);
                if (data.is_object() && data.contains("error") && data["error"].is_object())
                    error = data["error"].value("message", error);
                rows[end.index] = MatrixRow{id, target.label, error, "", {}, 0, 0};
                write_unreadable_part(part, id, target.label, error, "fleet");
            }
            ++done;
        },
        [&](std::size_t running) {
            term.progress("report: " + std::to_string(done) + " read, " + std::to_string(running) + " running of " +
                          std::to_string(targets.size()) + ", " + elapsed_since(start));
        });
    term.end_progress();

    write_page_start(page.out(), "pg_migrate report: " + std::to_string(targets.size()) + " databases",
                     "generated " + now_utc() + " from " + dir.string());
    write_fleet_matrix(page.out(), rows, columns);
    for (std::size_t i = 0; i < targets.size(); ++i) {
        std::ifstream part(part_path(i), std::ios::binary);
        if (!part || part.peek() == std::ifstream::traits_type::eof())
            throw std::runtime_error("the part of " + targets[i].label + " was not written");
        page.out() << part.rdbuf();
    }
    write_page_end(page.out());
    page.finish();

    FleetReport written;
    written.databases = targets.size();
    for (const auto& r : rows) {
        written.unreadable += !r.error.empty();
        written.needing_attention += r.needs_attention();
        written.errors.push_back(r.error);
    }
    return written;
}

int run_report(const CommonOptions& options, const ReportOptions& report, const FleetOptions& fleet) {
    if (is_fleet(fleet)) return report_fleet(options, report, fleet);
    if (report.html_file.empty() && !options.json) {
        std::cerr << "pg_migrate: report needs --html FILE (a page) or --json\n";
        return exit_code::kUsage;
    }
    return report_one(options, report);
}

}  // namespace pgm::client
