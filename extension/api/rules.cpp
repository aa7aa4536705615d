// Rules shared by every way of applying a migration (migrate_apply and the
// non-transactional steps): versions, refusals, the ledger row.  C++ zone.
#include "rules.hpp"

#include "refusals.hpp"

#include "../core/checksum.hpp"
#include "../core/version.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/schema_snapshot.hpp"
#include "errors.hpp"

namespace pgm {

std::optional<std::string> optional_text_arg(FunctionCallInfo fcinfo, int n) {
    const char* value = pg_call(pg::text_arg, fcinfo, n);
    if (value == nullptr) return std::nullopt;
    std::string text(value);
    pg_call(pg::release, value);  // a script can be hundreds of megabytes
    return text;
}

std::string required_text_arg(FunctionCallInfo fcinfo, int n, const char* what) {
    auto value = optional_text_arg(fcinfo, n);
    if (!value)
        throw UserError(ERRCODE_NULL_VALUE_NOT_ALLOWED,
                        std::string("the migration ") + what + " must not be null");
    return std::move(*value);
}

void validate_version(const std::string& version) {
    if (auto problem = core::version_problem(version))
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        "invalid migration version \"" + version.substr(0, 200) + "\"", *problem,
                        "Use a number or a timestamp such as \"001\" or \"20240101120000\"; "
                        "\".\", \"_\" and \"-\" may separate parts, as in \"1.2.3\".");
}

VersionArg version_arg(FunctionCallInfo fcinfo, int n) {
    VersionArg arg;
    arg.version = required_text_arg(fcinfo, n, "version");
    validate_version(arg.version);
    arg.key = core::version_sort_key(arg.version);
    return arg;
}

std::string statement_context(const std::string& label, const pg::ScriptStatement& st) {
    return label + ", statement " + std::to_string(st.number) + ", line " +
           std::to_string(st.line) + ": " + st.command;
}

namespace {

// How a statement's COPY data enters the fingerprint: from 0.16 its SHA-256
// (a streamed script's data is hashed as it goes by, its length unknown
// until its end); before, its length and the data itself.
enum class CopyDataForm { kDigest, kWhole };

std::string fingerprint_in(const pg::ParsedScript& parsed, StatementRange range, CopyDataForm form) {
    // Statement by statement, so the token text of a huge script is never
    // held whole: each statement's tokens, its COPY data as it is in the
    // script (never cosmetic, and not copied), and a ";" line.
    core::Sha256Stream stream;
    for (int i = range.first; i <= range.last; ++i) {
        const pg::ScriptStatement& st = parsed.statements[i];
        const std::string_view data(st.copy_data != nullptr ? st.copy_data : "",
                                    static_cast<size_t>(st.copy_data_length));
        if (form == CopyDataForm::kDigest || st.copy_data == nullptr)
            add_statement_to_fingerprint(stream, parsed, i,
                                         st.copy_data != nullptr ? core::sha256_hex(data) : std::string());
        else {
            add_statement_to_fingerprint(stream, parsed, i, std::nullopt);
            stream.update("D" + std::to_string(data.size()) + ":");
            stream.update(data);
            stream.update("\n");
        }
        stream.update("C1:;\n");
    }
    return stream.hex_digest();
}

bool has_copy_data(const pg::ParsedScript& parsed, StatementRange range) {
    for (int i = range.first; i <= range.last; ++i)
        if (parsed.statements[i].copy_data != nullptr) return true;
    return false;
}

}  // namespace

void add_statement_to_fingerprint(core::Sha256Stream& stream, const pg::ParsedScript& parsed, int index,
                                  const std::optional<std::string>& copy_data_sha256) {
    const char* tokens = pg_call(pg::statement_tokens, &parsed, index);
    stream.update(tokens);
    pg_call(pg::release, tokens);
    if (copy_data_sha256 && !copy_data_sha256->empty()) stream.update("D:" + *copy_data_sha256 + "\n");
}

std::string fingerprint_of(const pg::ParsedScript& parsed, StatementRange range) {
    return fingerprint_in(parsed, range, CopyDataForm::kDigest);
}

bool same_fingerprint(const pg::ParsedScript& parsed, StatementRange range, const char* stored) {
    if (stored == nullptr) return false;
    if (fingerprint_of(parsed, range) == stored) return true;
    // A row written before 0.16 fingerprinted COPY data whole.
    return has_copy_data(parsed, range) && fingerprint_in(parsed, range, CopyDataForm::kWhole) == stored;
}

pg::ApplyOutcome apply_outcome(const std::string& version, const std::optional<std::string>& name, const char* status,
                               const std::string& checksum) {
    pg::ApplyOutcome outcome{};
    outcome.version = version.c_str();
    outcome.name = name ? name->c_str() : nullptr;
    outcome.status = status;
    outcome.checksum = checksum.c_str();
    return outcome;
}

bool same_as_applied(const std::string& checksum, const pg::LedgerRow& existing) {
    return existing.checksum == nullptr || checksum == existing.checksum;
}

StatementRange plan_statements(const std::string& label, const pg::ParsedScript& parsed, ScriptRole role) {
    const ScriptRun run = role == ScriptRole::kMigration ? ScriptRun::kMigration : ScriptRun::kDownScript;
    const std::vector<Refusal> refusals = script_refusals(parsed, run);
    if (!refusals.empty()) throw refusal_error(label, parsed, refusals.front());
    return statements_to_run(parsed, run);
}

pg::LedgerRow* find_version(const std::string& key) {
    return pg_call(pg::find_version, key.data(), static_cast<int>(key.size()));
}

void refuse_version_conflict(const std::string& version, const pg::LedgerRow& existing) {
    throw UserError(sqlstate::kVersionConflict,
                    "migration version \"" + version + "\" conflicts with applied version \"" +
                        existing.version + "\"",
                    "Both spell the same version number; the ledger already holds \"" +
                        std::string(existing.version) + "\".",
                    "Rename the migration to use the spelling \"" + std::string(existing.version) + "\".");
}

void refuse_changed_script(const std::string& version, const pg::LedgerRow& existing,
                                        const std::string& checksum) {
    throw UserError(sqlstate::kChecksumMismatch,
                    "migration " + version + " was already applied with a different script",
                    "Applied checksum " + std::string(existing.checksum) + " at " +
                        existing.applied_at + "; the script given now has checksum " + checksum +
                        ".",
                    "Restore the original script and put the change in a new migration.");
}

void refuse_out_of_order(const std::string& version, const pg::LedgerRow& higher) {
    throw UserError(sqlstate::kOutOfOrder,
                    "migration " + version + " is older than applied migration " +
                        higher.version,
                    "Applying it now would run it out of order: version " +
                        std::string(higher.version) + " is already applied.",
                    std::string("Give the migration a version above ") + higher.version +
                        ", or call migrate_apply with out_of_order => true to apply it anyway.");
}

void refuse_other_progress(const std::string& version, const pg::ProgressRow& progress,
                           const std::string& checksum) {
    throw UserError(sqlstate::kProgressMismatch,
                    "migration " + version + " stopped at statement " + std::to_string(progress.done + 1) + " of " +
                        std::to_string(progress.statements) + " with a different script",
                    "Statements 1 to " + std::to_string(progress.done) + " of the script with checksum " +
                        progress.checksum + " have run; the script given now has checksum " + checksum + ".",
                    "Restore the script the migration was started with, so that it resumes at statement " +
                        std::to_string(progress.done + 1) + ".");
}

const char* c_str_or_null(const std::optional<std::string>& s) {
    return s ? s->c_str() : nullptr;
}

std::optional<std::string> optional_text(const char* s) {
    if (s == nullptr) return std::nullopt;
    return std::string(s);
}

void rows_result(FunctionCallInfo fcinfo, const std::vector<std::optional<std::string>>& cells, int rows) {
    std::vector<const char*> pointers;
    pointers.reserve(cells.size());
    for (const auto& c : cells) pointers.push_back(c_str_or_null(c));
    pg_call(pg::text_rows_result, fcinfo, const_cast<const char* const*>(pointers.data()), rows);
}

void append_ledger_row(const core::LedgerRowFields& row, const std::string& key, bool script_summarised) {
    const char* prev = pg_call(pg::last_hash);
    std::optional<std::string> prev_hash;
    if (prev) prev_hash = std::string(prev);
    const std::string hash = core::ledger_row_hash(prev_hash, row);

    pg::LedgerInsert insert{};
    insert.hash_format = row.format;
    insert.version = row.version.c_str();
    insert.version_key = key.data();
    insert.version_key_len = static_cast<int>(key.size());
    insert.name = c_str_or_null(row.name);
    insert.status = row.status.c_str();
    insert.checksum = c_str_or_null(row.checksum);
    insert.fingerprint = c_str_or_null(row.fingerprint);
    insert.script = c_str_or_null(row.script);
    insert.down = c_str_or_null(row.down);
    insert.verify = c_str_or_null(row.verify);
    insert.out_of_order = row.out_of_order;
    insert.statements = static_cast<int>(row.statements);
    insert.applied_at = row.applied_at_us;
    insert.applied_by = row.applied_by.c_str();
    insert.application_name = c_str_or_null(row.application_name);
    insert.client_addr = c_str_or_null(row.client_addr);
    insert.duration_us = row.duration_us;
    insert.prev_hash = prev;
    insert.hash = hash.c_str();
    insert.reason = c_str_or_null(row.reason);
    insert.previous_checksum = c_str_or_null(row.previous_checksum);
    insert.adopted_from = c_str_or_null(row.adopted_from);
    insert.risk = c_str_or_null(row.risk);
    insert.script_summarised = script_summarised;
    pg_call(pg::insert_row, const_cast<const pg::LedgerInsert*>(&insert));
}

core::LedgerRowFields session_row(const pg::SessionFacts& facts) {
    core::LedgerRowFields row;
    row.applied_by = facts.role;
    if (facts.application_name) row.application_name = std::string(facts.application_name);
    if (facts.client_addr) row.client_addr = std::string(facts.client_addr);
    row.applied_at_us = facts.now;
    return row;
}

void record_in_ledger(MigrationText args, const std::string& key,
                      const std::string& checksum, const std::string& fingerprint,
                      const pg::SessionFacts& facts, int64 applied_at, int statements,
                      int64 duration_us, bool out_of_order, const std::optional<std::string>& risk,
                      bool script_summarised) {
    core::LedgerRowFields row = session_row(facts);
    if (risk && pg_call(pg::migrate_table_has_column, "ledger", "risk")) {
        row.format = 3;
        row.risk = risk;
    }
    row.version = args.version;
    row.name = args.name;
    row.status = "applied";
    row.checksum = checksum;
    row.fingerprint = fingerprint;
    row.script = std::move(args.script);
    row.down = std::move(args.down);
    row.verify = std::move(args.verify);
    row.out_of_order = out_of_order;
    row.statements = statements;
    row.applied_at_us = applied_at;
    row.duration_us = duration_us;

    // What the migration changed, as it left it (for migrate_verify's schema_drift).
    pg_call(pg::record_migration_schema, args.version.c_str(), applied_at);
    append_ledger_row(row, key, script_summarised);
}

void notice_runs_nothing(const std::string& version) {
    const std::string message = "migration " + version + " has no statements: it is recorded as applied";
    pg_call(pg::report_notice, message.c_str(),
            "The script is empty, holds only comments, or only BEGIN and COMMIT; nothing ran.");
}

void notice_cosmetic_change(const std::string& version, const pg::LedgerRow& existing) {
    const std::string detail = "Only comments, whitespace or letter case differ from the "
                               "applied script (checksum " + std::string(existing.checksum) + ").";
    const std::string message =
        "migration " + version + " is already applied; the change to its script is cosmetic";
    pg_call(pg::report_notice, message.c_str(), detail.c_str());
}

}  // namespace pgm
