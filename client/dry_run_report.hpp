// The evidence of `up --dry-run`: what each migration's statements did
// (rows, locks taken, tables rewritten, the classifier's findings), printed
// under the migration's outcome line, and a summary for the whole run.
#pragma once

#include <map>
#include <ostream>
#include <string>

#include <nlohmann/json.hpp>

#include "terminal.hpp"

namespace pgm::client {

// Prints one migration's report (migrate_apply's `report` column).
// `first_line` is the file line where the up script starts, so the lines
// printed are the file's.
void print_migration_evidence(std::ostream& out, const nlohmann::json& report, int first_line, const Terminal& term);

// What the whole run would do to tables other sessions use: the tables
// rewritten and, per relation, the strongest lock and where it was taken.
class EvidenceSummary {
public:
    void add(const std::string& version, const nlohmann::json& report);
    void print(std::ostream& out, const Terminal& term) const;
    nlohmann::json to_json() const;

private:
    struct StrongestLock {
        std::string mode;
        int rank = 0;
        std::string version;
        int statement = 0;
    };
    std::map<std::string, std::string> rewritten_;  // table -> first version rewriting it
    std::map<std::string, StrongestLock> locks_;   // relation -> strongest lock
};

}  // namespace pgm::client
