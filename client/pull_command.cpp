// pg_migrate pull: the DDL run outside migrations since the last one (a
// hotfix typed into a dashboard or an SQL editor, recorded in
// migrate.ddl_log) written as the next migration file of --dir, marked
// "-- migrate:pulled": applied on the database it came from, its statements
// are recognised by their record and not run again; elsewhere they run.
#include <ctime>
#include <iostream>

#include "commands.hpp"
#include "connection.hpp"
#include "exit_codes.hpp"
#include "ledger_view.hpp"
#include "migration_writer.hpp"
#include "report.hpp"
#include "terminal.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

struct PulledStatement {
    std::string logged_at, role, session_role, application_name, command, objects, sql;
};

std::vector<PulledStatement> out_of_band_statements(Connection& db) {
    const Result r = db.exec(
        "SELECT logged_at, role, session_role, application_name, command, objects, sql "
        "FROM pg_catalog.migrate_out_of_band_statements() ORDER BY statement");
    std::vector<PulledStatement> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({r.get(i, 0), r.get(i, 1), r.get(i, 2), r.get_optional(i, 3).value_or(""),
                       r.get(i, 4), r.get_optional(i, 5).value_or(""), r.get_optional(i, 6).value_or("")});
    return out;
}

// The statement as a script holds it: ending with ';' (on a line of its own
// after a trailing comment).
std::string terminated(std::string sql) {
    while (!sql.empty() && (sql.back() == '\n' || sql.back() == ' ' || sql.back() == '\t' || sql.back() == '\r'))
        sql.pop_back();
    if (!sql.empty() && sql.back() == ';') return sql;
    const std::size_t last_line = sql.rfind('\n');
    const bool comment_at_end = sql.find("--", last_line == std::string::npos ? 0 : last_line) != std::string::npos;
    return sql + (comment_at_end ? "\n;" : ";");
}

std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\n' || c == '\r') c = ' ';
    return text;
}

std::string script_of(const std::vector<PulledStatement>& statements, Connection& db, const std::string& since) {
    std::time_t now = std::time(nullptr);
    char at[32];
    std::strftime(at, sizeof at, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
    std::string out = "-- migrate:pulled\n-- Pulled by pg_migrate from " + db.describe() + " at " + at +
                      ":\n-- the DDL run there outside migrations" + (since.empty() ? "" : " since migration " + since) +
                      ".\n-- There each statement is recognised by its record in migrate.ddl_log and is not\n"
                      "-- run again; on every other database it runs.\n";
    int n = 0;
    for (const auto& s : statements) {
        out += "\n-- " + std::to_string(++n) + ": " + s.command + " at " + s.logged_at + " by " + s.role;
        if (s.session_role != s.role) out += " (logged in as " + s.session_role + ")";
        if (!s.application_name.empty()) out += " from " + one_line(s.application_name);
        if (!s.objects.empty()) out += "\n--    " + one_line(s.objects);
        out += "\n" + terminated(s.sql) + "\n";
    }
    return out;
}

// Whether every statement can run in a transaction, as the server's parser
// decides it (migrate_split): CREATE INDEX CONCURRENTLY cannot.
bool runs_in_transaction(Connection& db, const std::string& script) {
    return db.exec("SELECT pg_catalog.bool_and(transactional) IS NOT FALSE FROM pg_catalog.migrate_split($1)", {script})
               .get(0, 0) == "t";
}

}  // namespace

int run_pull(const CommonOptions& options, const std::string& name) {
    Terminal term(options.json);
    Connection db(resolve_target(options.target));
    const ExtensionState state = extension_state(db);
    if (!installed_at_least(state, "0.15"))
        return report_missing_function(options.json, term, db, state, "pull", "migrate_out_of_band_statements");
    const std::vector<PulledStatement> statements = out_of_band_statements(db);
    const std::string since = db.exec("SELECT pg_catalog.migrate_version()").get_optional(0, 0).value_or("");
    std::vector<std::filesystem::path> files;
    if (!statements.empty()) {
        const std::string script = script_of(statements, db, since);
        files = write_next_migration(options.dir, {name, script, !runs_in_transaction(db, script), "", true});
    }
    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& s : statements)
            list.push_back({{"logged_at", s.logged_at}, {"role", s.role}, {"session_role", s.session_role},
                            {"application_name", s.application_name.empty() ? nlohmann::json() : nlohmann::json(s.application_name)},
                            {"command", s.command}, {"objects", s.objects}, {"sql", s.sql}});
        nlohmann::json written = nlohmann::json::array();
        for (const auto& f : files) written.push_back(f.string());
        std::cout << nlohmann::json{{"command", "pull"}, {"database", db.database()}, {"statements", list},
                                    {"files", written}, {"exit_code", 0}}
                         .dump(2)
                  << '\n';
        return exit_code::kSuccess;
    }
    if (statements.empty()) {
        std::cout << "nothing to pull: no DDL ran outside migrations in " << db.describe()
                  << (since.empty() ? "" : " since migration " + since) << '\n';
        return exit_code::kSuccess;
    }
    for (const auto& f : files) std::cout << "created " << f.string() << '\n';
    std::cout << statements.size() << " statement" << (statements.size() == 1 ? "" : "s") << " pulled from "
              << db.describe() << "; `pg_migrate up` records " << (statements.size() == 1 ? "it" : "them")
              << " there without running " << (statements.size() == 1 ? "it" : "them") << " again\n";
    return exit_code::kSuccess;
}

}  // namespace pgm::client
