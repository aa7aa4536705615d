// The databases of a fleet: -d repeated, a fleet file, or every database of
// one server whose name matches a pattern.
#pragma once

#include <string>
#include <vector>

namespace pgm::client {

struct FleetTarget {
    std::string conninfo;  // what the client connects with (a URL or a conninfo string)
    std::string label;     // for people: the file's label, else host:port/dbname
};

struct FleetOptions {
    std::vector<std::string> targets;  // -d, repeated
    std::string fleet_file;            // --fleet FILE
    std::string each_database;         // --each-database PATTERN (LIKE)
    int jobs = 4;                      // databases at a time
    int canary = 0;                    // migrate this many first; stop if one fails
    int max_failures = 0;              // start no database after this many failures (0: no limit)
};

// Whether the options name more than one database (fleet mode).
bool is_fleet(const FleetOptions& fleet);

// The fleet file: one URL or conninfo string per line, "#" comments and
// blank lines ignored, an optional label after the target (separated by
// whitespace; a conninfo string with spaces must be quoted as 'one two').
// Throws std::runtime_error naming the file and line of a bad one.
std::vector<FleetTarget> read_fleet_file(const std::string& path);

// Every database of the server `server` (a target) whose name matches the
// LIKE `pattern`, that accepts connections, in name order.
std::vector<FleetTarget> databases_matching(const std::string& server, const std::string& pattern);

// All targets the options name, in order, each database once.
std::vector<FleetTarget> fleet_targets(const FleetOptions& fleet, const std::string& default_server);

// `target` with its database replaced (a conninfo string).
std::string with_database(const std::string& target, const std::string& dbname);

// host:port/dbname of a target, for people (no password).
std::string describe_target(const std::string& target);

}  // namespace pgm::client
