// Runs one client process per database of a fleet, at most --jobs at a time.
//
// Each database is handled by this client run again as a single-database
// command with --json (`up`, `status`, `verify`, `report`) and the database
// in DATABASE_URL (not in its arguments, which any user can read), its JSON report
// written to a scratch file that the caller reads when the process ends.  So
// each database gets exactly what the single command gives, one database's
// failure cannot touch another's state, at most `jobs` connections are open,
// and this process keeps only what the caller keeps of each report.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleet_targets.hpp"

namespace pgm::client {

struct FleetJobEnd {
    std::size_t index;         // into the targets
    int exit_code;             // the process's exit code; 128 + signal when killed
    std::string report_path;   // its stdout (removed after on_end returns)
    long duration_ms;
    std::string stderr_text;   // what it wrote on stderr, in one line (why it failed without a report)
};

class FleetRunner {
public:
    // The arguments (argv, "pg_migrate" first) of the process for a target;
    // the target itself reaches it in DATABASE_URL.
    using Arguments = std::function<std::vector<std::string>(const FleetTarget&)>;
    using OnEnd = std::function<void(const FleetJobEnd&)>;
    // Called before each wait with the number of processes running.
    using OnProgress = std::function<void(std::size_t running)>;
    // Whether another database may be started (false: let the running ones end).
    using MayStart = std::function<bool()>;

    explicit FleetRunner(int jobs);
    ~FleetRunner();
    FleetRunner(const FleetRunner&) = delete;
    FleetRunner& operator=(const FleetRunner&) = delete;

    // Runs targets[first, last) and returns when every started process ended.
    // If `arguments`, `on_end` or starting a process throws, starts nothing
    // more, waits for the running processes, and rethrows.
    void run(const std::vector<FleetTarget>& targets, std::size_t first, std::size_t last, const Arguments& arguments,
             const OnEnd& on_end, const OnProgress& on_progress = {}, const MayStart& may_start = {});

    // The scratch directory (removed with the runner), for the caller's own files.
    const std::filesystem::path& scratch() const { return scratch_; }

private:
    int jobs_;
    std::filesystem::path scratch_;
};

// The arguments shared by every per-database process of a command: the
// subcommand, --json, --dir (the database goes in DATABASE_URL).
std::vector<std::string> per_database_arguments(const std::string& command, const std::filesystem::path& dir);

// The error of a process that ended without a report: the last line it
// wrote on stderr, else its exit code.
std::string error_without_report(const FleetJobEnd& end);

// The JSON report a per-database process wrote (a discarded value when it
// wrote none or something unreadable).
nlohmann::json read_report(const std::string& path);

// "1.5s": seconds since `start`, for progress lines.
std::string elapsed_since(std::chrono::steady_clock::time_point start);

}  // namespace pgm::client
