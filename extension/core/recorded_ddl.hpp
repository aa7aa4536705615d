// Pulled migrations: a script marked "-- migrate:pulled" holds DDL that was
// first run outside any migration and recorded in migrate.ddl_log (what
// `pg_migrate pull` writes).  On the database where that DDL ran, its
// statements are recognised by their record and are recorded as the
// migration's instead of being run a second time; elsewhere they run.
//
// Pure C++: which statements of the script match which recorded statements.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgm::core {

inline constexpr std::string_view kPulledDirective = "migrate:pulled";

// Whether the script carries the directive (statements: byte ranges, as
// directives.hpp takes them).
bool is_pulled_script(std::string_view script, const std::vector<std::pair<int, int>>& statements);

// A statement as it is compared: surrounding white space and a final ';'
// left out.
std::string_view comparable_statement(std::string_view text);

// For each statement of the script, the index of the recorded statement it
// matches, or -1.  Matches follow the order of both lists: each recorded
// statement is used once, and after a match only later ones are looked at.
std::vector<int> match_recorded_statements(const std::vector<std::string_view>& script_statements,
                                           const std::vector<std::string_view>& recorded);

}  // namespace pgm::core
