#include "../core/risk_policy.hpp"
// PostgreSQL's headers after the pure C++ ones.
#include "safety.hpp"

#include <stdexcept>
#include <vector>

#include "../pg/data_loss.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/settings.hpp"
#include "errors.hpp"

namespace pgm {
namespace {

std::set<std::string> checked_risks(const std::string& list, const char* where) {
    try {
        return core::parse_risk_list(list);
    } catch (const std::invalid_argument& e) {
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, std::string("invalid risk in ") + where, e.what(),
                        "Name risks as locking, breaking or data_loss.");
    }
}

std::set<std::string> directives_of(const std::string& label, const std::string& script,
                                    const pg::ParsedScript& parsed) {
    std::vector<std::pair<int, int>> statements;
    statements.reserve(parsed.count);
    for (int i = 0; i < parsed.count; i++)
        statements.emplace_back(parsed.statements[i].start, parsed.statements[i].end);
    try {
        return core::allowed_by_directives(script, statements);
    } catch (const std::invalid_argument& e) {
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, "invalid \"-- migrate:allow\" line in " + label, e.what(),
                        "Write it as \"-- migrate:allow data_loss\" (or locking, breaking), on a line of its own.");
    }
}

bool refused(const pg::Finding& f, const std::set<std::string>& forbidden) {
    if (forbidden.count(pg::risk_name(f.risk)) > 0) return true;
    return f.also_breaking && f.risk == pg::Risk::kDataLoss && forbidden.count("breaking") > 0;
}

[[noreturn]] void refuse(const std::string& label, const std::vector<std::string>& lines,
                         const std::set<std::string>& risks) {
    std::string detail;
    for (const auto& line : lines) detail += (detail.empty() ? "" : "\n") + line;
    std::string names;
    for (const auto& r : risks) names += (names.empty() ? "" : ",") + r;
    const bool loses_data = risks.count("data_loss") > 0;
    throw UserError(sqlstate::kRiskRefused,
                    loses_data ? label + " would destroy data" : label + " is refused: it is " + names,
                    detail,
                    "Nothing was run. If this is intended, allow it: allow => '{" + names +
                        "}' in SQL, a line \"-- migrate:allow " + names +
                        "\" in the migration, or pg_migrate up --allow " + names +
                        ". migrate.refuse says which risks need allowing.");
}

}  // namespace

std::set<std::string> allow_arg(FunctionCallInfo fcinfo, int n) {
    const pg::KeyList* list = pg_call(pg::text_array_arg, fcinfo, n);
    std::string joined;
    for (int i = 0; i < list->count; i++) joined += std::string(list->keys[i]) + ",";
    return checked_risks(joined, "allow");
}

pg::Risk assess_migration(const std::string& label, const std::string& script, pg::ParsedScript& parsed,
                          StatementRange range, const std::set<std::string>& allowed_by_caller) {
    std::set<std::string> allowed = allowed_by_caller;
    for (const auto& r : directives_of(label, script, parsed)) allowed.insert(r);
    std::set<std::string> forbidden;
    for (const auto& r : checked_risks(pg::refuse_setting ? pg::refuse_setting : "", "migrate.refuse"))
        if (allowed.count(r) == 0) forbidden.insert(r);
    // A full count only when the count goes into a refusal.
    const bool count = forbidden.count("data_loss") > 0;

    pg::Risk overall = pg::Risk::kSafe;
    std::vector<std::string> lines;
    std::set<std::string> refused_risks;
    for (int i = range.first; i <= range.last; i++) {
        pg::ScriptStatement& st = parsed.statements[i];
        if (st.analysis == nullptr) continue;
        for (int f = 0; f < st.analysis->finding_count; f++) {
            pg::Finding* finding = &st.analysis->findings[f];
            if (finding->probe != nullptr) pg_call(pg::decide_data_loss, finding, count);
            if (finding->risk > overall) overall = finding->risk;
            if (!refused(*finding, forbidden)) continue;
            refused_risks.insert(forbidden.count(pg::risk_name(finding->risk)) ? pg::risk_name(finding->risk)
                                                                                : "breaking");
            lines.push_back(statement_context(label, st) + ": " + finding->message);
        }
    }
    if (!lines.empty()) refuse(label, lines, refused_risks);
    return overall;
}

pg::Risk assess_piece(const std::string& label, const std::string& piece, pg::ParsedScript& parsed,
                      StatementRange range, std::set<std::string>& allowed) {
    for (const auto& r : directives_of(label, piece, parsed)) allowed.insert(r);
    return assess_migration(label, piece, parsed, range, allowed);
}

}  // namespace pgm
