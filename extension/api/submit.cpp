// A migration as one SQL call, whatever it holds, for callers that have no
// session of their own to run statements at top level in (SQL editors,
// transaction-mode poolers):
//
//   migrate_submit(version, script, name, down, verify, out_of_order, allow)
//       -> the submission's row: queued (a runner of the server takes it), or
//          skipped (applied with this script); refused at once like
//          migrate_apply (changed script, out of order, risks not allowed).
//   migrate_wait(version, timeout) -> the row once applied or failed (or
//          still running when the timeout passed).
//
// The server's runner (pg/workers/migration_runner.hpp) runs it: in one
// transaction through migrate_apply when every statement can run in one,
// else statement by statement at top level through the migrate_steps_*
// functions, with their progress rows and exact resume.
#include <chrono>

#include "../core/checksum.hpp"
#include "../core/ledger_status.hpp"
#include "../core/version.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/progress.hpp"
#include "../pg/snapshot_free_wait.hpp"
#include "../pg/submissions.hpp"
#include "../pg/workers/migration_runner.hpp"
#include "errors.hpp"
#include "refusals.hpp"
#include "rules.hpp"
#include "safety.hpp"
#include "script.hpp"

namespace pgm {
namespace {

// A runner that has not claimed its submission this long after it was
// queued is taken for lost (its start failed, or the server restarted).
constexpr double kRunnerStartSeconds = 5.0;

using Submitted = VersionArg;

pg::SubmissionState* submission_of(const Submitted& s) {
    return pg_call(pg::find_submission, s.key.data(), static_cast<int>(s.key.size()));
}

Datum submission_row(FunctionCallInfo fcinfo, const Submitted& s) {
    const char** cells = pg_call(pg::submission_cells, s.key.data(), static_cast<int>(s.key.size()));
    return pg_call(pg::text_row_result, fcinfo, const_cast<const char* const*>(cells));
}

// Applied with this very script already: nothing is queued.
Datum skipped_row(FunctionCallInfo fcinfo, const Submitted& s) {
    const char* cells[pg::kSubmissionColumns] = {s.version.c_str(), "skipped"};
    return pg_call(pg::text_row_result, fcinfo, static_cast<const char* const*>(cells));
}

bool unfinished(const pg::SubmissionState& state) {
    return strcmp(state.status, "queued") == 0 || strcmp(state.status, "running") == 0;
}

// No runner holds the submission although one should: it stopped mid-way
// (server restart, terminated) or never started.
bool runner_lost(const pg::SubmissionState& state) {
    if (!unfinished(state) || state.runner_at_work) return false;
    return strcmp(state.status, "running") == 0 || state.seconds_queued > kRunnerStartSeconds;
}

// Whether the script runs in one transaction (migrate_apply) or statement
// by statement at top level; raises what both would refuse.
bool runs_in_one_transaction(const std::string& label, const pg::ParsedScript& parsed) {
    if (script_refusals(parsed, ScriptRun::kMigration).empty()) return true;
    const std::vector<Refusal> outside = script_refusals(parsed, ScriptRun::kOutsideTransaction);
    if (!outside.empty()) throw refusal_error(label, parsed, outside.front());
    return false;
}

[[noreturn]] void refuse_other_submission(const Submitted& s, const pg::SubmissionState& state,
                                          const std::string& checksum) {
    throw UserError(sqlstate::kProgressMismatch,
                    "migration " + s.version + " was submitted with a different script",
                    "The migration submitted (" + std::string(state.status) + ") has checksum " + state.checksum +
                        "; the script given now has checksum " + checksum + ".",
                    "Wait for it with migrate_wait(), then submit the change as a new migration.");
}

}  // namespace
}  // namespace pgm

PGM_FUNCTION(migrate_submit) {
    using namespace pgm;
    const Submitted s = version_arg(fcinfo, 0);
    const std::string label = "migration " + s.version;
    const std::string script = required_text_arg(fcinfo, 1, "script");
    const std::optional<std::string> name = optional_text_arg(fcinfo, 2);
    const std::optional<std::string> down = optional_text_arg(fcinfo, 3);
    const std::optional<std::string> verify = optional_text_arg(fcinfo, 4);
    const bool out_of_order = pg_call(pg::bool_arg, fcinfo, 5, false);
    const std::set<std::string> allow = allow_arg(fcinfo, 6);
    const std::string checksum = core::script_checksum(script);

    pg_call(pg::lock_ledger);
    pg_call(pg::check_ledger_snapshot);
    const pg::LedgerRow* existing = find_version(s.key);
    if (existing->found && s.version != existing->version) refuse_version_conflict(s.version, *existing);
    const bool applied = existing->found && core::status_counts_as_applied(existing->status);
    if (applied && same_as_applied(checksum, *existing)) return skipped_row(fcinfo, s);

    pg::ParsedScript* parsed = parse_script(label, script, true);
    const bool one_transaction = runs_in_one_transaction(label, *parsed);
    if (applied) {
        if (!same_fingerprint(*parsed, {0, parsed->count - 1}, existing->fingerprint))
            refuse_changed_script(s.version, *existing, checksum);
        notice_cosmetic_change(s.version, *existing);
        return skipped_row(fcinfo, s);
    }

    // Submitted before and not finished: the same script is that submission
    // (its runner started again if it was lost), another one is refused.
    const pg::SubmissionState* state = submission_of(s);
    if (state->found && unfinished(*state)) {
        if (checksum != state->checksum) refuse_other_submission(s, *state, checksum);
        if (runner_lost(*state)) pg_call(pg::start_migration_runner_or_raise, state->id, InvalidTransactionId);
        return submission_row(fcinfo, s);
    }

    // A migration stopped half-way resumes where it stopped (it was
    // assessed when it started); a new one is assessed now, as migrate_apply
    // and migrate_steps_begin would, so that a refusal comes back at once.
    const pg::ProgressRow* progress =
        pg_call(pg::find_progress, s.key.data(), static_cast<int>(s.key.size()));
    if (progress->found && checksum != progress->checksum) refuse_other_progress(s.version, *progress, checksum);
    if (!progress->found) {
        const pg::LedgerRow* higher =
            pg_call(pg::highest_applied_above, s.key.data(), static_cast<int>(s.key.size()), true);
        if (higher->found && !out_of_order) refuse_out_of_order(s.version, *higher);
        const ScriptRun run = one_transaction ? ScriptRun::kMigration : ScriptRun::kOutsideTransaction;
        (void)assess_migration(label, script, *parsed, statements_to_run(*parsed, run), allow);
    }

    const pg::SessionFacts* facts = pg_call(pg::session_facts);
    const pg::SubmissionText text{s.version.c_str(),
                                  name ? name->c_str() : nullptr,
                                  script.c_str(),
                                  checksum.c_str(),
                                  down ? down->c_str() : nullptr,
                                  verify ? verify->c_str() : nullptr,
                                  out_of_order,
                                  pg_call(pg::arg_is_null, fcinfo, 6) ? (Datum)0 : pg_call(pg::datum_arg, fcinfo, 6),
                                  one_transaction,
                                  facts->role};
    const int32 id = pg_call(pg::queue_submission, s.key.data(), static_cast<int>(s.key.size()), &text);
    // The runner starts once this transaction has committed the submission.
    pg_call(pg::start_migration_runner_or_raise, id, pg_call(pg::this_transaction_id));
    return submission_row(fcinfo, s);
}

PGM_FUNCTION(migrate_wait) {
    using namespace pgm;
    const Submitted s = version_arg(fcinfo, 0);
    const int64 timeout_ms = pg_call(pg::interval_arg_ms, fcinfo, 1, static_cast<int64>(10 * 60 * 1000));
    if (pg_call(pg::in_transaction_block))
        throw UserError(ERRCODE_ACTIVE_SQL_TRANSACTION, "migrate_wait cannot run inside a transaction block",
                        "A transaction that waits holds its snapshot, and a concurrent index build of the "
                        "migration would wait for that snapshot in turn.",
                        "Call migrate_wait() as a statement of its own, once the transaction that called "
                        "migrate_submit() has committed.");
    // This statement reads migrate.submissions only: index builds need not wait for it.
    pg_call(pg::let_index_builds_pass);

    using Clock = std::chrono::steady_clock;
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    auto last_start = Clock::now() - std::chrono::hours(1);
    int pause_ms = 5;
    for (;;) {
        const pg::SubmissionState* state = submission_of(s);
        if (!state->found)
            throw UserError(ERRCODE_UNDEFINED_OBJECT, "migration " + s.version + " was not submitted",
                            "migrate.submissions has no row for it.",
                            "Submit it with migrate_submit(), and commit, before waiting for it.");
        if (!unfinished(*state)) break;
        // Resumes a run whose runner stopped (at most every few seconds: a
        // runner just started needs a moment to claim its submission).
        if (runner_lost(*state) && Clock::now() - last_start > std::chrono::seconds(5)) {
            pg_call(pg::start_migration_runner_or_raise, state->id, InvalidTransactionId);
            last_start = Clock::now();
        }
        // The build took our snapshot for an old one before we were marked:
        // waiting on would deadlock until the timeout.  Ending this call lets
        // it go on; the caller calls again.
        if (state->runner_waits_for_caller) {
            pg_call(pg::report_notice,
                    ("migration " + s.version + " is running: its concurrent index build waits for this call to end")
                        .c_str(),
                    "Call migrate_wait() again to keep waiting.");
            break;
        }
        if (Clock::now() >= deadline) {
            const std::string message = "migration " + s.version + " is still " + state->status + " after " +
                                        std::to_string(timeout_ms / 1000) + " s";
            pg_call(pg::report_notice, message.c_str(), "Call migrate_wait() again to keep waiting.");
            break;
        }
        pg_call(pg::sleep_interruptibly, pause_ms);
        pause_ms = std::min(pause_ms * 2, 50);
    }
    return submission_row(fcinfo, s);
}
