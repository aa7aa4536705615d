// migrate_apply_stream (a procedure: the client sends the script as COPY
// data) and migrate_apply_large_object (the script in a large object): a
// migration applied as migrate_apply applies it, in the caller's transaction,
// with its script read as a stream (pg/stream/script_stream.hpp) and never
// held whole.  Each piece of it is parsed, checked and run before the next is
// read; a COPY's data goes from the stream to COPY.  A refusal found in a
// later piece fails the transaction, so nothing of what ran before it stays.
//
// C++ zone: every PostgreSQL call goes through pg_call.
#include "../core/checksum.hpp"
#include "../core/ledger_status.hpp"
#include "../core/recorded_ddl.hpp"
#include "../core/version.hpp"
#include "../pg/executor.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/lock_wait.hpp"
#include "../pg/settings.hpp"
#include "../pg/stream/stream_sources.hpp"
#include "errors.hpp"
#include "refusals.hpp"
#include "rules.hpp"
#include "safety.hpp"
#include "script.hpp"

namespace pgm {
namespace {

struct StreamArguments {
    std::string version;
    std::optional<std::string> checksum;  // the one the client announces, checked at the end
    std::optional<std::string> name;
    std::optional<std::string> down;
    std::optional<std::string> verify;
    bool out_of_order = false;
    std::set<std::string> allow;
};

// What reading a streamed script found (and, when it ran it, did).
struct StreamReading {
    std::string checksum;
    std::string fingerprint;
    int statements = 0;  // of the migration: a BEGIN; ... COMMIT; wrapper left out
    pg::Risk risk = pg::Risk::kSafe;
};

// Reads a script piece by piece: runs each piece, or (to compare the script
// with the one applied) only fingerprints it.
class StreamedScript {
public:
    StreamedScript(std::string version, pg::ScriptStream* stream, bool run, std::set<std::string> allowed)
        : version_(std::move(version)), label_("migration " + version_), stream_(stream), run_(run),
          allowed_(std::move(allowed)) {}

    StreamReading read() {
        for (;;) {
            pg_call(pg::enter_piece_memory, stream_);
            pg::ScriptPiece* piece = pg_call(pg::next_script_piece, stream_);
            if (piece != nullptr) take(*piece);
            pg_call(pg::leave_piece_memory, stream_);
            if (piece == nullptr) break;
        }
        // A BEGIN; ... COMMIT; around the whole script is left out; one of
        // them alone is refused, as migrate_apply refuses it.
        if (pending_commit_ && !wrapper_begin_) throw *pending_commit_;
        if (wrapper_begin_ && !pending_commit_) throw *wrapper_begin_;
        reading_.fingerprint = fingerprint_.hex_digest();
        reading_.checksum = pg_call(pg::stream_checksum, stream_);
        return reading_;
    }

private:
    void take(const pg::ScriptPiece& piece) {
        pg::ParsedScript* parsed = parse_script_piece(label_, piece.text, piece.origin);
        pg_call(pg::take_piece, stream_, parsed);
        if (parsed->count == 0) return;
        if (pending_commit_) throw *pending_commit_;  // statements follow a COMMIT
        const StatementRange range = range_of(*parsed);
        if (run_) run(piece, *parsed, range);
        else if (piece.data_follows) pg_call(pg::skip_copy_data, stream_);
        add_to_fingerprint(*parsed, range);
        statements_seen_ += parsed->count;
        if (range.last >= range.first) reading_.statements += range.last - range.first + 1;
    }

    // The piece's statements that make up the migration: a BEGIN that
    // starts the script and a COMMIT that ends the piece wait for the end,
    // where they are a wrapper or refused.
    StatementRange range_of(const pg::ParsedScript& parsed) {
        StatementRange range{0, parsed.count - 1};
        if (statements_seen_ == 0 && parsed.statements[0].kind == pg::StatementKind::TransactionBegin) {
            wrapper_begin_ = refusal_of(parsed, 0);
            range.first = 1;
        }
        if (range.last >= range.first && parsed.statements[range.last].kind == pg::StatementKind::TransactionCommit) {
            pending_commit_ = refusal_of(parsed, range.last);
            range.last--;
        }
        return range;
    }

    UserError refusal_of(const pg::ParsedScript& parsed, int index) {
        return refusal_error(label_, parsed, refusals_in(parsed, ScriptRun::kMigration, {index, index}).front());
    }

    void run(const pg::ScriptPiece& piece, pg::ParsedScript& parsed, StatementRange range) {
        refuse_if_pulled(piece, parsed);
        const std::vector<Refusal> refusals = refusals_in(parsed, ScriptRun::kMigration, range);
        if (!refusals.empty()) throw refusal_error(label_, parsed, refusals.front());
        if (range.last < range.first) return;
        const pg::Risk risk =
            assess_piece(label_, std::string(piece.text, static_cast<size_t>(piece.length)), parsed, range, allowed_);
        if (risk > reading_.risk) reading_.risk = risk;
        pg::ExecutionRequest request{version_.c_str(), &parsed, range.first, range.last, false};
        request.statements_total = parsed.statements[parsed.count - 1].number;
        request.continues = pieces_run_ > 0;
        pg_call(pg::execute_statements, const_cast<const pg::ExecutionRequest*>(&request));
        pieces_run_++;
    }

    // A pulled migration's statements that already ran here are recorded,
    // not run (api/pulled.hpp): that needs the whole script.
    void refuse_if_pulled(const pg::ScriptPiece& piece, const pg::ParsedScript& parsed) {
        std::vector<std::pair<int, int>> statements;
        for (int i = 0; i < parsed.count; i++) statements.emplace_back(parsed.statements[i].start, parsed.statements[i].end);
        if (core::is_pulled_script(std::string_view(piece.text, static_cast<size_t>(piece.length)), statements))
            throw UserError(ERRCODE_FEATURE_NOT_SUPPORTED, "a pulled migration cannot be streamed",
                            "Migration " + version_ + " is marked \"-- migrate:pulled\": its statements that already "
                            "ran here are matched against the whole script.",
                            "Apply it with migrate_apply(); pg_migrate up sends such a file whole.");
    }

    // As fingerprint_of adds them: a streamed COPY's data by the SHA-256 the
    // stream computed of it.
    void add_to_fingerprint(const pg::ParsedScript& parsed, StatementRange range) {
        for (int i = range.first; i <= range.last; i++) {
            const pg::ScriptStatement& st = parsed.statements[i];
            std::optional<std::string> data_sha256;
            if (st.copy_reader != nullptr) data_sha256 = pg_call(pg::last_copy_data, stream_)->sha256;
            else if (st.copy_data != nullptr)
                data_sha256 = core::sha256_hex(std::string_view(st.copy_data, static_cast<size_t>(st.copy_data_length)));
            add_statement_to_fingerprint(fingerprint_, parsed, i, data_sha256);
            fingerprint_.update("C1:;\n");
        }
    }

    std::string version_;
    std::string label_;
    pg::ScriptStream* stream_;
    bool run_;
    std::set<std::string> allowed_;
    core::Sha256Stream fingerprint_;
    StreamReading reading_;
    int statements_seen_ = 0;
    int pieces_run_ = 0;
    std::optional<UserError> wrapper_begin_;
    std::optional<UserError> pending_commit_;
};

pg::ApplyOutcome outcome_of(const StreamArguments& args, const char* status, const std::string& checksum) {
    return apply_outcome(args.version, args.name, status, checksum);
}

Datum result(FunctionCallInfo fcinfo, const pg::ApplyOutcome& outcome) {
    return pg_call(pg::apply_result, fcinfo, &outcome);
}

[[noreturn]] void refuse_other_script(const StreamArguments& args, const std::string& checksum) {
    throw UserError(sqlstate::kStreamChecksumMismatch,
                    "the script of migration " + args.version + " is not the one announced",
                    "The script read has checksum " + checksum + "; checksum " + *args.checksum +
                        " was given with it.",
                    "The file changed while it was sent: apply it again.");
}

// `open_source` starts the stream once it is known that the script is to be
// read (never for a script applied already with the checksum announced).
Datum apply_streamed(FunctionCallInfo fcinfo, const StreamArguments& args, pg::ByteSource (*open_source)(void*),
                     void* source_arg) {
    validate_version(args.version);
    if (core::is_repeatable_version(args.version))
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        "version \"" + args.version + "\" names a repeatable migration",
                        "A streamed migration is a versioned one.",
                        "Apply a repeatable migration with migrate_apply_repeatable(name, script).");
    const std::string key = core::version_sort_key(args.version);
    pg_call(pg::lock_ledger);
    pg_call(pg::check_ledger_snapshot);
    const pg::VersionLookup* lookup = pg_call(pg::lookup_version, key.data(), static_cast<int>(key.size()));
    const pg::LedgerRow& existing = lookup->existing;
    const bool applied = existing.found && core::status_counts_as_applied(existing.status);
    if (existing.found && args.version != existing.version) refuse_version_conflict(args.version, existing);
    if (applied && args.checksum && same_as_applied(*args.checksum, existing))
        return result(fcinfo, outcome_of(args, "skipped", *args.checksum));

    const pg::ByteSource source = open_source(source_arg);
    pg::ScriptStream* stream = pg_call(pg::open_script_stream, &source);
    if (applied) {  // read, not run: the same script, a cosmetic change, or refused
        const StreamReading reading = StreamedScript(args.version, stream, false, args.allow).read();
        if (same_as_applied(reading.checksum, existing)) return result(fcinfo, outcome_of(args, "skipped", reading.checksum));
        if (existing.fingerprint == nullptr || reading.fingerprint != existing.fingerprint)
            refuse_changed_script(args.version, existing, reading.checksum);
        notice_cosmetic_change(args.version, existing);
        return result(fcinfo, outcome_of(args, "skipped", reading.checksum));
    }
    const bool out_of_order = lookup->higher.found;
    if (out_of_order && !args.out_of_order) refuse_out_of_order(args.version, lookup->higher);

    const pg::SessionFacts* facts = pg_call(pg::session_facts);
    const int nest_level = pg_call(pg::begin_setting_scope);
    pg_call(pg::bound_lock_waits);
    const StreamReading reading = StreamedScript(args.version, stream, true, args.allow).read();
    pg_call(pg::end_setting_scope, nest_level);
    if (args.checksum && reading.checksum != *args.checksum) refuse_other_script(args, reading.checksum);
    if (reading.statements == 0) notice_runs_nothing(args.version);
    const int64 duration_us = pg_call(pg::clock_now) - facts->now;

    bool summarised = false;
    std::string kept = pg_call(pg::kept_script, const_cast<const pg::ScriptStream*>(stream), &summarised);
    record_in_ledger(MigrationText{args.version, std::move(kept), args.name, args.down, args.verify}, key,
                     reading.checksum, reading.fingerprint, *facts, facts->now, reading.statements, duration_us,
                     out_of_order, std::string(pg::risk_name(reading.risk)), summarised);

    pg::ApplyOutcome outcome = outcome_of(args, "applied", reading.checksum);
    outcome.statements = reading.statements;
    outcome.duration_us = duration_us;
    outcome.out_of_order = out_of_order;
    outcome.risk = pg::risk_name(reading.risk);
    return result(fcinfo, outcome);
}

pg::ByteSource from_client(void*) {
    if (!pg_call(pg::client_can_send_copy_data))
        throw UserError(ERRCODE_FEATURE_NOT_SUPPORTED,
                        "migrate_apply_stream must be called by a client that sends the script",
                        "The procedure reads the script as COPY data from the client that sent the CALL; a "
                        "function, a background worker or psql cannot send it.",
                        "Use pg_migrate up, or call migrate_apply_large_object() with the script in a large object.");
    return pg_call(pg::client_copy_source);
}

pg::ByteSource from_large_object(void* arg) {
    return pg_call(pg::large_object_source, *static_cast<const Oid*>(arg));
}

}  // namespace
}  // namespace pgm

// CALL migrate_apply_stream(version => ..., checksum => ..., name, down,
// verify, out_of_order, allow): its INOUT parameters are migrate_apply's
// result columns, in its order; version, name, checksum and out_of_order
// are also read.
PGM_FUNCTION(migrate_apply_stream) {
    using namespace pgm;
    StreamArguments args;
    args.version = required_text_arg(fcinfo, 0, "version");
    args.name = optional_text_arg(fcinfo, 1);
    args.checksum = required_text_arg(fcinfo, 3, "checksum");
    args.out_of_order = pg_call(pg::bool_arg, fcinfo, 6, false);
    args.down = optional_text_arg(fcinfo, 9);
    args.verify = optional_text_arg(fcinfo, 10);
    args.allow = allow_arg(fcinfo, 11);
    return apply_streamed(fcinfo, args, from_client, nullptr);
}

// migrate_apply_large_object(version, script oid, name, down, verify,
// out_of_order, allow)
PGM_FUNCTION(migrate_apply_large_object) {
    using namespace pgm;
    StreamArguments args;
    args.version = required_text_arg(fcinfo, 0, "version");
    if (pg_call(pg::arg_is_null, fcinfo, 1))
        throw UserError(ERRCODE_NULL_VALUE_NOT_ALLOWED, "the migration script must not be null");
    Oid script = DatumGetObjectId(pg_call(pg::datum_arg, fcinfo, 1));
    args.name = optional_text_arg(fcinfo, 2);
    args.down = optional_text_arg(fcinfo, 3);
    args.verify = optional_text_arg(fcinfo, 4);
    args.out_of_order = pg_call(pg::bool_arg, fcinfo, 5, false);
    args.allow = allow_arg(fcinfo, 6);
    return apply_streamed(fcinfo, args, from_large_object, &script);
}
