#include "fleet_targets.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>

#include "connection.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

using Options = std::unique_ptr<PQconninfoOption, void (*)(PQconninfoOption*)>;

std::string quoted(const std::string& value);

// A target as libpq's connect call reads it (expand_dbname): a URL, a
// conninfo string, or else a database name alone (as `psql -d mydb`).
std::string as_conninfo(const std::string& target) {
    const bool url = target.rfind("postgresql://", 0) == 0 || target.rfind("postgres://", 0) == 0;
    if (url || target.find('=') != std::string::npos || target.empty()) return target;
    return "dbname=" + quoted(target);
}

// libpq's own reading of a URL or conninfo string.
Options parse_target(const std::string& target) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(as_conninfo(target).c_str(), &error);
    if (options == nullptr) {
        std::string message = error ? error : "out of memory";
        PQfreemem(error);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw std::runtime_error("invalid connection target \"" + describe_target(target) + "\": " + message);
    }
    return Options(options, PQconninfoFree);
}

// A value as conninfo writes it: quoted, with \ and ' escaped.
std::string quoted(const std::string& value) {
    std::string out = "'";
    for (char c : value) {
        if (c == '\\' || c == '\'') out += '\\';
        out += c;
    }
    return out + "'";
}

std::string trim(const std::string& s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string::npos) return "";
    return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// Splits a fleet file's line into target and label: the target is the first
// word, or a quoted string.
std::pair<std::string, std::string> split_line(const std::string& line) {
    if (line[0] == '\'' || line[0] == '"') {
        const auto close = line.find(line[0], 1);
        if (close == std::string::npos) throw std::invalid_argument("unterminated quote");
        return {line.substr(1, close - 1), trim(line.substr(close + 1))};
    }
    const auto space = line.find_first_of(" \t");
    if (space == std::string::npos) return {line, ""};
    return {line.substr(0, space), trim(line.substr(space))};
}

}  // namespace

bool is_fleet(const FleetOptions& fleet) {
    return fleet.targets.size() > 1 || !fleet.fleet_file.empty() || !fleet.each_database.empty();
}

std::string describe_target(const std::string& target) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(as_conninfo(target).c_str(), &error);
    PQfreemem(error);
    if (options == nullptr) return "(unreadable target)";
    std::string host, port, dbname;
    for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
        if (o->val == nullptr) continue;
        const std::string keyword = o->keyword;
        if (keyword == "host" || (keyword == "hostaddr" && host.empty())) host = o->val;
        else if (keyword == "port") port = o->val;
        else if (keyword == "dbname") dbname = o->val;
    }
    PQconninfoFree(options);
    // What libpq takes from the environment when the target says nothing.
    const char* env_host = std::getenv("PGHOST");
    const char* env_port = std::getenv("PGPORT");
    if (host.empty() && env_host != nullptr) host = env_host;
    if (port.empty() && env_port != nullptr) port = env_port;
    std::string out = host.empty() ? "localhost" : host;
    if (!port.empty()) out += ":" + port;
    return out + "/" + dbname;
}

std::string with_database(const std::string& target, const std::string& dbname) {
    const Options options = parse_target(target);
    std::string conninfo = "dbname=" + quoted(dbname);
    for (PQconninfoOption* o = options.get(); o->keyword != nullptr; ++o)
        if (o->val != nullptr && std::string(o->keyword) != "dbname")
            conninfo += std::string(" ") + o->keyword + "=" + quoted(o->val);
    return conninfo;
}

std::vector<FleetTarget> read_fleet_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read the fleet file " + path);
    std::vector<FleetTarget> out;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        line = trim(line);
        if (line.empty() || line[0] == '#') continue;
        try {
            auto [target, label] = split_line(line);
            (void)parse_target(target);
            out.push_back({target, label.empty() ? describe_target(target) : label});
        } catch (const std::exception& e) {
            throw std::runtime_error(path + ", line " + std::to_string(number) + ": " + e.what());
        }
    }
    return out;
}

std::vector<FleetTarget> databases_matching(const std::string& server, const std::string& pattern) {
    Connection db(server);
    Result r = db.exec(
        "SELECT datname FROM pg_catalog.pg_database WHERE datname OPERATOR(pg_catalog.~~) $1 "
        "AND datallowconn AND NOT datistemplate ORDER BY datname COLLATE \"C\"",
        {pattern});
    std::vector<FleetTarget> out;
    for (int i = 0; i < r.rows(); ++i) {
        const std::string target = with_database(server, r.get(i, 0));
        out.push_back({target, describe_target(target)});
    }
    return out;
}

std::vector<FleetTarget> fleet_targets(const FleetOptions& fleet, const std::string& default_server) {
    std::vector<FleetTarget> all;
    if (!fleet.each_database.empty())
        for (auto& t : databases_matching(fleet.targets.empty() ? default_server : fleet.targets.front(),
                                          fleet.each_database))
            all.push_back(std::move(t));
    else
        for (const auto& t : fleet.targets) all.push_back({t, describe_target(t)});
    if (!fleet.fleet_file.empty())
        for (auto& t : read_fleet_file(fleet.fleet_file)) all.push_back(std::move(t));
    // Each database once, in the order first named.
    std::set<std::string> seen;
    std::vector<FleetTarget> unique;
    for (auto& t : all)
        if (seen.insert(t.conninfo).second) unique.push_back(std::move(t));
    return unique;
}

}  // namespace pgm::client
