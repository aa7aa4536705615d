// diff --sql and --out: the migrations that would make B's schema match A's
// (migration_plan.hpp), each statement with the risk migrate_lint() finds in
// it against B, printed or written as the next migration files of a
// directory.  Nothing is applied.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "connection.hpp"
#include "migration_plan.hpp"

namespace pgm::client {

// What migrate_lint() said of one runnable statement.
struct StatementRisk {
    std::string risk = "safe";  // the worst of its findings
    std::vector<std::string> findings;  // "rule: message"
};

struct LintedPlan {
    std::vector<PlannedMigration> migrations;
    std::vector<std::vector<StatementRisk>> risks;  // per migration, per runnable statement
    std::string not_linted;  // why there are no risks ("pg_migrate is not installed in B"), else empty
};

// Lints each migration of the plan against B (nothing is run).
LintedPlan lint_plan(Connection& b, std::vector<PlannedMigration> migrations);

// One migration as SQL text: its statements with their risks as comments,
// what only B has commented out.
std::string migration_script(const LintedPlan& plan, std::size_t index);

// The plan as JSON (with the files written, when given).
nlohmann::json plan_json(const LintedPlan& plan, const std::vector<std::vector<std::filesystem::path>>& files);

// Writes the plan as the next migration files of `dir`; returns each
// migration's files.
std::vector<std::vector<std::filesystem::path>> write_plan(const LintedPlan& plan, const std::filesystem::path& dir,
                                                           const std::string& header);

}  // namespace pgm::client
