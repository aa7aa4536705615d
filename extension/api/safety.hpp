// Refusing to destroy data (or to take any risk migrate.refuse names) unless
// allowed: the step every apply takes after parsing and before running
// anything.
#pragma once

#include <set>
#include <string>

#include "../bridge/entry.hpp"
#include "../pg/script_parser.hpp"
#include "rules.hpp"

namespace pgm {

// The risks a caller allows through a text[] argument (allow => '{data_loss}').
std::set<std::string> allow_arg(FunctionCallInfo fcinfo, int n);

// Decides data loss exactly for statements range.first..range.last (their
// probes run now, inside the caller's transaction), then refuses the
// migration with MG013 when a finding's risk is one migrate.refuse names and
// neither `allowed` nor a "-- migrate:allow" line of the script allows it.
// Returns the migration's overall risk.  `parsed` must be classified.
pg::Risk assess_migration(const std::string& label, const std::string& script, pg::ParsedScript& parsed,
                          StatementRange range, const std::set<std::string>& allowed);

// The same for one piece of a streamed script: `allowed` gains the piece's
// "-- migrate:allow" lines, which hold for the pieces after it too.
pg::Risk assess_piece(const std::string& label, const std::string& piece, pg::ParsedScript& parsed,
                      StatementRange range, std::set<std::string>& allowed);

}  // namespace pgm
