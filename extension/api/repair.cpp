// migrate_repair(version, script, reason, down) -> (version, status,
//                                                   previous_checksum, checksum)
//
// Accepts, after review, a changed script for an applied migration (a
// reformatted file, a fixed comment, a hotfix already made by hand): a
// "repaired" row with the new script and checksum, the checksum it replaces,
// who and why.  Nothing runs and nothing is rewritten: the history keeps the
// original row.  `down`, when given, replaces the stored down script too.
// C++ zone.
#include "../core/checksum.hpp"
#include "../core/version.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "errors.hpp"
#include "rules.hpp"
#include "script.hpp"

PGM_FUNCTION(migrate_repair) {
    using namespace pgm;
    const std::string version = required_text_arg(fcinfo, 0, "version");
    const std::string script = required_text_arg(fcinfo, 1, "script");
    const std::optional<std::string> reason = optional_text_arg(fcinfo, 2);
    const std::optional<std::string> down = optional_text_arg(fcinfo, 3);
    validate_version(version);
    if (!reason || reason->find_first_not_of(" \t\r\n") == std::string::npos)
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, "a repair needs a reason",
                        "The ledger keeps who accepted the changed script and why.",
                        "Pass reason => 'what changed and who reviewed it'.");
    const std::string key = core::version_sort_key(version);

    pg_call(pg::lock_ledger);
    pg_call(pg::check_ledger_snapshot);
    const pg::AppliedVersions* found = pg_call(pg::applied_version, key.data(), static_cast<int>(key.size()));
    if (found->count == 0)
        throw UserError(sqlstate::kNotApplied, "migration " + version + " is not applied",
                        "Only the script of an applied migration can be repaired.",
                        "Apply it with migrate_apply() instead.");
    const pg::AppliedVersion& applied = found->rows[0];
    if (std::string(applied.status) == "baseline")
        throw UserError(sqlstate::kNotApplied, "migration " + version + " is a baseline",
                        "A baseline ran no script, so there is none to repair.");

    // The new script must be one PostgreSQL can parse: it stands for what ran.
    pg::ParsedScript* parsed = parse_script("migration " + version, script);
    const StatementRange range = plan_statements("migration " + version, *parsed, ScriptRole::kMigration);
    const std::string checksum = core::script_checksum(script);
    const char* previous = applied.checksum;
    const bool unchanged = previous != nullptr && checksum == previous &&
                           (!down || (applied.down != nullptr && *down == applied.down));
    if (!unchanged) {
        const pg::SessionFacts* facts = pg_call(pg::session_facts);
        core::LedgerRowFields row = session_row(*facts);
        row.format = 2;
        row.version = applied.version;
        row.name = optional_text(applied.name);
        row.status = "repaired";
        row.checksum = checksum;
        row.fingerprint = fingerprint_of(*parsed, range);
        row.script = script;
        row.down = down ? down : optional_text(applied.down);
        row.verify = optional_text(applied.verify);
        row.statements = range.last - range.first + 1;
        row.reason = reason;
        row.previous_checksum = optional_text(previous);
        row.adopted_from = optional_text(applied.adopted_from);
        append_ledger_row(row, key);
    }
    const char* cells[4] = {applied.version, unchanged ? "unchanged" : "repaired", previous, checksum.c_str()};
    return pg_call(pg::text_row_result, fcinfo, static_cast<const char* const*>(cells));
}
