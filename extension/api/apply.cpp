// migrate_apply(version, script, name, down, verify, dry_run, out_of_order)
//
// Applies one migration in the caller's transaction: the statements, the
// ledger row and every setting the migration changed commit or roll back
// together.  C++ zone: every PostgreSQL call goes through pg_call.
#include "../core/checksum.hpp"
#include "../core/ledger_status.hpp"
#include "../core/version.hpp"
#include "../pg/executor.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/script_parser.hpp"
#include "../pg/lock_wait.hpp"
#include "../pg/settings.hpp"
#include "errors.hpp"
#include "pulled.hpp"
#include "refusals.hpp"
#include "rules.hpp"
#include "safety.hpp"
#include "script.hpp"

namespace pgm {
namespace {

struct ApplyArguments : MigrationText {
    bool dry_run = false;
    bool out_of_order = false;
    std::set<std::string> allow;
};

ApplyArguments read_arguments(FunctionCallInfo fcinfo) {
    ApplyArguments args;
    args.version = required_text_arg(fcinfo, 0, "version");
    args.script = required_text_arg(fcinfo, 1, "script");
    args.name = optional_text_arg(fcinfo, 2);
    args.down = optional_text_arg(fcinfo, 3);
    args.verify = optional_text_arg(fcinfo, 4);
    args.dry_run = pg_call(pg::bool_arg, fcinfo, 5, false);
    args.out_of_order = pg_call(pg::bool_arg, fcinfo, 6, false);
    args.allow = allow_arg(fcinfo, 7);
    return args;
}

pg::ApplyOutcome outcome_of(const ApplyArguments& args, const char* status, const std::string& checksum) {
    return apply_outcome(args.version, args.name, status, checksum);
}

}  // namespace
}  // namespace pgm

namespace pgm {
namespace {

// The one path of both migrate_apply and migrate_apply_repeatable.  A
// repeatable migration is re-applied when its script changed (instead of the
// change being refused) and is never "out of order".
Datum apply_migration(FunctionCallInfo fcinfo, ApplyArguments args, bool repeatable) {
    validate_version(args.version);
    if (!repeatable && core::is_repeatable_version(args.version))
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        "version \"" + args.version + "\" names a repeatable migration",
                        "Versions starting with \"R__\" are kept for repeatable migrations.",
                        "Apply it with migrate_apply_repeatable(name, script), or choose another version.");
    const std::string key = core::version_sort_key(args.version);
    const std::string checksum = core::script_checksum(args.script);

    pg_call(pg::lock_ledger);
    pg_call(pg::check_ledger_snapshot);
    const pg::VersionLookup* lookup =
        pg_call(pg::lookup_version, key.data(), static_cast<int>(key.size()));
    const pg::LedgerRow* existing = &lookup->existing;
    const bool applied = existing->found && core::status_counts_as_applied(existing->status);
    if (existing->found && args.version != existing->version)
        refuse_version_conflict(args.version, *existing);
    if (applied && same_as_applied(checksum, *existing)) {
        pg::ApplyOutcome outcome = outcome_of(args, "skipped", checksum);
        return pg_call(pg::apply_result, fcinfo, const_cast<const pg::ApplyOutcome*>(&outcome));
    }

    pg::ParsedScript* parsed = parse_script("migration " + args.version, args.script, true);
    const StatementRange range = plan_statements("migration " + args.version, *parsed, ScriptRole::kMigration);
    const std::string fingerprint = fingerprint_of(*parsed, range);
    if (applied) {
        const bool cosmetic = same_fingerprint(*parsed, range, existing->fingerprint);
        if (!cosmetic && !repeatable) refuse_changed_script(args.version, *existing, checksum);
        if (cosmetic) {
            notice_cosmetic_change(args.version, *existing);
            pg::ApplyOutcome outcome = outcome_of(args, "skipped", checksum);
            return pg_call(pg::apply_result, fcinfo, const_cast<const pg::ApplyOutcome*>(&outcome));
        }
    }

    bool out_of_order = false;
    if (!repeatable) {
        const pg::LedgerRow* higher = &lookup->higher;
        if (higher->found) {
            if (!args.out_of_order) refuse_out_of_order(args.version, *higher);
            out_of_order = true;
        }
    }

    const pg::Risk risk = assess_migration("migration " + args.version, args.script, *parsed, range, args.allow);
    if (runs_nothing(range)) notice_runs_nothing(args.version);

    const pg::SessionFacts* facts = pg_call(pg::session_facts);
    // A pulled migration's statements that already ran here are recorded, not run.
    const AlreadyRun already_run = statements_already_run(args.script, *parsed, range);
    pg::ExecutionRequest request{args.version.c_str(), parsed, range.first, range.last, false};
    request.already_run = already_run.table();
    if (args.dry_run || pg::report_setting)
        request.evidence = pg_call(pg::new_migration_evidence, const_cast<const pg::ParsedScript*>(parsed),
                                   range.first, range.last);
    const int nest_level = pg_call(pg::begin_setting_scope);
    pg_call(pg::bound_lock_waits);
    if (args.dry_run)
        pg_call(pg::execute_and_roll_back, const_cast<const pg::ExecutionRequest*>(&request));
    else
        pg_call(pg::execute_statements, const_cast<const pg::ExecutionRequest*>(&request));
    pg_call(pg::end_setting_scope, nest_level);
    pg_call(pg::forget_script_text, parsed);
    const int64 duration_us = pg_call(pg::clock_now) - facts->now;
    const int statements = range.last - range.first + 1;

    if (!args.dry_run)
        record_in_ledger(MigrationText{args.version, std::move(args.script), args.name, args.down, args.verify}, key,
                         checksum, fingerprint, *facts, facts->now, statements,
                         duration_us, out_of_order, std::string(pg::risk_name(risk)));

    pg::ApplyOutcome outcome = outcome_of(args, args.dry_run ? "dry_run" : "applied", checksum);
    outcome.statements = statements;
    outcome.duration_us = duration_us;
    outcome.out_of_order = out_of_order;
    outcome.risk = pg::risk_name(risk);
    if (request.evidence != nullptr)
        outcome.report_json = pg_call(pg::evidence_report_json, const_cast<const pg::MigrationEvidence*>(request.evidence),
                                      args.dry_run);
    return pg_call(pg::apply_result, fcinfo, const_cast<const pg::ApplyOutcome*>(&outcome));
}

}  // namespace
}  // namespace pgm

PGM_FUNCTION(migrate_apply) {
    return pgm::apply_migration(fcinfo, pgm::read_arguments(fcinfo), false);
}

// migrate_apply_repeatable(name, script, down, verify, dry_run): the version is
// "R__" || name.
PGM_FUNCTION(migrate_apply_repeatable) {
    using namespace pgm;
    ApplyArguments args;
    const std::string name = required_text_arg(fcinfo, 0, "name");
    args.version = std::string(core::kRepeatablePrefix) + name;
    args.name = name;
    args.script = required_text_arg(fcinfo, 1, "script");
    args.down = optional_text_arg(fcinfo, 2);
    args.verify = optional_text_arg(fcinfo, 3);
    args.dry_run = pg_call(pg::bool_arg, fcinfo, 4, false);
    args.allow = allow_arg(fcinfo, 5);
    return apply_migration(fcinfo, std::move(args), true);
}
