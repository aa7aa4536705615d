// Pulled migrations, and migrate_out_of_band_statements(): the DDL run outside
// migrations since the last one, statement by statement (what `pg_migrate
// pull` writes as the next migration).
#include "pulled.hpp"

#include "../core/recorded_ddl.hpp"
#include "../pg/ddl_events.hpp"
#include "../pg/ledger.hpp"
#include "errors.hpp"
#include "out_of_band.hpp"

namespace pgm {
namespace {

const std::string kStatementsQuery = std::string("WITH ") + kOutOfBandCte + kOutOfBandStatements;

SPIPlanPtr statements_plan = nullptr;

}  // namespace

int AlreadyRun::leading() const {
    int n = 0;
    while (n < static_cast<int>(matches_.size()) && matches_[n] != nullptr) ++n;
    return n;
}

AlreadyRun statements_already_run(const std::string& script, const pg::ParsedScript& parsed, StatementRange range) {
    AlreadyRun result;
    std::vector<std::pair<int, int>> bounds;
    bounds.reserve(parsed.count);
    for (int i = 0; i < parsed.count; i++) bounds.emplace_back(parsed.statements[i].start, parsed.statements[i].end);
    if (range.first > range.last || !core::is_pulled_script(script, bounds) || !pg_call(pg::ddl_log_installed))
        return result;
    const pg::RecordedStatements* recorded =
        pg_call(pg::read_recorded_statements, &statements_plan, kStatementsQuery.c_str());
    std::vector<std::string_view> recorded_texts;
    for (int r = 0; r < recorded->count; r++)
        recorded_texts.emplace_back(recorded->items[r].sql ? recorded->items[r].sql : "");
    std::vector<std::string_view> statements;
    for (int i = range.first; i <= range.last; i++) statements.emplace_back(parsed.statements[i].text);
    const std::vector<int> matches = core::match_recorded_statements(statements, recorded_texts);
    result.matches_.assign(matches.size(), nullptr);
    for (std::size_t i = 0; i < matches.size(); ++i) {
        if (matches[i] < 0 || recorded->items[matches[i]].id_count == 0) continue;
        result.matches_[i] = &recorded->items[matches[i]];
        result.any_ = true;
    }
    return result;
}

}  // namespace pgm

// migrate_out_of_band_statements(): one row per statement run outside
// migrations since the last one, in order, with who ran it and when.
PGM_FUNCTION(migrate_out_of_band_statements) {
    using namespace pgm;
    static SPIPlanPtr plan = nullptr;
    pg_call(pg::query_into_srf, fcinfo, &plan, kStatementsQuery.c_str(), 0, static_cast<Oid*>(nullptr),
            static_cast<Datum*>(nullptr), static_cast<const char*>(nullptr));
    return Datum(0);
}
