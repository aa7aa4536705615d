// Parsing a script for the SQL functions: PostgreSQL's parser through
// pg_call, with syntax errors reported against the script ("migration 001,
// statement 3, line 7, column 5") and psql meta-commands refused by name.
#pragma once

#include <string>

#include "../bridge/entry.hpp"
#include "../pg/script_parser.hpp"

namespace pgm {

// `label` names the script in messages, e.g. "migration 001".  `classify`:
// also classify every statement (pg/safety/classifier.hpp).
pg::ParsedScript* parse_script(const std::string& label, const std::string& script, bool classify = false);

}  // namespace pgm
