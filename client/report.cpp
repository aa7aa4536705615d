#include "report.hpp"

#include "exit_codes.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

// Display width of UTF-8 text: counts code points, not bytes.
std::size_t width(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

// The number after `key` in `text` ("statement 3" -> 3), or 0.
int number_after(const std::string& text, const std::string& key) {
    const auto at = text.find(key);
    if (at == std::string::npos) return 0;
    return std::atoi(text.c_str() + at + key.size());
}

}  // namespace

void print_table(const std::vector<std::vector<std::string>>& rows) {
    if (rows.empty()) return;
    std::vector<std::size_t> widths(rows[0].size(), 0);
    for (const auto& row : rows)
        for (std::size_t c = 0; c < row.size() && c < widths.size(); ++c)
            widths[c] = std::max(widths[c], width(row[c]));
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t c = 0; c < row.size(); ++c) {
            line += row[c];
            if (c + 1 < row.size()) line += std::string(widths[c] - width(row[c]) + 2, ' ');
        }
        std::cout << line << '\n';
    }
}

nlohmann::json problems_json(const std::vector<Problem>& problems) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& p : problems) out.push_back({{"file", p.file.string()}, {"message", p.message}});
    return out;
}

void print_problems(const std::vector<Problem>& problems, const Terminal& term) {
    std::cerr << term.red("pg_migrate: the migration directory has problems; nothing was applied") << '\n';
    for (const auto& p : problems) std::cerr << "  " << p.file.string() << ": " << p.message << '\n';
}

FailurePoint locate_failure(const ServerError& error, int up_first_line) {
    FailurePoint point;
    std::istringstream lines(error.context);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind("migration ", 0) != 0) continue;
        point.statement = number_after(line, ", statement ");
        const int script_line = number_after(line, ", line ");
        if (script_line > 0) point.line = up_first_line + script_line - 1;
        const auto colon = line.find(": ");
        if (colon != std::string::npos) point.command = line.substr(colon + 2);
        break;
    }
    return point;
}

nlohmann::json server_error_json(const ServerError& error) {
    nlohmann::json out = {{"sqlstate", error.sqlstate}, {"message", error.message}};
    out["detail"] = error.detail.empty() ? nlohmann::json() : nlohmann::json(error.detail);
    out["hint"] = error.hint.empty() ? nlohmann::json() : nlohmann::json(error.hint);
    out["context"] = error.context.empty() ? nlohmann::json() : nlohmann::json(error.context);
    return out;
}

void print_server_error(const ServerError& error, const Terminal& term) {
    std::cerr << term.red("ERROR:") << "  " << error.message;
    if (!error.sqlstate.empty()) std::cerr << " (SQLSTATE " << error.sqlstate << ")";
    std::cerr << '\n';
    if (!error.detail.empty()) std::cerr << "DETAIL:  " << error.detail << '\n';
    if (!error.hint.empty()) std::cerr << "HINT:  " << error.hint << '\n';
    if (!error.internal_query.empty()) std::cerr << "QUERY:  " << error.internal_query << '\n';
    if (!error.context.empty()) std::cerr << "CONTEXT:  " << error.context << '\n';
}

int report_missing_function(bool json, const Terminal& term, Connection& db, const ExtensionState& state,
                            const std::string& command, const std::string& function) {
    const std::string message =
        state.installed ? "pg_migrate " + state.installed_version + " in database \"" + db.database() +
                              "\" has no " + function + "(); \"pg_migrate up\" updates it to " + state.default_version
                        : "pg_migrate is not installed in database \"" + db.database() +
                              "\"; \"pg_migrate up\" installs it (or CREATE EXTENSION pg_migrate)";
    if (json)
        std::cout << nlohmann::json{{"command", command}, {"ok", false}, {"database", db.database()},
                                    {"error", {{"message", message}}}, {"exit_code", exit_code::kFailed}}
                         .dump(2)
                  << '\n';
    else
        std::cerr << term.red("pg_migrate: ") << message << '\n';
    return exit_code::kFailed;
}

void print_out_of_band(const OutOfBandDdl& drift, const Terminal& term) {
    std::cout << term.red("Schema changed outside migrations since the last migration: " +
                          std::to_string(drift.changes) + " change" + (drift.changes == 1 ? "" : "s") +
                          ", the last at " + drift.last_at + " by " + drift.roles + " (" +
                          drift.summary + ").")
              << "\n  See them with: SELECT * FROM migrate_out_of_band_ddl();"
                 "\n  Put the change in a migration (pg_migrate pull writes it), so that every database gets it.\n";
}

}  // namespace pgm::client
