// pg_migrate up over a fleet of databases: each database migrated by a
// process of its own, `up --json` (fleet_runner.hpp), so it gets exactly what
// a single `up` gives: one deployer, its migrations in order, its own
// connection.  This process keeps a short summary per database.
#include <chrono>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "fleet_report.hpp"
#include "fleet_runner.hpp"
#include "fleet_targets.hpp"
#include "report.hpp"
#include "terminal.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

using Clock = std::chrono::steady_clock;

struct DatabaseRun {
    std::string status = "not_reached";  // at_head, failed, not_reached
    int exit_code = -1;
    int applied = 0;
    long duration_ms = 0;
    nlohmann::json error;  // the database's error, as `up --json` reports it
};

// The arguments of the `up` that migrates one database: this run's options.
std::vector<std::string> child_arguments(const CommonOptions& options, const UpOptions& up) {
    std::vector<std::string> args = per_database_arguments("up", options.dir);
    args.insert(args.end(), {"--lock-wait", std::to_string(up.lock_wait_seconds)});
    if (up.to) args.insert(args.end(), {"--to", *up.to});
    if (up.dry_run) args.push_back("--dry-run");
    if (up.single_transaction) args.push_back("--single-transaction");
    if (up.out_of_order) args.push_back("--out-of-order");
    if (up.durable_each) args.push_back("--durable-each");
    for (const auto& a : up.allow) args.insert(args.end(), {"--allow", a});
    return args;
}

// What the database's `up --json` said, kept short.
DatabaseRun outcome_of(const FleetJobEnd& end) {
    DatabaseRun run;
    run.exit_code = end.exit_code;
    run.duration_ms = end.duration_ms;
    run.status = end.exit_code == exit_code::kSuccess ? "at_head" : "failed";
    const nlohmann::json report = read_report(end.report_path);
    if (report.is_object()) {
        for (const auto& m : report.value("migrations", nlohmann::json::array()))
            if (m.value("status", "") == "applied") ++run.applied;
        if (report.contains("error") && !report["error"].is_null()) run.error = report["error"];
    }
    if (run.status == "failed" && run.error.is_null())
        run.error = {{"message", report.is_object() ? "the client exited with code " + std::to_string(end.exit_code)
                                                    : error_without_report(end)}};
    return run;
}

nlohmann::json run_json(const FleetTarget& target, const DatabaseRun& run) {
    nlohmann::json out = {{"target", describe_target(target.conninfo)}, {"label", target.label},
                          {"status", run.status}, {"migrations_applied", run.applied},
                          {"duration_ms", run.duration_ms}};
    out["exit_code"] = run.exit_code >= 0 ? nlohmann::json(run.exit_code) : nlohmann::json();
    out["error"] = run.error;
    return out;
}

std::string where_failed(const nlohmann::json& error) {
    if (!error.is_object()) return "";
    std::string out;
    if (error.contains("version") && error["version"].is_string()) out = "migration " + error["version"].get<std::string>();
    if (error.contains("file") && error["file"].is_string()) out += (out.empty() ? "" : ", ") + error["file"].get<std::string>();
    if (error.contains("line") && error["line"].is_number()) out += ":" + std::to_string(error["line"].get<int>());
    return out;
}

class FleetRun {
public:
    FleetRun(const CommonOptions& options, const UpOptions& up, const FleetOptions& fleet,
             std::vector<FleetTarget> targets)
        : options_(options), up_(up), fleet_(fleet), targets_(std::move(targets)), runs_(targets_.size()),
          term_(options.json), start_(Clock::now()), runner_(fleet.jobs) {}

    int run() {
        const std::size_t canary = std::min<std::size_t>(fleet_.canary > 0 ? fleet_.canary : 0, targets_.size());
        if (canary > 0) {
            migrate(0, canary);
            if (failures_ > 0) return finish("a canary database failed: no other database was started");
        }
        migrate(canary, targets_.size());
        if (fleet_.max_failures > 0 && failures_ >= fleet_.max_failures && done_ < targets_.size())
            return finish(std::to_string(failures_) + " databases failed (--max-failures " +
                          std::to_string(fleet_.max_failures) + "): no further database was started");
        return finish("");
    }

private:
    bool may_start() const { return fleet_.max_failures <= 0 || failures_ < fleet_.max_failures; }

    // Databases [first, last), at most --jobs at a time.
    void migrate(std::size_t first, std::size_t last) {
        runner_.run(
            targets_, first, last,
            [this](const FleetTarget&) { return child_arguments(options_, up_); },
            [this](const FleetJobEnd& end) {
                runs_[end.index] = outcome_of(end);
                ++done_;
                if (runs_[end.index].status == "failed") ++failures_;
            },
            [this](std::size_t running) { show_progress(running); }, [this] { return may_start(); });
    }

    void show_progress(std::size_t running) {
        term_.progress("fleet: " + std::to_string(done_ - failures_) + " at the head, " + std::to_string(running) +
                       " running, " + std::to_string(failures_) + " failed of " + std::to_string(targets_.size()) +
                       ", " + elapsed_since(start_));
    }

    int finish(const std::string& stopped) {
        term_.end_progress();
        const double seconds = std::chrono::duration<double>(Clock::now() - start_).count();
        std::size_t at_head = 0, not_reached = 0;
        for (const auto& r : runs_) {
            at_head += r.status == "at_head";
            not_reached += r.status == "not_reached";
        }
        const int code = at_head == targets_.size() ? exit_code::kSuccess : exit_code::kFailed;
        const std::string report = write_report();
        if (options_.json) {
            nlohmann::json list = nlohmann::json::array();
            for (std::size_t i = 0; i < targets_.size(); ++i) list.push_back(run_json(targets_[i], runs_[i]));
            nlohmann::json doc = {{"command", "up"}, {"fleet", true}, {"directory", options_.dir.string()},
                                  {"jobs", fleet_.jobs}, {"databases", list},
                                  {"summary", {{"databases", targets_.size()}, {"at_head", at_head},
                                               {"failed", failures_}, {"not_reached", not_reached}}},
                                  {"duration_ms", static_cast<long>(seconds * 1000)}, {"ok", code == 0},
                                  {"exit_code", code}};
            doc["stopped"] = stopped.empty() ? nlohmann::json() : nlohmann::json(stopped);
            doc["html"] = up_.html_file.empty() ? nlohmann::json() : nlohmann::json(up_.html_file);
            if (!report.empty()) doc["html_error"] = report;
            std::cout << doc.dump(2) << '\n';
            return code;
        }
        std::vector<std::vector<std::string>> table{{"database", "status", "where", "error"}};
        for (std::size_t i = 0; i < targets_.size(); ++i) {
            const DatabaseRun& r = runs_[i];
            if (r.status == "at_head") continue;
            const std::string message = r.error.is_object() ? r.error.value("message", "") : "";
            table.push_back({targets_[i].label, r.status == "failed" ? term_.red("failed") : term_.yellow("not reached"),
                             where_failed(r.error), message.substr(0, 120)});
        }
        if (table.size() > 1) print_table(table);
        if (!stopped.empty()) std::cerr << term_.yellow("stopped: ") << stopped << '\n';
        char took[32];
        std::snprintf(took, sizeof took, "%.1f s", seconds);
        std::cout << targets_.size() << " databases: " << at_head << " at the head, " << failures_ << " failed, "
                  << not_reached << " not reached, in " << took << " (" << fleet_.jobs << " at a time)\n";
        return code;
    }

    // --html: the fleet's report after the run, the failures of this run
    // marked.  Returns why it could not be written ("" when it was, or not asked).
    std::string write_report() {
        if (up_.html_file.empty()) return "";
        std::vector<nlohmann::json> errors;
        for (const auto& r : runs_) errors.push_back(r.status == "failed" ? r.error : nlohmann::json());
        try {
            Terminal quiet(true);  // no second progress line
            write_fleet_report(up_.html_file, options_.dir, fleet_.jobs, targets_, errors, quiet);
            if (!options_.json) std::cout << "wrote " << up_.html_file << '\n';
            return "";
        } catch (const std::exception& e) {
            std::cerr << "pg_migrate: the report was not written: " << e.what() << '\n';
            return e.what();
        }
    }

    const CommonOptions& options_;
    const UpOptions& up_;
    const FleetOptions& fleet_;
    std::vector<FleetTarget> targets_;
    std::vector<DatabaseRun> runs_;
    Terminal term_;
    Clock::time_point start_;
    FleetRunner runner_;
    std::size_t done_ = 0;
    int failures_ = 0;
};

}  // namespace

int run_fleet_up(const CommonOptions& options, const UpOptions& up, const FleetOptions& fleet) {
    if (!up.backup_file.empty()) {
        std::cerr << "pg_migrate: --backup takes one database, not a fleet\n";
        return exit_code::kUsage;
    }
    std::vector<FleetTarget> targets = fleet_targets(fleet, resolve_target(""));
    if (targets.empty()) {
        std::cerr << "pg_migrate: the fleet has no database\n";
        return exit_code::kFailed;
    }
    return FleetRun(options, up, fleet, std::move(targets)).run();
}

}  // namespace pgm::client
