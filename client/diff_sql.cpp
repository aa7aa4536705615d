#include "diff_sql.hpp"

#include <algorithm>

#include "ledger_view.hpp"
#include "migration_writer.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

int severity(const std::string& risk) {
    static const char* order[] = {"safe", "locking", "breaking", "data_loss", "error"};
    for (int i = 0; i < 5; ++i)
        if (risk == order[i]) return i;
    return 0;
}

std::string runnable_script(const PlannedMigration& m) {
    std::string script;
    for (const auto& s : m.statements)
        if (s.kind == StatementKind::run) script += s.sql + "\n\n";
    return script;
}

// Every line of `text` as a comment.
std::string commented(const std::string& text) {
    std::string out = "-- ";
    for (char c : text) {
        out += c;
        if (c == '\n') out += "-- ";
    }
    return out;
}

const char* kind_name(StatementKind kind) {
    switch (kind) {
        case StatementKind::run: return "run";
        case StatementKind::only_in_b: return "only_in_b";
        case StatementKind::needs_a_person: return "needs_a_person";
    }
    return "";
}

}  // namespace

LintedPlan lint_plan(Connection& b, std::vector<PlannedMigration> migrations) {
    LintedPlan plan;
    plan.migrations = std::move(migrations);
    for (const auto& m : plan.migrations) plan.risks.emplace_back(static_cast<std::size_t>(m.runnable()));
    const ExtensionState state = extension_state(b);
    if (!installed_at_least(state, "0.12")) {
        plan.not_linted = state.installed ? "pg_migrate " + state.installed_version + " in B has no migrate_lint(script, in_transaction)"
                                          : "pg_migrate is not installed in B";
        return plan;
    }
    for (std::size_t i = 0; i < plan.migrations.size(); ++i) {
        if (plan.risks[i].empty()) continue;  // only comments
        const std::string script = runnable_script(plan.migrations[i]);
        const std::string in_transaction = plan.migrations[i].transactional ? "true" : "false";
        Result r = b.exec_refs("SELECT statement, risk, rule, message FROM pg_catalog.migrate_lint($1, $2)",
                               {&script, &in_transaction});
        for (int row = 0; row < r.rows(); ++row) {
            if (r.is_null(row, 0)) continue;
            const std::size_t n = static_cast<std::size_t>(std::stoi(r.get(row, 0)));
            if (n == 0 || n > plan.risks[i].size()) continue;
            StatementRisk& risk = plan.risks[i][n - 1];
            const std::string found = r.get(row, 1);
            if (severity(found) > severity(risk.risk)) risk.risk = found;
            if (found != "safe")
                risk.findings.push_back(r.get_optional(row, 2).value_or(found) + ": " + r.get_optional(row, 3).value_or(""));
        }
    }
    return plan;
}

std::string migration_script(const LintedPlan& plan, std::size_t index) {
    const PlannedMigration& m = plan.migrations[index];
    std::string out;
    std::size_t runnable = 0;
    for (const auto& s : m.statements) {
        if (!s.note.empty() && s.kind != StatementKind::run) out += "-- " + s.note + "\n";
        if (s.kind == StatementKind::needs_a_person) {
            out += "\n";
            continue;
        }
        if (s.kind == StatementKind::only_in_b) {
            out += commented(s.sql) + "\n\n";
            continue;
        }
        if (!s.note.empty()) out += "-- " + s.note + "\n";
        if (plan.not_linted.empty()) {
            const StatementRisk& risk = plan.risks[index][runnable];
            out += "-- risk: " + risk.risk + "\n";
            for (const auto& f : risk.findings) out += "--   " + f + "\n";
        }
        ++runnable;
        out += s.sql + "\n\n";
    }
    return out;
}

nlohmann::json plan_json(const LintedPlan& plan, const std::vector<std::vector<std::filesystem::path>>& files) {
    nlohmann::json migrations = nlohmann::json::array();
    for (std::size_t i = 0; i < plan.migrations.size(); ++i) {
        const PlannedMigration& m = plan.migrations[i];
        nlohmann::json statements = nlohmann::json::array();
        std::size_t runnable = 0;
        for (const auto& s : m.statements) {
            nlohmann::json one = {{"kind", kind_name(s.kind)}, {"sql", s.sql.empty() ? nlohmann::json() : nlohmann::json(s.sql)},
                                  {"note", s.note.empty() ? nlohmann::json() : nlohmann::json(s.note)}};
            if (s.kind == StatementKind::run && plan.not_linted.empty()) {
                const StatementRisk& risk = plan.risks[i][runnable];
                one["risk"] = risk.risk;
                one["findings"] = risk.findings;
            }
            runnable += s.kind == StatementKind::run;
            statements.push_back(std::move(one));
        }
        nlohmann::json written = nlohmann::json::array();
        if (i < files.size())
            for (const auto& f : files[i]) written.push_back(f.string());
        migrations.push_back({{"name", m.name}, {"purpose", m.purpose}, {"transactional", m.transactional},
                              {"statements", statements}, {"files", written}});
    }
    return {{"migrations", migrations},
            {"linted_against_b", plan.not_linted.empty()},
            {"not_linted", plan.not_linted.empty() ? nlohmann::json() : nlohmann::json(plan.not_linted)}};
}

std::vector<std::vector<std::filesystem::path>> write_plan(const LintedPlan& plan, const std::filesystem::path& dir,
                                                           const std::string& header) {
    std::vector<std::vector<std::filesystem::path>> files;
    for (std::size_t i = 0; i < plan.migrations.size(); ++i) {
        const PlannedMigration& m = plan.migrations[i];
        const std::string up = header + "-- " + m.purpose + "\n\n" + migration_script(plan, i);
        files.push_back(write_next_migration(dir, {m.name, up, !m.transactional, m.allow, false}));
    }
    return files;
}

}  // namespace pgm::client
