// Rules shared by every way of applying a migration (migrate_apply and the
// non-transactional steps): versions, refusals, the ledger row.  C++ zone.
#include "rules.hpp"

#include "../core/checksum.hpp"
#include "../core/version.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/schema_snapshot.hpp"
#include "errors.hpp"

namespace pgm {

std::optional<std::string> optional_text_arg(FunctionCallInfo fcinfo, int n) {
    const char* value = pg_call(pg::text_arg, fcinfo, n);
    if (value == nullptr) return std::nullopt;
    return std::string(value);
}

std::string required_text_arg(FunctionCallInfo fcinfo, int n, const char* what) {
    auto value = optional_text_arg(fcinfo, n);
    if (!value)
        throw UserError(ERRCODE_NULL_VALUE_NOT_ALLOWED,
                        std::string("the migration ") + what + " must not be null");
    return *value;
}

void validate_version(const std::string& version) {
    if (auto problem = core::version_problem(version))
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        "invalid migration version \"" + version.substr(0, 200) + "\"", *problem,
                        "Use a number or a timestamp such as \"001\" or \"20240101120000\"; "
                        "\".\", \"_\" and \"-\" may separate parts, as in \"1.2.3\".");
}

std::string statement_context(const std::string& version, const pg::ScriptStatement& st) {
    return "migration " + version + ", statement " + std::to_string(st.number) + ", line " +
           std::to_string(st.line) + ": " + st.command;
}

std::string fingerprint_of(const pg::ParsedScript& parsed, StatementRange range) {
    // Statement by statement, so the token text of a huge data migration is
    // never held whole; the digest is that of the concatenated streams.
    core::Sha256Stream stream;
    for (int i = range.first; i <= range.last; ++i) {
        const char* tokens = pg_call(pg::token_stream, &parsed, i, i);
        stream.update(tokens);
        pg_call(pg::release, tokens);
    }
    return stream.hex_digest();
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

const char* c_str_or_null(const std::optional<std::string>& s) {
    return s ? s->c_str() : nullptr;
}

void record_in_ledger(const MigrationText& args, const std::string& key,
                      const std::string& checksum, const std::string& fingerprint,
                      const pg::SessionFacts& facts, int64 applied_at, int statements,
                      int64 duration_us, bool out_of_order) {
    core::LedgerRowFields row;
    row.version = args.version;
    row.name = args.name;
    row.status = "applied";
    row.checksum = checksum;
    row.fingerprint = fingerprint;
    row.script = args.script;
    row.down = args.down;
    row.verify = args.verify;
    row.out_of_order = out_of_order;
    row.statements = statements;
    row.applied_at_us = applied_at;
    row.applied_by = facts.role;
    if (facts.application_name) row.application_name = std::string(facts.application_name);
    if (facts.client_addr) row.client_addr = std::string(facts.client_addr);
    row.duration_us = duration_us;

    // What the migration changed, as it left it (for migrate_verify's schema_drift).
    pg_call(pg::record_migration_schema, args.version.c_str(), applied_at);

    const char* prev = pg_call(pg::last_hash);
    std::optional<std::string> prev_hash;
    if (prev) prev_hash = std::string(prev);
    const std::string hash = core::ledger_row_hash(prev_hash, row);

    pg::LedgerInsert insert{};
    insert.version = args.version.c_str();
    insert.version_key = key.data();
    insert.version_key_len = static_cast<int>(key.size());
    insert.name = c_str_or_null(args.name);
    insert.status = "applied";
    insert.checksum = checksum.c_str();
    insert.fingerprint = fingerprint.c_str();
    insert.script = args.script.c_str();
    insert.down = c_str_or_null(args.down);
    insert.verify = c_str_or_null(args.verify);
    insert.out_of_order = out_of_order;
    insert.statements = statements;
    insert.applied_at = applied_at;
    insert.applied_by = facts.role;
    insert.application_name = facts.application_name;
    insert.client_addr = facts.client_addr;
    insert.duration_us = duration_us;
    insert.prev_hash = prev;
    insert.hash = hash.c_str();
    pg_call(pg::insert_row, const_cast<const pg::LedgerInsert*>(&insert));
}

void notice_cosmetic_change(const std::string& version, const pg::LedgerRow& existing) {
    const std::string detail = "Only comments, whitespace or letter case differ from the "
                               "applied script (checksum " + std::string(existing.checksum) + ").";
    const std::string message =
        "migration " + version + " is already applied; the change to its script is cosmetic";
    pg_call(pg::report_notice, message.c_str(), detail.c_str());
}

}  // namespace pgm
