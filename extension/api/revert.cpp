// migrate_revert(to_version, down, reason, dry_run, allow)
//
// Reverts every applied migration above to_version, newest application
// first, by running its down script (the one stored when it was applied, or
// one given in `down` when none was stored), all in the caller's
// transaction: all or nothing.  Everything is checked before anything runs.
// History is append-only: each reverted version gets a "reverted" row.
// C++ zone: every PostgreSQL call goes through pg_call.
#include <map>
#include <vector>

#include "../core/checksum.hpp"
#include "../core/version.hpp"
#include "../pg/evidence.hpp"
#include "../pg/executor.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/lock_wait.hpp"
#include "../pg/schema_snapshot.hpp"
#include "errors.hpp"
#include "rules.hpp"
#include "safety.hpp"
#include "script.hpp"

namespace pgm {
namespace {

struct RevertArguments {
    std::string to_version;
    std::map<std::string, std::string> given_down;  // by version sort key
    std::optional<std::string> reason;
    bool dry_run = false;
    std::set<std::string> allow;
};

RevertArguments read_arguments(FunctionCallInfo fcinfo) {
    RevertArguments args;
    args.to_version = required_text_arg(fcinfo, 0, "to_version");
    validate_version(args.to_version);
    if (!pg_call(pg::arg_is_null, fcinfo, 1)) {
        const pg::TextPairs* pairs = pg_call(pg::jsonb_text_pairs_of, pg_call(pg::datum_arg, fcinfo, 1),
                                             static_cast<const char*>("down"));
        for (int i = 0; i < pairs->count; ++i) {
            validate_version(pairs->keys[i]);
            if (pairs->values[i] != nullptr)
                args.given_down[core::version_sort_key(pairs->keys[i])] = pairs->values[i];
        }
    }
    args.reason = optional_text_arg(fcinfo, 2);
    args.dry_run = pg_call(pg::bool_arg, fcinfo, 3, false);
    args.allow = allow_arg(fcinfo, 4);
    return args;
}

// One migration to revert, checked and parsed.
struct PlannedRevert {
    const pg::AppliedVersion* applied;
    std::string key;
    std::string down;
    pg::ParsedScript* parsed;
    StatementRange range;
};

std::string describe_missing(const pg::AppliedVersion& v) {
    std::string why = v.version;
    if (std::string(v.status) == "baseline") return why + " (a baseline: nothing ran)";
    if (v.adopted_from != nullptr) return why + " (adopted from " + v.adopted_from + ")";
    return why;
}

// Every migration above to_version with its down script, or a refusal
// naming all that have none.
std::vector<PlannedRevert> plan_reverts(const RevertArguments& args, const pg::AppliedVersions& above) {
    std::vector<PlannedRevert> plan;
    std::string missing;
    int missing_count = 0;
    for (int i = 0; i < above.count; ++i) {
        const pg::AppliedVersion& v = above.rows[i];
        PlannedRevert p{&v, std::string(v.version_key, v.version_key_len), {}, nullptr, {0, 0}};
        if (v.down != nullptr) {
            p.down = v.down;
        } else if (auto given = args.given_down.find(p.key); given != args.given_down.end()) {
            p.down = given->second;
        } else {
            missing += (missing.empty() ? "" : ", ") + describe_missing(v);
            ++missing_count;
            continue;
        }
        plan.push_back(std::move(p));
    }
    if (missing_count > 0)
        throw UserError(sqlstate::kNoDownScript,
                        "cannot revert to version " + args.to_version + ": " + std::to_string(missing_count) +
                            (missing_count == 1 ? " migration has" : " migrations have") + " no down script",
                        "Without a down script: " + missing + ". Nothing was reverted.",
                        "Give the missing down scripts with down => '{\"<version>\": \"<script>\"}', or revert "
                        "to a version above them.");
    // Parsed and checked before anything runs: a bad down script, or one that
    // would destroy data without being allowed to, refuses the whole revert.
    for (auto& p : plan) {
        const std::string label = "down script of migration " + std::string(p.applied->version);
        p.parsed = parse_script(label, p.down, true);
        p.range = plan_statements(label, *p.parsed, ScriptRole::kDownScript);
        assess_migration(label, p.down, *p.parsed, p.range, args.allow);
    }
    return plan;
}

void record_revert(const PlannedRevert& p, const RevertArguments& args, const pg::SessionFacts& facts,
                   int64 started_at, int64 duration_us) {
    core::LedgerRowFields row = session_row(facts);
    row.format = 2;
    row.version = p.applied->version;
    row.name = optional_text(p.applied->name);
    row.status = "reverted";
    row.checksum = core::script_checksum(p.down);
    row.fingerprint = fingerprint_of(*p.parsed, p.range);
    row.script = p.down;
    row.statements = p.range.last - p.range.first + 1;
    row.applied_at_us = started_at;
    row.duration_us = duration_us;
    row.reason = args.reason;
    // The objects the down script dropped left the snapshot as they went;
    // what it created or altered is described now.
    pg_call(pg::record_migration_schema, p.applied->version, started_at);
    append_ledger_row(row, p.key);
}

}  // namespace
}  // namespace pgm

PGM_FUNCTION(migrate_revert) {
    using namespace pgm;
    const RevertArguments args = read_arguments(fcinfo);
    pg_call(pg::lock_ledger);
    pg_call(pg::check_ledger_snapshot);
    const std::string key = core::version_sort_key(args.to_version);
    const pg::AppliedVersions* above =
        pg_call(pg::applied_versions_above, key.data(), static_cast<int>(key.size()));
    const std::vector<PlannedRevert> plan = plan_reverts(args, *above);

    // 0.12 on: a report column, the dry run's evidence (locks, rewrites,
    // rows per statement) for each down script.
    const bool with_report = pg_call(pg::result_columns, fcinfo) >= 6;
    std::vector<std::optional<std::string>> cells;
    auto add_row = [&](const PlannedRevert& p, const char* status, int64 duration_us, const char* report) {
        cells.insert(cells.end(), {std::string(p.applied->version), optional_text(p.applied->name),
                                   std::string(status), std::to_string(p.range.last - p.range.first + 1),
                                   std::to_string(duration_us) + " microseconds"});
        if (with_report) cells.push_back(optional_text(report));
    };

    const pg::SessionFacts* facts = pg_call(pg::session_facts);
    if (args.dry_run) {
        std::vector<pg::ExecutionRequest> requests;
        for (const auto& p : plan) {
            pg::ExecutionRequest request{p.applied->version, p.parsed, p.range.first, p.range.last, true};
            request.evidence = pg_call(pg::new_migration_evidence, const_cast<const pg::ParsedScript*>(p.parsed),
                                       p.range.first, p.range.last);
            requests.push_back(request);
        }
        const int nest_level = pg_call(pg::begin_setting_scope);
        pg_call(pg::bound_lock_waits);
        pg_call(pg::execute_all_and_roll_back, const_cast<const pg::ExecutionRequest*>(requests.data()),
                static_cast<int>(requests.size()));
        pg_call(pg::end_setting_scope, nest_level);
        for (std::size_t i = 0; i < plan.size(); ++i)
            add_row(plan[i], "dry_run", 0,
                    pg_call(pg::evidence_report_json,
                            const_cast<const pg::MigrationEvidence*>(requests[i].evidence), true));
    } else {
        for (const auto& p : plan) {
            const int64 started_at = pg_call(pg::clock_now);
            pg::ExecutionRequest request{p.applied->version, p.parsed, p.range.first, p.range.last, true};
            const int nest_level = pg_call(pg::begin_setting_scope);
            pg_call(pg::bound_lock_waits);  // as apply does: on Citus, the workers' waits too
            pg_call(pg::execute_statements, const_cast<const pg::ExecutionRequest*>(&request));
            pg_call(pg::end_setting_scope, nest_level);
            const int64 duration_us = pg_call(pg::clock_now) - started_at;
            record_revert(p, args, *facts, started_at, duration_us);
            add_row(p, "reverted", duration_us, nullptr);
        }
    }

    rows_result(fcinfo, cells, static_cast<int>(plan.size()));
    return Datum(0);
}
