// pg_migrate lint [FILE...]: what each statement of the migrations risks, as
// migrate_lint() in the database decides it (the real parser, the live
// catalog: CI can lint against an empty database, production against itself).
// Nothing is applied.  Exit code 3 when a finding's risk is one --fail-on
// names (by default anything but safe).
#include <iostream>

#include "commands.hpp"
#include "connection.hpp"
#include "exit_codes.hpp"
#include "ledger_view.hpp"
#include "report.hpp"
#include "migration_dir.hpp"
#include "migration_source.hpp"
#include "terminal.hpp"
#include "../extension/core/cpp_only.hpp"
#include "../extension/core/risk_policy.hpp"

namespace pgm::client {
namespace {

// One script to lint: where it came from and where its up script starts.
struct LintTarget {
    std::string file;
    std::string version;  // empty for a file given by path
    std::string script;
    int first_line = 1;
    bool in_transaction = true;  // false: marked no-transaction, run statement by statement
};

std::vector<LintTarget> targets_of(const CommonOptions& options, const LintOptions& lint) {
    std::vector<LintTarget> targets;
    if (!lint.files.empty()) {
        for (const auto& file : lint.files) {
            MigrationSource source = parse_migration_source(read_file(file));
            targets.push_back({file, "", std::move(source.up), source.up_first_line, !source.no_transaction});
        }
        return targets;
    }
    const ScanResult scan = scan_directory(options.dir);
    if (!scan.problems.empty()) throw std::runtime_error(scan.problems.front().file.string() + ": " +
                                                         scan.problems.front().message);
    for (const auto& m : scan.migrations) {
        MigrationScripts scripts = load_scripts(m);
        targets.push_back(
            {m.up_file.string(), m.version, std::move(scripts.up), scripts.up_first_line, !m.no_transaction});
    }
    return targets;
}

// A GitHub Actions workflow command's value: '%', CR and LF escaped, and in
// a property (file=..., title=...) ':' and ',' too.
std::string github_escaped(const std::string& text, bool property) {
    std::string out;
    for (const char c : text) {
        if (c == '%') out += "%25";
        else if (c == '\r') out += "%0D";
        else if (c == '\n') out += "%0A";
        else if (property && c == ':') out += "%3A";
        else if (property && c == ',') out += "%2C";
        else out += c;
    }
    return out;
}

// "::error file=F,line=L,title=RULE::MESSAGE": what fails the lint is an
// error annotation, other risks warnings; safe findings are not annotated.
void print_github_annotation(const std::string& file, int line, const std::string& risk, bool fails,
                             const std::string& rule, const std::string& message) {
    if (risk == "safe") return;
    std::cout << (fails ? "::error" : "::warning") << " file=" << github_escaped(file, true) << ",line=" << line
              << ",title=" << github_escaped(risk + " " + rule, true) << "::" << github_escaped(message, false)
              << '\n';
}

std::string painted_risk(const Terminal& term, const std::string& risk) {
    if (risk == "error" || risk == "data_loss") return term.red(risk);
    if (risk == "breaking") return term.red(risk);
    if (risk == "locking") return term.yellow(risk);
    return term.green(risk);
}

}  // namespace

int run_lint(const CommonOptions& options, const LintOptions& lint) {
    const bool json = options.json || lint.format == "json";
    const bool github = !json && lint.format == "github";
    Terminal term(json);
    std::set<std::string> fail_on;
    try {
        fail_on = core::parse_risk_list(lint.fail_on);
    } catch (const std::invalid_argument& e) {
        std::cerr << "pg_migrate: --fail-on: " << e.what() << '\n';
        return exit_code::kUsage;
    }
    const std::vector<LintTarget> targets = targets_of(options, lint);
    Connection db(resolve_target(options.target));
    const ExtensionState state = extension_state(db);
    if (!installed_at_least(state, "0.7"))
        return report_missing_function(json, term, db, state, "lint", "migrate_lint");

    // 0.12 on: what migrate_apply would refuse comes back as risk "error",
    // which always fails the lint, and a no-transaction file is linted as
    // the client runs it.
    const bool refusals = installed_at_least(state, "0.12");
    const std::string query = refusals ? "SELECT statement, line, command, risk, rule, object, message, hint "
                                         "FROM pg_catalog.migrate_lint($1, $2)"
                                       : "SELECT statement, line, command, risk, rule, object, message, hint "
                                         "FROM pg_catalog.migrate_lint($1)";
    std::map<std::string, int> counts{{"error", 0}, {"safe", 0}, {"locking", 0}, {"breaking", 0}, {"data_loss", 0}};
    int failing = 0;
    nlohmann::json files = nlohmann::json::array();
    for (const auto& t : targets) {
        Result r(nullptr);
        try {
            const std::string in_transaction = t.in_transaction ? "true" : "false";
            r = refusals ? db.exec_refs(query, {&t.script, &in_transaction}) : db.exec_refs(query, {&t.script});
        } catch (const ServerError&) {
            // A script the server cannot parse: say which file before the error.
            std::cerr << term.red("pg_migrate: ") << "cannot lint " << t.file << '\n';
            throw;
        }
        nlohmann::json findings = nlohmann::json::array();
        for (int i = 0; i < r.rows(); ++i) {
            const std::string risk = r.get(i, 3);
            // A refusal of the whole script (it has no statements) has no line.
            const int line = r.is_null(i, 1) ? t.first_line : std::stoi(r.get(i, 1)) + t.first_line - 1;
            counts[risk]++;
            const bool fails = risk == "error" || fail_on.count(risk) > 0;
            if (fails) ++failing;
            findings.push_back({{"statement", r.is_null(i, 0) ? nlohmann::json() : nlohmann::json(std::stoi(r.get(i, 0)))},
                                {"line", line},
                                {"command", r.is_null(i, 2) ? nlohmann::json() : nlohmann::json(r.get(i, 2))},
                                {"risk", risk}, {"rule", r.get(i, 4)},
                                {"object", r.is_null(i, 5) ? nlohmann::json() : nlohmann::json(r.get(i, 5))},
                                {"message", r.get_optional(i, 6).value_or("")},
                                {"hint", r.is_null(i, 7) ? nlohmann::json() : nlohmann::json(r.get(i, 7))}});
            if (json) continue;
            if (github) {
                print_github_annotation(t.file, line, risk, fails, r.get(i, 4), r.get_optional(i, 6).value_or(""));
                continue;
            }
            std::cout << t.file << ":" << line << ": " << painted_risk(term, risk) << " " << r.get(i, 4) << ": "
                      << r.get_optional(i, 6).value_or("") << '\n';
            if (!r.is_null(i, 7) && risk != "safe") std::cout << "    hint: " << r.get(i, 7) << '\n';
        }
        files.push_back({{"file", t.file},
                         {"version", t.version.empty() ? nlohmann::json() : nlohmann::json(t.version)},
                         {"findings", findings}});
    }
    const int rc = failing > 0 ? exit_code::kVerification : exit_code::kSuccess;
    if (json) {
        std::cout << nlohmann::json{{"command", "lint"},     {"ok", failing == 0},      {"database", db.database()},
                                    {"files", files},        {"summary", counts},       {"exit_code", rc}}
                         .dump(2)
                  << '\n';
    } else {
        std::cout << targets.size() << (targets.size() == 1 ? " file: " : " files: ");
        if (counts["error"] > 0) std::cout << counts["error"] << " refused, ";
        std::cout << counts["data_loss"]
                  << " data_loss, " << counts["breaking"] << " breaking, " << counts["locking"] << " locking, "
                  << counts["safe"] << " safe\n";
    }
    return rc;
}

}  // namespace pgm::client
