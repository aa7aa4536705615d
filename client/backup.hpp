// --backup FILE: a pg_dump of the database before anything is applied.
#pragma once

#include <string>

namespace pgm::client {

// Runs `pg_dump --format=custom --file=FILE [--dbname=TARGET]` (pg_dump from
// PATH, no shell involved).  Throws std::runtime_error when it cannot start or
// exits non-zero; its stderr goes to ours.
void run_pg_dump(const std::string& target, const std::string& file);

}  // namespace pgm::client
