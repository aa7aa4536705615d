// migrate_lint(script) -> SETOF (statement, line, command, risk, rule, object,
// message, hint): every finding of the classifier (pg/safety/classifier.hpp),
// one row each, in script order.  Nothing runs and no lock is taken: it is safe
// against production, and against an empty database in CI (tables it does not
// have count as existing tables of unknown size).
#include <optional>
#include <string>
#include <vector>

#include "../bridge/entry.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/script_parser.hpp"
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

}  // namespace
}  // namespace pgm

PGM_FUNCTION(migrate_lint) {
    using namespace pgm;
    const std::string script = required_text_arg(fcinfo, 0, "script");
    const pg::ParsedScript* parsed = parse_script("script", script, true);
    std::vector<std::optional<std::string>> cells;
    int rows = 0;
    for (int i = 0; i < parsed->count; i++) {
        const pg::ScriptStatement& st = parsed->statements[i];
        for (int f = 0; f < st.analysis->finding_count; f++, rows++)
            add_finding_row(&cells, st, st.analysis->findings[f]);
    }
    rows_result(fcinfo, cells, rows);
    return Datum(0);
}
