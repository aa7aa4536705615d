// Shared output pieces of the commands: tables, directory problems, server
// errors located in their file and line.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "connection.hpp"
#include "ledger_view.hpp"
#include "migration_dir.hpp"
#include "terminal.hpp"

namespace pgm::client {

// Prints rows as aligned columns (the first row is the header).
void print_table(const std::vector<std::vector<std::string>>& rows);

nlohmann::json problems_json(const std::vector<Problem>& problems);
void print_problems(const std::vector<Problem>& problems, const Terminal& term);

// Where a failed migration stopped, from the error's context line
// "migration V, statement N, line L[, column C]: TAG" (the extension's own
// format), turned into a line of the file.
struct FailurePoint {
    int statement = 0;
    int line = 0;       // line in the file (0 when unknown)
    std::string command;
};
FailurePoint locate_failure(const ServerError& error, int up_first_line);

nlohmann::json server_error_json(const ServerError& error);
void print_server_error(const ServerError& error, const Terminal& term);

// Schema changes made outside migrations since the last one (status, up).
void print_out_of_band(const OutOfBandDdl& drift, const Terminal& term);

// The extension is not installed, or its installed version has no
// `function` yet: says so and how to get it (one JSON document under
// --json, with `command`) and returns the exit code to end with.
int report_missing_function(bool json, const Terminal& term, Connection& db, const ExtensionState& state,
                            const std::string& command, const std::string& function);

}  // namespace pgm::client
