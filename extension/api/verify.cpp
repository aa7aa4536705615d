// migrate_verify(raise boolean DEFAULT false)
//   -> SETOF (check_name text, object text, ok boolean, detail text)
//
// Proves that the database still matches its ledger.  Each check gives one
// row with ok = true when it found nothing, or one row per problem.  Every run
// is recorded in migrate.verify_log; a failing run also sends NOTIFY
// migrate_verify.  With raise => true a failing run ends in an ERROR (so a
// pg_cron job is marked failed) after it was recorded by a background worker
// in a transaction of its own.  Read-only apart from that log.
#include <string>
#include <vector>

#include "../core/checksum.hpp"
#include "../core/schema_diff.hpp"
// PostgreSQL headers only after the pure C++ ones.
#include "../bridge/entry.hpp"
#include "../pg/citus/shard_shapes.hpp"
#include "../pg/citus/worker_ddl.hpp"
#include "../pg/compat/pg_compat.hpp"
#include "../pg/ddl_events.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/schema_snapshot.hpp"
#include "../pg/verify.hpp"
#include "errors.hpp"
#include "out_of_band.hpp"
#include "rules.hpp"

namespace pgm {
namespace {

struct Problem {
    std::string object;
    std::string detail;
};

struct CheckOutcome {
    std::string name;
    std::string ok_detail;  // shown when there is no problem
    std::vector<Problem> problems;
};

// IF EXISTS: a Citus table's drop otherwise stops at the first shard the
// failed build did not reach.
constexpr const char* kInvalidIndexes =
    "SELECT pg_catalog.format('%I.%I', n.nspname, c.relname), "
    "pg_catalog.format('index is INVALID (a CREATE INDEX CONCURRENTLY that failed or was cancelled): "
    "queries do not use it, writes still maintain it; DROP INDEX CONCURRENTLY IF EXISTS %I.%I; and build it again', "
    "n.nspname, c.relname) "
    "FROM pg_catalog.pg_index AS i JOIN pg_catalog.pg_class AS c ON c.oid = i.indexrelid "
    "JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
    "WHERE NOT i.indisvalid AND " PGM_COVERED("n.nspname") " ORDER BY 1";

constexpr const char* kUnvalidatedConstraints =
    "SELECT pg_catalog.format('%I on %I.%I', con.conname, n.nspname, c.relname), "
    "pg_catalog.format('constraint is NOT VALID: rows that existed when it was added were never "
    "checked; ALTER TABLE %I.%I VALIDATE CONSTRAINT %I', n.nspname, c.relname, con.conname) "
    "FROM pg_catalog.pg_constraint AS con JOIN pg_catalog.pg_class AS c ON c.oid = con.conrelid "
    "JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
    "WHERE NOT con.convalidated AND " PGM_SQL_CONSTRAINT_ENFORCED("con") " AND " PGM_COVERED("n.nspname")
    " ORDER BY 1";

// A migration under way in migrate.progress is incomplete unless a deployer
// holds the deploy lock (the client's session lock "pg_mdepl") right now.
constexpr const char* kIncompleteMigrations =
    "SELECT p.version, pg_catalog.format('stopped at statement %s of %s (started %s by %s)%s; run "
    "\"pg_migrate up\" to resume it', p.done + 1, p.statements, "
    "pg_catalog.to_char(p.started_at, 'YYYY-MM-DD HH24:MI:SSOF'), p.started_by, "
    "COALESCE(': ' || p.last_error, '')) "
    "FROM migrate.progress AS p WHERE NOT EXISTS (SELECT 1 FROM pg_catalog.pg_locks AS k WHERE k.locktype = 'advisory' "
    "AND k.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database()) "
    "AND k.classid = 1885822829 AND k.objid = 1684369516 AND k.objsubid = 1 AND k.granted) "
    "ORDER BY p.version_key";

constexpr const char* kOutOfBandRows = R"SQL(
SELECT COALESCE(o.object_identity, o.command_tag),
       pg_catalog.format('%s outside migrations since the last migration (the last: %s at %s by %s)',
           CASE pg_catalog.count(*) WHEN 1 THEN 'changed once' ELSE 'changed ' || pg_catalog.count(*) || ' times' END,
           (pg_catalog.array_agg(o.command_tag ORDER BY o.id DESC))[1],
           pg_catalog.to_char(pg_catalog.max(o.logged_at), 'YYYY-MM-DD HH24:MI:SSOF'),
           (pg_catalog.array_agg(o.role ORDER BY o.id DESC))[1])
  FROM out_of_band AS o
 WHERE o.schema_name IS NULL OR )SQL" PGM_COVERED("o.schema_name") R"SQL(
 GROUP BY o.object_type, COALESCE(o.object_identity, o.command_tag)
 ORDER BY pg_catalog.max(o.logged_at), 1
)SQL";

std::string opt(const char* s) { return s ? s : ""; }

// A check whose query found `found`: a problem per row.
CheckOutcome outcome_of(std::string name, std::string ok_detail, const pg::Findings* found) {
    CheckOutcome outcome{std::move(name), std::move(ok_detail), {}};
    for (int i = 0; i < found->count; ++i) outcome.problems.push_back({opt(found->objects[i]), opt(found->details[i])});
    return outcome;
}

CheckOutcome from_query(const char* name, const char* ok_detail, SPIPlanPtr* plan, const char* sql) {
    return outcome_of(name, ok_detail, pg_call(pg::query_findings, plan, sql, static_cast<const char*>(nullptr)));
}

// Recomputes every row's hash from its fields and its predecessor's hash.
CheckOutcome check_ledger_chain() {
    const pg::ChainRows* chain = pg_call(pg::read_chain);
    CheckOutcome outcome{"ledger_chain", std::to_string(chain->count) + " ledger rows, hash chain intact", {}};
    std::optional<std::string> previous;
    for (int i = 0; i < chain->count; ++i) {
        const pg::ChainRow& r = chain->rows[i];
        const std::string object = "ledger row " + std::to_string(r.id) + " (version " + opt(r.version) + ")";
        if (optional_text(r.prev_hash) != previous) {
            outcome.problems.push_back(
                {object, i == 0 ? "the first row names a previous row: rows before it were deleted"
                                : "prev_hash does not match the hash of row " + std::to_string(chain->rows[i - 1].id) +
                                      ": a row was deleted or inserted between them"});
            break;
        }
        core::LedgerRowFields fields;
        fields.format = r.hash_format;
        fields.version = opt(r.version);
        fields.name = optional_text(r.name);
        fields.status = opt(r.status);
        fields.checksum = optional_text(r.checksum);
        fields.fingerprint = optional_text(r.fingerprint);
        fields.script = optional_text(r.script);
        fields.down = optional_text(r.down);
        fields.verify = optional_text(r.verify);
        fields.out_of_order = r.out_of_order;
        fields.statements = r.statements;
        fields.applied_at_us = r.applied_at;
        fields.applied_by = opt(r.applied_by);
        fields.application_name = optional_text(r.application_name);
        fields.client_addr = optional_text(r.client_addr);
        fields.duration_us = r.duration_us;
        fields.reason = optional_text(r.reason);
        fields.previous_checksum = optional_text(r.previous_checksum);
        fields.adopted_from = optional_text(r.adopted_from);
        fields.risk = optional_text(r.risk);
        if (r.hash_format < 1 || r.hash_format > 3) {
            outcome.problems.push_back({object, "the row's hash_format " + std::to_string(r.hash_format) +
                                                    " is unknown: it was changed after it was written"});
            break;
        }
        if (core::ledger_row_hash(previous, fields) != opt(r.hash)) {
            outcome.problems.push_back({object, "the row's contents do not match its hash: it was changed after "
                                                "it was written (history is append-only)"});
            break;
        }
        previous = optional_text(r.hash);
    }
    return outcome;
}

CheckOutcome check_verify_queries() {
    const pg::VerifyQueries* queries = pg_call(pg::applied_verify_queries);
    CheckOutcome outcome{"verify_query", "every verify query returned true (" + std::to_string(queries->count) + ")", {}};
    for (int i = 0; i < queries->count; ++i) {
        const char* problem = pg_call(pg::run_verify_query, queries->queries[i], queries->roles[i]);
        if (problem != nullptr)
            outcome.problems.push_back({std::string("migration ") + queries->versions[i],
                                        std::string("its verify query ") + problem});
    }
    return outcome;
}

std::string recorded_by(const char* version) {
    return version ? "migration " + std::string(version) : std::string("migrate_snapshot()");
}

// The live schema against what the migrations left (migrate.schema_objects),
// object by object, by name.
CheckOutcome check_schema_drift() {
    // Migrations applied with migrate.defer_schema_snapshot (a client run cut
    // short) may have left their recording owed: do it first, under the
    // ledger lock (held at most for one migration's transaction).
    if (pg_call(pg::schema_recording_owed)) {
        pg_call(pg::lock_ledger);
        pg_call(pg::record_owed_schema);
    }
    const pg::SchemaDifferences* diff = pg_call(pg::schema_differences);
    CheckOutcome outcome{"schema_drift", "", {}};
    if (!diff->snapshot_taken) {
        outcome.ok_detail = "no schema snapshot yet: the next migration records one (or SELECT migrate_snapshot())";
        return outcome;
    }
    outcome.ok_detail = std::to_string(diff->objects) + " objects match what the migrations left";
    constexpr std::size_t kExcerpt = 200;
    for (int i = 0; i < diff->count; ++i) {
        const pg::SchemaDifference& d = diff->rows[i];
        const std::string object = std::string(d.object_type) + " " + d.identity;
        std::string detail;
        if (d.recorded == nullptr)
            detail = "exists, but no migration recorded it: " +
                     core::definition_excerpt(d.live, kExcerpt);
        else if (d.live == nullptr)
            detail = "recorded by " + recorded_by(d.version) + ", but no longer exists: " +
                     core::definition_excerpt(d.recorded, kExcerpt);
        else
            detail = "differs from what " + recorded_by(d.version) + " recorded: " +
                     core::describe_definition_change(d.recorded, d.live);
        outcome.problems.push_back({object, detail});
    }
    return outcome;
}

// On a Citus coordinator: every shard of every distributed or reference
// table against its table here.
CheckOutcome check_citus_shards() {
    const pg::ShardCheck* check = pg_call(pg::check_shards);
    return outcome_of("citus_shards",
                      std::to_string(check->placements) + " shard placements of " + std::to_string(check->tables) +
                          " Citus tables have their table's columns, indexes and constraints",
                      check->differences);
}

// On a Citus coordinator: DDL typed on the workers, from their own logs.
CheckOutcome check_citus_worker_ddl() {
    return outcome_of("citus_worker_ddl", "no DDL outside migrations on the workers since the last migration",
                      pg_call(pg::worker_out_of_band_ddl));
}

std::vector<CheckOutcome> run_checks() {
    static SPIPlanPtr out_of_band_plan = nullptr;
    static SPIPlanPtr invalid_index_plan = nullptr;
    static SPIPlanPtr unvalidated_plan = nullptr;
    static SPIPlanPtr incomplete_plan = nullptr;
    static const std::string out_of_band_sql = std::string("WITH ") + kOutOfBandCte + kOutOfBandRows;
    std::vector<CheckOutcome> checks;
    checks.push_back(check_ledger_chain());
    if (pg_call(pg::ddl_log_installed))
        checks.push_back(from_query("out_of_band_ddl", "no DDL outside migrations since the last migration",
                                    &out_of_band_plan, out_of_band_sql.c_str()));
    if (pg_call(pg::schema_snapshot_installed)) checks.push_back(check_schema_drift());
    if (pg_call(pg::citus_coordinator)) {
        checks.push_back(check_citus_shards());
        checks.push_back(check_citus_worker_ddl());
    }
    checks.push_back(from_query("invalid_index", "no INVALID index", &invalid_index_plan, kInvalidIndexes));
    checks.push_back(from_query("unvalidated_constraint", "no NOT VALID constraint", &unvalidated_plan,
                                kUnvalidatedConstraints));
    checks.push_back(check_verify_queries());
    checks.push_back(from_query("incomplete_migration", "no migration stopped half-way", &incomplete_plan,
                                kIncompleteMigrations));
    return checks;
}

std::string summary_of(const std::vector<CheckOutcome>& checks, int problems) {
    std::string text;
    int shown = 0;
    for (const auto& c : checks)
        for (const auto& p : c.problems) {
            if (shown++ == 5) return text + "; ... (" + std::to_string(problems - 5) + " more)";
            text += (text.empty() ? "" : "; ") + c.name + ": " + p.object;
        }
    return text;
}

}  // namespace
}  // namespace pgm

PGM_FUNCTION(migrate_verify) {
    using namespace pgm;
    const bool raise = pg_call(pg::bool_arg, fcinfo, 0, false);
    const int64 started = pg_call(pg::clock_now);
    const std::vector<CheckOutcome> checks = run_checks();

    std::vector<pg::VerifyRow> rows;
    std::vector<const char*> names, objects, details;
    for (const auto& c : checks) {
        if (c.problems.empty()) rows.push_back({c.name.c_str(), nullptr, true, c.ok_detail.c_str()});
        for (const auto& p : c.problems) {
            rows.push_back({c.name.c_str(), p.object.c_str(), false, p.detail.c_str()});
            names.push_back(c.name.c_str());
            objects.push_back(p.object.c_str());
            details.push_back(p.detail.c_str());
        }
    }
    const int problems = static_cast<int>(names.size());
    pg::VerifyRun run{problems == 0, static_cast<int>(checks.size()), pg_call(pg::clock_now) - started, problems,
                      names.data(), objects.data(), details.data()};

    if (raise && problems > 0) {
        const bool recorded = pg_call(pg::record_verify_run_detached, const_cast<const pg::VerifyRun*>(&run));
        throw UserError(sqlstate::kVerificationFailed,
                        "migrate_verify found " + std::to_string(problems) + " problem" + (problems == 1 ? "" : "s"),
                        summary_of(checks, problems) + ".",
                        recorded ? "SELECT * FROM migrate_verify() shows them; the run is recorded in migrate.verify_log."
                                 : "SELECT * FROM migrate_verify() shows them. This run could not be recorded in "
                                   "migrate.verify_log: no background worker was available (max_worker_processes).");
    }
    pg_call(pg::record_verify_run, const_cast<const pg::VerifyRun*>(&run));
    pg_call(pg::verify_result, fcinfo, const_cast<const pg::VerifyRow*>(rows.data()), static_cast<int>(rows.size()));
    return Datum(0);
}
