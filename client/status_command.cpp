// pg_migrate status: applied / pending / changed / missing, in one round trip.
#include <cstdlib>
#include <iostream>
#include <algorithm>
#include <map>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "ledger_view.hpp"
#include "report.hpp"
#include "../extension/core/version.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {

std::string resolve_target(const std::string& option) {
    if (!option.empty()) return option;
    if (const char* url = std::getenv("DATABASE_URL"); url != nullptr && *url != '\0') return url;
    return "";
}

namespace {

std::string file_of(const VersionState& s) { return s.file ? s.file->up_file.string() : ""; }

int exit_code_for(const std::map<std::string, int>& counts, bool out_of_band_ddl) {
    if (counts.count("changed")) return exit_code::kChanged;
    if (counts.count("missing") || out_of_band_ddl) return exit_code::kVerification;
    return exit_code::kSuccess;
}

nlohmann::json out_of_band_json(Connection& db, const std::optional<OutOfBandDdl>& drift) {
    if (!drift) return nlohmann::json();
    return {{"changes", drift->changes},
            {"last_at", drift->last_at},
            {"roles", drift->roles},
            {"objects", out_of_band_objects(db)}};
}

nlohmann::json running_json(const std::vector<RunningMigration>& running) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : running)
        list.push_back({{"version", m.version}, {"state", m.state}, {"progress", m.progress}, {"since", m.since},
                        {"role", m.role}, {"statements", m.statements}});
    return list;
}

void print_running(const std::vector<RunningMigration>& running, const Terminal& term) {
    for (const auto& m : running)
        std::cout << term.yellow(m.state + ": ") << "migration " << m.version << " by " << m.role << " since " << m.since
                  << ", " << m.progress << '\n';
}

// The loose .sql files the scan ignored beside Diesel or Prisma folders.
// They are top-level files, so their file name is their name relative to the
// directory.
std::string ignored_name(const std::filesystem::path& file) { return file.filename().string(); }

nlohmann::json ignored_json(const ScanResult& scan) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& file : scan.ignored) list.push_back(ignored_name(file));
    return list;
}

// Listed so that a migration put beside the folders by mistake is noticed:
// nothing applies it.
void print_ignored(const ScanResult& scan, const Terminal& term) {
    for (const auto& file : scan.ignored)
        std::cout << "  " << term.yellow("not a migration: ") << ignored_name(file) << " (ignored in a "
                  << layout_name(scan.layout) << " layout)" << '\n';
}

}  // namespace

int run_status(const CommonOptions& options) {
    Terminal term(options.json);
    // Connects and reads the ledger while we scan the directory.
    LedgerSnapshot snapshot;
    PendingConnection pending_db(resolve_target(options.target),
                                 [&snapshot](Connection& c) {
                                     snapshot = read_ledger(c);
                                     c.behind_pooler();  // asked while the directory is scanned
                                 });
    const ScanResult scan = scan_directory(options.dir);
    if (!scan.problems.empty()) {
        if (options.json)
            std::cout << nlohmann::json{{"command", "status"}, {"ok", false},
                                        {"directory", options.dir.string()},
                                        {"problems", problems_json(scan.problems)},
                                        {"exit_code", exit_code::kFailed}}.dump(2)
                      << '\n';
        else
            print_problems(scan.problems, term);
        return exit_code::kFailed;
    }

    Connection& db = pending_db.get();
    const bool installed = snapshot.extension.installed;
    const std::vector<VersionState> states = compare_with_ledger(db, scan, snapshot.rows);
    std::map<std::string, int> counts;
    for (const auto& s : states) ++counts[s.state];
    const int code = exit_code_for(counts, snapshot.out_of_band.has_value());
    const std::optional<LastVerify> verified = installed ? last_verify(db) : std::nullopt;
    const std::string version = current_version(snapshot.rows);

    if (options.json) {
        nlohmann::json rows = nlohmann::json::array();
        for (const auto& s : states) {
            rows.push_back({{"version", s.version},
                            {"name", s.name},
                            {"state", s.state},
                            {"file", s.file ? nlohmann::json(file_of(s)) : nlohmann::json()},
                            {"checksum", s.checksum ? nlohmann::json(*s.checksum) : nlohmann::json()},
                            {"file_checksum", s.file_checksum ? nlohmann::json(*s.file_checksum) : nlohmann::json()},
                            {"applied_at", s.applied_at ? nlohmann::json(*s.applied_at) : nlohmann::json()},
                            {"applied_by", s.applied_by ? nlohmann::json(*s.applied_by) : nlohmann::json()},
                            {"cosmetic_change", s.cosmetic_change}});
        }
        nlohmann::json summary = nlohmann::json::object();
        for (const char* state : {"applied", "baseline", "pending", "changed", "missing"})
            summary[state] = counts.count(state) ? counts[state] : 0;
        std::cout << nlohmann::json{{"command", "status"},
                                    {"ok", code == exit_code::kSuccess},
                                    {"database", db.database()},
                                    {"directory", options.dir.string()},
                                    {"layout", layout_name(scan.layout)},
                                    {"extension_installed", installed},
                                    {"version", version.empty() ? nlohmann::json() : nlohmann::json(version)},
                                    {"migrations", rows},
                                    {"ignored", ignored_json(scan)},
                                    {"summary", summary},
                                    {"out_of_band_ddl", out_of_band_json(db, snapshot.out_of_band)},
                                    {"running", running_json(snapshot.running)},
                                    {"last_verify", last_verify_json(verified)},
                                    {"pooler", db.behind_pooler()},
                                    {"exit_code", code}}
                         .dump(2)
                  << '\n';
        return code;
    }

    std::cout << "Directory " << options.dir.string() << " (" << layout_name(scan.layout) << ", "
              << scan.migrations.size() << " migrations), " << db.describe()
              << (db.behind_pooler() ? " through a connection pooler" : "") << '\n';
    if (!installed) std::cout << term.yellow("pg_migrate is not installed in this database yet; "
                                             "\"pg_migrate up\" installs it.") << '\n';
    std::vector<std::vector<std::string>> table{{"version", "name", "state", "applied at", "file"}};
    for (const auto& s : states) {
        std::string state = s.state;
        if (state == "applied" || state == "baseline") state = term.green(state);
        else if (state == "pending") state = term.yellow(state);
        else if (state == "changed" || state == "missing") state = term.red(state);
        table.push_back({s.version, s.name, state, s.applied_at.value_or(""),
                         file_of(s) + (s.cosmetic_change ? "  (cosmetic edit since applied)" : "")});
    }
    print_table(table);
    std::string summary;
    for (const char* state : {"applied", "baseline", "pending", "changed", "missing"})
        if (counts.count(state))
            summary += (summary.empty() ? "" : ", ") + std::to_string(counts[state]) + " " + state;
    std::cout << (summary.empty() ? "no migrations" : summary) << '\n';
    print_ignored(scan, term);
    if (counts.count("changed"))
        std::cout << term.red("Applied migrations were changed on disk: restore them, or put the "
                              "change in a new migration.") << '\n';
    if (counts.count("missing"))
        std::cout << term.red("Applied migrations are missing from the directory.") << '\n';
    if (snapshot.out_of_band) print_out_of_band(*snapshot.out_of_band, term);
    print_running(snapshot.running, term);
    if (verified)
        std::cout << "Last verify (" << verified->verified_at << "): "
                  << (verified->ok ? term.green("the database matched its ledger")
                                   : term.red(std::to_string(verified->problems) + " problem" +
                                              (verified->problems == 1 ? "" : "s")))
                  << '\n';
    return code;
}

int run_status_compare(const CommonOptions& options, const std::vector<std::string>& targets) {
    Terminal term(options.json);
    const ScanResult scan = scan_directory(options.dir);
    if (!scan.problems.empty()) {
        if (options.json)
            std::cout << nlohmann::json{{"command", "status"}, {"ok", false},
                                        {"problems", problems_json(scan.problems)},
                                        {"exit_code", exit_code::kFailed}}.dump(2) << '\n';
        else
            print_problems(scan.problems, term);
        return exit_code::kFailed;
    }
    // version sort key -> (version, name, state per database)
    struct Row {
        std::string version, name;
        std::vector<std::string> states;
    };
    std::map<std::string, Row> rows;
    std::vector<std::string> labels;
    std::vector<std::string> descriptions;
    int code = exit_code::kSuccess;
    for (std::size_t d = 0; d < targets.size(); ++d) {
        Connection db(targets[d]);
        labels.push_back(db.database() + " #" + std::to_string(d + 1));
        descriptions.push_back(db.describe());
        std::map<std::string, int> counts;
        const LedgerSnapshot snapshot = read_ledger(db);
        for (const auto& st : compare_with_ledger(db, scan, snapshot.rows)) {
            Row& row = rows[core::version_sort_key(st.version)];
            if (row.version.empty()) row.version = st.version;
            if (row.name.empty()) row.name = st.name;
            row.states.resize(targets.size(), "-");
            row.states[d] = st.state;
            ++counts[st.state];
        }
        code = std::max(code, exit_code_for(counts, snapshot.out_of_band.has_value()));
    }
    for (auto& [key, row] : rows) row.states.resize(targets.size(), "-");

    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& [key, row] : rows) {
            nlohmann::json states = nlohmann::json::array();
            for (const auto& st : row.states) states.push_back(st == "-" ? nlohmann::json() : nlohmann::json(st));
            list.push_back({{"version", row.version}, {"name", row.name}, {"states", states}});
        }
        std::cout << nlohmann::json{{"command", "status"}, {"ok", code == exit_code::kSuccess},
                                    {"directory", options.dir.string()}, {"layout", layout_name(scan.layout)},
                                    {"databases", labels}, {"migrations", list},
                                    {"ignored", ignored_json(scan)}, {"exit_code", code}}.dump(2)
                  << '\n';
        return code;
    }
    std::vector<std::vector<std::string>> table;
    std::vector<std::string> header{"version", "name"};
    for (const auto& l : labels) header.push_back(l);
    table.push_back(header);
    for (const auto& [key, row] : rows) {
        std::vector<std::string> line{row.version, row.name};
        bool differs = false;
        for (const auto& st : row.states) differs = differs || st != row.states[0];
        for (const auto& st : row.states) line.push_back(differs ? term.yellow(st) : st);
        table.push_back(line);
    }
    std::cout << "Directory " << options.dir.string() << " (" << layout_name(scan.layout) << ")\n";
    for (std::size_t d = 0; d < labels.size(); ++d)
        std::cout << "  #" << (d + 1) << ": " << descriptions[d] << '\n';
    print_table(table);
    print_ignored(scan, term);
    return code;
}

}  // namespace pgm::client
