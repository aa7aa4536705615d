// The HTML report of a fleet (report_command.cpp), written by `report` and
// by `up --html` after its run.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fleet_targets.hpp"
#include "terminal.hpp"

namespace pgm::client {

struct FleetReport {
    std::size_t databases = 0;
    std::size_t needing_attention = 0;
    std::size_t unreadable = 0;
    std::vector<std::string> errors;  // per target: why it could not be read ("" when it was)
};

// Reads every target's report document, `jobs` at a time, and writes the page
// to `html_file`.  `run_errors`, when not empty, holds per target the error a
// run of `up` met there (null for none): that version is shown as failed.
FleetReport write_fleet_report(const std::string& html_file, const std::filesystem::path& dir, int jobs,
                               const std::vector<FleetTarget>& targets, const std::vector<nlohmann::json>& run_errors,
                               Terminal& term);

}  // namespace pgm::client
