// migrate_lint(script, in_transaction) -> SETOF (statement, line, command, risk,
// rule, object, message, hint): what migrate_apply would refuse (risk "error",
// from the same refusals.hpp that decides apply's refusal) and every finding
// of the classifier (pg/safety/classifier.hpp), one row each, in script
// order.  Nothing runs and no lock is taken: it is safe
// against production, and against an empty database in CI (tables it does not
// have count as existing tables of unknown size).
#include <optional>
#include <string>
#include <vector>

#include "../bridge/entry.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/script_parser.hpp"
#include "refusals.hpp"
#include "rules.hpp"
#include "script.hpp"

namespace pgm {
namespace {

void add_finding_row(std::vector<std::optional<std::string>>* cells, const pg::ScriptStatement& st,
                     const pg::Finding& f) {
    cells->push_back(std::to_string(st.number));
    cells->push_back(std::to_string(st.line));
    cells->push_back(std::string(st.command));
    cells->push_back(std::string(pg::risk_name(f.risk)));
    cells->push_back(std::string(f.rule));
    cells->push_back(optional_text(f.object));
    cells->push_back(optional_text(f.message));
    cells->push_back(optional_text(f.hint));
}

// A refusal migrate_apply would make, as a row of risk "error".
void add_refusal_row(std::vector<std::optional<std::string>>* cells, const pg::ScriptStatement& st,
                     const Refusal& r) {
    cells->push_back(std::to_string(st.number));
    cells->push_back(std::to_string(st.line));
    cells->push_back(std::string(st.command));
    cells->push_back(std::string("error"));
    cells->push_back(std::string(r.rule));
    cells->push_back(std::nullopt);
    cells->push_back(r.message + ": " + r.detail);
    cells->push_back(r.hint);
}

// A script without statements is applied as a recorded no-op: said, of the
// script as a whole (no statement, no line), so an unedited template or a
// placeholder is seen before it is recorded.
void add_runs_nothing_row(std::vector<std::optional<std::string>>* cells) {
    cells->insert(cells->end(),
                  {std::nullopt, std::nullopt, std::nullopt, std::string("safe"), std::string("empty-script"),
                   std::nullopt,
                   std::string("the script has no statements: applying it records the version as applied and "
                               "runs nothing"),
                   std::string("A placeholder that keeps version numbers dense is fine; otherwise write the "
                               "migration's SQL before it is applied (an applied script cannot change).")});
}

// A script the parser cannot read: apply would fail with the same error.
// One row of risk "error" at the statement and line of the error.
void add_parse_error_row(std::vector<std::optional<std::string>>* cells, int statement, int line,
                         const char* rule, const std::string& message, const std::string& hint) {
    cells->insert(cells->end(), {std::to_string(statement), std::to_string(line), std::nullopt,
                                 std::string("error"), std::string(rule), std::nullopt, message,
                                 hint.empty() ? std::nullopt : std::optional<std::string>(hint)});
}

// Parses and classifies `script`; a syntax error or a psql meta-command is a
// row instead.  Catching PostgreSQL's error and going on is safe here: a
// syntax error comes from the parser, which holds nothing (see
// bridge/pg_call.hpp); any other error is raised.
const pg::ParsedScript* parse_or_report(const std::string& script, std::vector<std::optional<std::string>>* cells) {
    try {
        return parse_script("script", script, true);
    } catch (const MetaCommandError& e) {
        add_parse_error_row(cells, e.statement, e.line, "psql-meta-command", e.message + ": " + e.detail, e.hint);
    } catch (const ScriptParseError& e) {
        if (e.edata()->sqlerrcode != ERRCODE_SYNTAX_ERROR || e.statement == 0) throw;
        add_parse_error_row(cells, e.statement, e.line, "syntax-error", e.edata()->message,
                            e.edata()->hint != nullptr ? e.edata()->hint : "");
    }
    return nullptr;
}

}  // namespace
}  // namespace pgm

PGM_FUNCTION(migrate_lint) {
    using namespace pgm;
    const std::string script = required_text_arg(fcinfo, 0, "script");
    // 0.11's migrate_lint(text) has no second argument: in a transaction.
    const bool in_transaction = PG_NARGS() < 2 || PG_GETARG_BOOL(1);
    std::vector<std::optional<std::string>> cells;
    const pg::ParsedScript* parsed = parse_or_report(script, &cells);
    if (parsed == nullptr) {
        rows_result(fcinfo, cells, 1);
        return Datum(0);
    }
    const ScriptRun run = in_transaction ? ScriptRun::kMigration : ScriptRun::kOutsideTransaction;
    const std::vector<Refusal> refusals = script_refusals(*parsed, run);
    int rows = 0;
    if (runs_nothing(statements_to_run(*parsed, run))) {
        add_runs_nothing_row(&cells);
        ++rows;
    }
    auto refusal = refusals.begin();
    for (int i = 0; i < parsed->count; i++) {
        const pg::ScriptStatement& st = parsed->statements[i];
        for (; refusal != refusals.end() && refusal->statement == i; ++refusal, ++rows)
            add_refusal_row(&cells, st, *refusal);
        for (int f = 0; f < st.analysis->finding_count; f++, rows++)
            add_finding_row(&cells, st, st.analysis->findings[f]);
    }
    rows_result(fcinfo, cells, rows);
    return Datum(0);
}
