// See refusals.hpp.  The messages are those migrate_apply, migrate_revert
// and migrate_steps_begin have always raised.
#include "refusals.hpp"

namespace pgm {
namespace {

std::string at(const pg::ScriptStatement& st) {
    return "Statement " + std::to_string(st.number) + " at line " + std::to_string(st.line);
}

Refusal transaction_control(int i, const pg::ScriptStatement& st, ScriptRun run) {
    if (run == ScriptRun::kOutsideTransaction)
        return Refusal{i, "transaction-control", ERRCODE_INVALID_TRANSACTION_TERMINATION,
                       std::string(st.command) + " is not allowed in a migration",
                       "A migration that runs outside a transaction runs each statement on its own; "
                       "transaction control would leave it half done.",
                       "Remove the transaction control."};
    return Refusal{i, "transaction-control", ERRCODE_INVALID_TRANSACTION_TERMINATION,
                   std::string(st.command) + " is not allowed in a migration",
                   at(st) + " controls the transaction; pg_migrate runs each migration in one transaction and "
                            "commits it together with its ledger row.",
                   "Remove the transaction control.  A script wrapped in a single BEGIN; ... COMMIT; is "
                   "accepted as it is."};
}

Refusal unsupported(int i, const pg::ScriptStatement& st, ScriptRun run) {
    std::string detail = st.unsupported_detail;
    detail += run == ScriptRun::kOutsideTransaction
                  ? "."
                  : " (statement " + std::to_string(st.number) + ", line " + std::to_string(st.line) + ").";
    return Refusal{i, "unsupported-statement", ERRCODE_FEATURE_NOT_SUPPORTED,
                   std::string(st.unsupported) + " is not supported in a migration", detail, st.unsupported_hint};
}

Refusal not_in_transaction(int i, const pg::ScriptStatement& st, ScriptRun run) {
    const bool migration = run == ScriptRun::kMigration;
    return Refusal{
        i, "cannot-run-in-transaction", ERRCODE_ACTIVE_SQL_TRANSACTION,
        std::string(st.not_in_transaction) + " cannot run inside a transaction block",
        at(st) + (migration ? " cannot run in the migration's transaction, so migrate_apply refused the whole "
                              "migration before running anything."
                            : " cannot run in the revert's transaction, so migrate_revert refused the whole "
                              "revert before running anything."),
        migration ? "Put the statement in a migration of its own marked \"-- migrate:no-transaction\" and apply "
                    "it with the pg_migrate client, which runs it outside a transaction."
                  : "A revert runs every down script in one transaction: leave the statement out of the down "
                    "script and run it by hand after the revert."};
}

// The client sends each statement as a query of its own, and a statement's
// text does not carry the data that follows it.
Refusal copy_outside_transaction(int i, const pg::ScriptStatement& st) {
    return Refusal{i, "copy-data-outside-transaction", ERRCODE_FEATURE_NOT_SUPPORTED,
                   "COPY ... FROM STDIN with data cannot run in a migration applied outside a transaction",
                   at(st) + " loads the lines after it; outside a transaction each statement is sent on its own.",
                   "Move the COPY and its data to a migration of its own."};
}

}  // namespace

StatementRange statements_to_run(const pg::ParsedScript& parsed, ScriptRun run) {
    const bool wrapped = run != ScriptRun::kOutsideTransaction && parsed.count >= 2 &&
                         parsed.statements[0].kind == pg::StatementKind::TransactionBegin &&
                         parsed.statements[parsed.count - 1].kind == pg::StatementKind::TransactionCommit;
    return wrapped ? StatementRange{1, parsed.count - 2} : StatementRange{0, parsed.count - 1};
}

bool runs_nothing(const StatementRange& range) { return range.last < range.first; }

std::vector<Refusal> script_refusals(const pg::ParsedScript& parsed, ScriptRun run) {
    return refusals_in(parsed, run, statements_to_run(parsed, run));
}

std::vector<Refusal> refusals_in(const pg::ParsedScript& parsed, ScriptRun run, StatementRange range) {
    std::vector<Refusal> refusals;
    for (int i = range.first; i <= range.last; ++i) {
        const pg::ScriptStatement& st = parsed.statements[i];
        if (st.kind != pg::StatementKind::Plain) refusals.push_back(transaction_control(i, st, run));
        if (st.unsupported != nullptr) refusals.push_back(unsupported(i, st, run));
        if (run != ScriptRun::kOutsideTransaction && st.not_in_transaction != nullptr)
            refusals.push_back(not_in_transaction(i, st, run));
        if (run == ScriptRun::kOutsideTransaction && st.copy_data != nullptr)
            refusals.push_back(copy_outside_transaction(i, st));
    }
    return refusals;
}

UserError refusal_error(const std::string& label, const pg::ParsedScript& parsed, const Refusal& refusal) {
    return UserError(refusal.sqlstate, refusal.message, refusal.detail, refusal.hint,
                     statement_context(label, parsed.statements[refusal.statement]));
}

}  // namespace pgm
