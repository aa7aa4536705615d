// Migrations that run outside a transaction, one statement at a time.
//
//   migrate_steps_begin(version, script, name, out_of_order) -> (status, done, statements)
//   migrate_step_done(version, statement)
//   migrate_step_failed(version, statement, error)
//   migrate_steps_finish(version, script, name, down, verify) -> like migrate_apply
//
// A client splits the script with migrate_split (the same parser), sends each
// statement as its own top-level query (CREATE INDEX CONCURRENTLY and friends
// cannot run in a transaction, or from a function), and records each one as
// done.  migrate.progress keeps the resume point across failures, crashes and
// restarts; the ledger row is written once the last statement has run.
#include "../core/checksum.hpp"
#include "../core/ledger_status.hpp"
#include "../core/version.hpp"
#include "../pg/attribution.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/progress.hpp"
#include "../pg/schema_snapshot.hpp"
#include "errors.hpp"
#include "pulled.hpp"
#include "refusals.hpp"
#include "rules.hpp"
#include "safety.hpp"
#include "script.hpp"

namespace pgm {
namespace {

using Steps = VersionArg;

int statement_count(const std::string& version, const pg::ParsedScript& parsed) {
    const std::string label = "migration " + version;
    const std::vector<Refusal> refusals = script_refusals(parsed, ScriptRun::kOutsideTransaction);
    if (!refusals.empty()) throw refusal_error(label, parsed, refusals.front());
    return parsed.count;
}

const pg::ProgressRow* progress_of(const Steps& s) {
    return pg_call(pg::find_progress, s.key.data(), static_cast<int>(s.key.size()));
}

// The client runs the statements at top level next: their DDL is attributed
// to the migration (pg/attribution.hpp), from statement `next` on.
void expect_statements(const Steps& s, const pg::ParsedScript* parsed, int next) {
    pg_call(pg::expect_steps, s.version.c_str(), parsed, next);
}

Datum begin_result(FunctionCallInfo fcinfo, const char* status, int done, int statements) {
    pg::StepsBeginResult result{status, done, statements};
    return pg_call(pg::steps_begin_result, fcinfo, const_cast<const pg::StepsBeginResult*>(&result));
}

}  // namespace
}  // namespace pgm

PGM_FUNCTION(migrate_steps_begin) {
    using namespace pgm;
    const Steps s = version_arg(fcinfo, 0);
    const std::string script = required_text_arg(fcinfo, 1, "script");
    const std::optional<std::string> name = optional_text_arg(fcinfo, 2);
    const bool out_of_order = pg_call(pg::bool_arg, fcinfo, 3, false);
    const std::set<std::string> allow = allow_arg(fcinfo, 4);
    const std::string checksum = core::script_checksum(script);

    pg_call(pg::lock_ledger);
    pg_call(pg::check_ledger_snapshot);
    pg_call(pg::forget_unseen_ddl);
    const pg::LedgerRow* existing = find_version(s.key);
    if (existing->found && s.version != existing->version) refuse_version_conflict(s.version, *existing);
    const bool applied = existing->found && core::status_counts_as_applied(existing->status);
    if (applied && same_as_applied(checksum, *existing)) return begin_result(fcinfo, "skipped", 0, 0);

    pg::ParsedScript* parsed = parse_script("migration " + s.version, script, true);
    const int statements = statement_count(s.version, *parsed);
    if (applied) {
        if (!same_fingerprint(*parsed, {0, parsed->count - 1}, existing->fingerprint))
            refuse_changed_script(s.version, *existing, checksum);
        notice_cosmetic_change(s.version, *existing);
        return begin_result(fcinfo, "skipped", 0, 0);
    }

    const pg::ProgressRow* progress = progress_of(s);
    if (progress->found) {
        if (checksum != progress->checksum) refuse_other_progress(s.version, *progress, checksum);
        expect_statements(s, parsed, progress->done + 1);
        return begin_result(fcinfo, progress->done > 0 ? "resumed" : "started", progress->done,
                            progress->statements);
    }
    const pg::LedgerRow* higher =
        pg_call(pg::highest_applied_above, s.key.data(), static_cast<int>(s.key.size()), true);
    if (higher->found && !out_of_order) refuse_out_of_order(s.version, *higher);
    // Before its first statement runs, like migrate_apply (a resumed one was
    // assessed when it started).
    const pg::Risk risk = assess_migration("migration " + s.version, script, *parsed, {0, parsed->count - 1}, allow);
    if (statements == 0) notice_runs_nothing(s.version);
    const pg::SessionFacts* facts = pg_call(pg::session_facts);
    pg_call(pg::start_progress, s.key.data(), static_cast<int>(s.key.size()), s.version.c_str(),
            c_str_or_null(name), checksum.c_str(), statements, facts->role, pg::risk_name(risk));
    // A pulled migration's leading statements that already ran here are
    // recorded as done: the client goes on after them.
    const AlreadyRun already_run = statements_already_run(script, *parsed, {0, parsed->count - 1});
    const int already = already_run.leading();
    for (int i = 0; i < already; i++) {
        pg_call(pg::record_already_run, s.version.c_str(), i + 1, already_run.table()[i]);
        pg_call(pg::advance_progress, s.key.data(), static_cast<int>(s.key.size()), i + 1);
    }
    expect_statements(s, parsed, already + 1);
    return begin_result(fcinfo, "started", already, statements);
}

PGM_FUNCTION(migrate_step_done) {
    using namespace pgm;
    const Steps s = version_arg(fcinfo, 0);
    const int statement = pg_call(pg::int_arg, fcinfo, 1);
    pg_call(pg::lock_ledger);
    if (pg_call(pg::advance_progress, s.key.data(), static_cast<int>(s.key.size()), statement)) {
        pg_call(pg::step_completed, s.version.c_str(), statement);
        pg_call(pg::watch_for_unseen_ddl);
        return pg_call(pg::void_result);
    }
    const pg::ProgressRow* progress = progress_of(s);
    if (!progress->found)
        throw UserError(sqlstate::kStepOutOfSequence,
                        "migration " + s.version + " is not under way",
                        "No statement of it is recorded as started.",
                        "Call migrate_steps_begin first.");
    throw UserError(sqlstate::kStepOutOfSequence,
                    "statement " + std::to_string(statement) + " is not the next statement of migration " +
                        s.version,
                    std::to_string(progress->done) + " of its " + std::to_string(progress->statements) +
                        " statements are done; the next one is statement " +
                        std::to_string(progress->done + 1) + ".");
}

PGM_FUNCTION(migrate_step_failed) {
    using namespace pgm;
    const Steps s = version_arg(fcinfo, 0);
    const int statement = pg_call(pg::int_arg, fcinfo, 1);
    const std::string error = optional_text_arg(fcinfo, 2).value_or("");
    const std::string text = "statement " + std::to_string(statement) + ": " + error;
    pg_call(pg::forget_steps);
    pg_call(pg::record_progress_error, s.key.data(), static_cast<int>(s.key.size()), text.c_str());
    return pg_call(pg::void_result);
}

PGM_FUNCTION(migrate_steps_finish) {
    using namespace pgm;
    const Steps s = version_arg(fcinfo, 0);
    MigrationText m;
    m.version = s.version;
    m.script = required_text_arg(fcinfo, 1, "script");
    m.name = optional_text_arg(fcinfo, 2);
    m.down = optional_text_arg(fcinfo, 3);
    m.verify = optional_text_arg(fcinfo, 4);
    const std::string checksum = core::script_checksum(m.script);
    pg_call(pg::forget_steps);

    pg_call(pg::lock_ledger);
    pg_call(pg::check_ledger_snapshot);
    pg::ApplyOutcome outcome{};
    outcome.version = m.version.c_str();
    outcome.name = c_str_or_null(m.name);
    outcome.checksum = checksum.c_str();

    const pg::ProgressRow* progress = progress_of(s);
    if (!progress->found) {
        const pg::LedgerRow* existing = find_version(s.key);
        if (existing->found && core::status_counts_as_applied(existing->status) &&
            same_as_applied(checksum, *existing)) {
            outcome.status = "skipped";
            return pg_call(pg::apply_result, fcinfo, const_cast<const pg::ApplyOutcome*>(&outcome));
        }
        throw UserError(sqlstate::kStepOutOfSequence, "migration " + s.version + " is not under way",
                        "No statement of it is recorded as started.",
                        "Call migrate_steps_begin first, then run its statements.");
    }
    if (checksum != progress->checksum) refuse_other_progress(s.version, *progress, checksum);
    if (progress->done != progress->statements)
        throw UserError(sqlstate::kStepOutOfSequence,
                        "migration " + s.version + " is not finished",
                        std::to_string(progress->done) + " of its " +
                            std::to_string(progress->statements) + " statements are done.",
                        "Run the remaining statements and record each with migrate_step_done.");

    pg::ParsedScript* parsed = parse_script("migration " + s.version, m.script);
    const std::string fingerprint = fingerprint_of(*parsed, {0, parsed->count - 1});
    const pg::LedgerRow* higher =
        pg_call(pg::highest_applied_above, s.key.data(), static_cast<int>(s.key.size()), true);
    const pg::SessionFacts* facts = pg_call(pg::session_facts);
    const int64 duration_us = facts->now - progress->started_at;
    // The risk assessed before the first statement ran (the catalog has
    // changed since); none for a migration started by an older version.
    const std::optional<std::string> risk =
        progress->risk ? std::optional<std::string>(progress->risk) : std::nullopt;
    record_in_ledger(m, s.key, checksum, fingerprint, *facts, progress->started_at,
                     progress->statements, duration_us, higher->found, risk);
    pg_call(pg::delete_progress, s.key.data(), static_cast<int>(s.key.size()));

    outcome.status = "applied";
    outcome.statements = progress->statements;
    outcome.duration_us = duration_us;
    outcome.out_of_order = higher->found;
    outcome.risk = progress->risk;
    return pg_call(pg::apply_result, fcinfo, const_cast<const pg::ApplyOutcome*>(&outcome));
}
