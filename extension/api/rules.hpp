// Rules shared by every way of applying a migration: migrate_apply (one
// transaction) and the migrate_steps_* functions (outside a transaction).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "../bridge/entry.hpp"
#include "../core/checksum.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/progress.hpp"
#include "../pg/script_parser.hpp"

namespace pgm {

// What a migration is made of, as given to the SQL functions.
struct MigrationText {
    std::string version;
    std::string script;
    std::optional<std::string> name;
    std::optional<std::string> down;
    std::optional<std::string> verify;
};

std::optional<std::string> optional_text_arg(FunctionCallInfo fcinfo, int n);
std::string required_text_arg(FunctionCallInfo fcinfo, int n, const char* what);

// Raises 22023 with the reason when `version` is not a valid version.
void validate_version(const std::string& version);

// Argument `n`, a migration version (required, validated), with its sort key.
struct VersionArg {
    std::string version;
    std::string key;
};
VersionArg version_arg(FunctionCallInfo fcinfo, int n);

// "<label>, statement N, line L: TAG" (label: "migration 001"), the context
// line of our errors.
std::string statement_context(const std::string& label, const pg::ScriptStatement& st);

// The statements of a script that make up the migration (0-based, inclusive).
struct StatementRange {
    int first;
    int last;
};

// The statements that make up a migration (or a down script): all of them,
// or the inside of a single top-level BEGIN; ... COMMIT; wrapper.  Anything
// that cannot run in the caller's transaction is refused here, before
// anything runs.  `label` names the script in messages ("migration 001",
// "down script of migration 001").
enum class ScriptRole { kMigration, kDownScript };
StatementRange plan_statements(const std::string& label, const pg::ParsedScript& parsed, ScriptRole role);

// SHA-256 of the statements' tokens: equal for scripts that differ only in
// comments, whitespace and case.  A statement's COPY data counts by its
// SHA-256.
std::string fingerprint_of(const pg::ParsedScript& parsed, StatementRange range);

// Adds statement `index` to a fingerprint being computed: its tokens, and the
// SHA-256 of its COPY data when it has some (a streamed script's statements
// are added piece by piece; the stream then ends with the same digest as
// fingerprint_of the whole script).  The caller adds the ";" line.
void add_statement_to_fingerprint(core::Sha256Stream& stream, const pg::ParsedScript& parsed, int index,
                                  const std::optional<std::string>& copy_data_sha256);

// Whether the script's fingerprint is `stored` (NULL: unknown, so not), also
// in the form rows before 0.16 kept.
bool same_fingerprint(const pg::ParsedScript& parsed, StatementRange range, const char* stored);

// Whether a script with `checksum` is the one applied as `existing` (an
// applied-like row).  A row without a checksum (adopted from another tool
// without its file, or a baseline) ran no script pg_migrate knows: the
// version counts as applied, whatever the script given now.
bool same_as_applied(const std::string& checksum, const pg::LedgerRow& existing);

// migrate_apply's result row, its strings pointing into the arguments.
pg::ApplyOutcome apply_outcome(const std::string& version, const std::optional<std::string>& name, const char* status,
                               const std::string& checksum);

// The newest ledger row of the version with sort key `key`.
pg::LedgerRow* find_version(const std::string& key);

[[noreturn]] void refuse_version_conflict(const std::string& version, const pg::LedgerRow& existing);
[[noreturn]] void refuse_changed_script(const std::string& version, const pg::LedgerRow& existing,
                                        const std::string& checksum);
[[noreturn]] void refuse_out_of_order(const std::string& version, const pg::LedgerRow& higher);
// A migration outside a transaction stopped half-way (migrate.progress) and
// was given another script than the one it started with (MG005).
[[noreturn]] void refuse_other_progress(const std::string& version, const pg::ProgressRow& progress,
                                        const std::string& checksum);
// A migration without statements (a placeholder of comments): recorded as
// applied, and said so.
void notice_runs_nothing(const std::string& version);

void notice_cosmetic_change(const std::string& version, const pg::LedgerRow& existing);

const char* c_str_or_null(const std::optional<std::string>& s);
// The reverse: NULL becomes nullopt.
std::optional<std::string> optional_text(const char* s);

// A set-returning function's rows as text cells (row after row, in the order
// of its OUT columns; nullopt for NULL), read with each column's type.
void rows_result(FunctionCallInfo fcinfo, const std::vector<std::optional<std::string>>& cells, int rows);

// Appends `row` to the ledger, chained to the newest row, hashed in its format.
void append_ledger_row(const core::LedgerRowFields& row, const std::string& key, bool script_summarised = false);

// A row with the calling session's facts (who, from where, when).
core::LedgerRowFields session_row(const pg::SessionFacts& facts);

// Appends the "applied" row to the ledger, chained to the previous row.
// `risk` (when known) is hashed in format 3 where the ledger has the column.
// The migration's texts are moved into the row (a script can be hundreds of
// megabytes).
void record_in_ledger(MigrationText migration, const std::string& key,
                      const std::string& checksum, const std::string& fingerprint,
                      const pg::SessionFacts& facts, int64 applied_at, int statements,
                      int64 duration_us, bool out_of_order,
                      const std::optional<std::string>& risk = std::nullopt, bool script_summarised = false);

}  // namespace pgm
