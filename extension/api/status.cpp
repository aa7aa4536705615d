// migrate_status(known jsonb DEFAULT NULL), migrate_version() and
// migrate_out_of_band_ddl().
//
// Both read the ledger as its owner (pg/ledger.cpp), so EXECUTE on the
// function is all a role needs to see where the database stands.
#include "../core/version.hpp"
// PostgreSQL headers only after the pure C++ ones.
#include "../bridge/entry.hpp"
#include "../pg/ddl_events.hpp"
#include "../pg/executor.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/submissions.hpp"
#include "out_of_band.hpp"

extern "C" {
#include "catalog/pg_type.h"
}

namespace {

// One row per version, its newest ledger row.  Without `known` ($1 IS NULL) the
// state is the ledger's status.  With `known` (the versions a client has on
// disk with their checksums) the state is applied, changed (applied with
// another checksum), pending (on disk, not applied), missing (applied, not on
// disk) or baseline (the baseline itself, and every version on disk at or
// below it that was never applied: migrate_baseline() recorded the database
// as already there).  Reverted versions absent from disk are left out.  A
// repeatable migration (R__name) whose script changed is pending: it is
// applied again.  A version applied without a known script (adopted from
// another tool without its file) is applied whatever the file holds.
constexpr const char* kVersionsCte = R"SQL(
WITH newest AS (
    SELECT DISTINCT ON (l.version_key)
           l.version, l.version_key, l.name, l.status, l.checksum, l.applied_at,
           l.applied_by, l.statements, l.duration, l.out_of_order, @script_summarised@ AS script_summarised
      FROM migrate.ledger AS l
     ORDER BY l.version_key, l.id DESC
), known AS (
    SELECT k.key AS version,
           migrate.version_key(k.key) AS version_key,
           pg_catalog.lower(CASE pg_catalog.jsonb_typeof(k.value)
                                WHEN 'object' THEN k.value ->> 'checksum'
                                ELSE k.value #>> '{}' END) AS checksum
      FROM pg_catalog.jsonb_each($1) AS k
), base AS (
    SELECT n.version_key AS key FROM newest AS n WHERE n.status = 'baseline'
     ORDER BY n.version_key DESC LIMIT 1
), joined AS (
    SELECT n.*, k.version AS known_version, k.version_key AS known_key,
           k.checksum AS known_checksum,
           n.status IN ('applied', 'baseline', 'repaired', 'adopted') AS is_applied,
           k.version_key <= (SELECT b.key FROM base AS b) AS below_baseline
      FROM newest AS n FULL JOIN known AS k ON n.version_key = k.version_key
), versions AS (
    SELECT COALESCE(j.version, j.known_version) AS version,
           j.name,
           CASE
               WHEN $1 IS NULL THEN j.status
               WHEN j.status = 'baseline' THEN 'baseline'
               WHEN j.known_version IS NULL THEN 'missing'
               WHEN j.is_applied IS NOT TRUE AND j.below_baseline THEN 'baseline'
               WHEN j.is_applied IS NOT TRUE THEN 'pending'
               WHEN j.checksum IS NULL THEN 'applied'
               WHEN j.known_checksum IS DISTINCT FROM j.checksum
                    AND pg_catalog.get_byte(j.version_key, 0) = 255 THEN 'pending'
               WHEN j.known_checksum IS DISTINCT FROM j.checksum THEN 'changed'
               ELSE 'applied'
           END AS state,
           j.checksum,
           j.known_checksum AS file_checksum,
           j.applied_at, j.applied_by, j.statements, j.duration, j.out_of_order, j.script_summarised,
           COALESCE(j.version_key, j.known_key) AS sort_key
      FROM joined AS j
     WHERE $1 IS NULL OR j.known_version IS NOT NULL OR j.is_applied
)
)SQL";

// script_summarised: 0.16's column (of the ledger and of the result).
constexpr const char* kStatusColumns =
    "SELECT version, name, state, checksum, file_checksum, applied_at, applied_by, statements, "
    "duration, out_of_order@result_summarised@ FROM ";

// With migrate.ddl_log (0.3 on), one more row, state 'drift', when DDL was
// made outside migrations since the last migration: name lists the objects,
// applied_at is the last such change, applied_by the roles, statements the
// number of changes.  migrate_out_of_band_ddl() has them object by object.
constexpr const char* kDriftCte = R"SQL(
, drift AS (
    SELECT NULL::text AS version,
           'out-of-band DDL: ' || pg_catalog.array_to_string(
               (pg_catalog.array_agg(DISTINCT COALESCE(o.object_identity, o.command_tag)))[1:5], ', ')
           || CASE WHEN pg_catalog.count(DISTINCT COALESCE(o.object_identity, o.command_tag)) > 5
                   THEN ', ...' ELSE '' END AS name,
           'drift'::text AS state, NULL::text AS checksum, NULL::text AS file_checksum,
           pg_catalog.max(o.logged_at) AS applied_at,
           pg_catalog.string_agg(DISTINCT o.role, ', ') AS applied_by,
           pg_catalog.count(*)::integer AS statements,
           NULL::interval AS duration, NULL::boolean AS out_of_order, NULL::boolean AS script_summarised,
           NULL::bytea AS sort_key
      FROM out_of_band AS o
    HAVING pg_catalog.count(*) > 0
)
)SQL";

// One row, state 'running', per migration other sessions of this database
// are running now (the executor shows "pg_migrate: migration V, statement n
// of N: TAG" as its backend's query): name says where it is, what lock it
// waits for and who holds it; applied_at is when the migrate_apply call
// began, applied_by the role running it, statements N.  The migration is the
// ledger's business, shown to whoever may call this; what a blocking session
// is doing (state, transaction age, query) only to a caller entitled to see
// it in pg_stat_activity ($2 is the caller: this query runs as the ledger
// owner), others see its pid and application as pg_stat_activity shows them.
constexpr const char* kRunningCte = R"SQL(
, running AS (
    SELECT p.m[1] AS version,
           'statement ' || p.m[2] || ' of ' || p.m[3] || ': ' || p.m[4]
               || COALESCE('; waiting for ' || w.lock, '')
               || COALESCE('; blocked by ' || b.blockers, '') AS name,
           'running'::text AS state, NULL::text AS checksum, NULL::text AS file_checksum,
           a.query_start AS applied_at, a.usename::text AS applied_by, p.m[3]::integer AS statements,
           pg_catalog.date_trunc('milliseconds', pg_catalog.clock_timestamp() - a.query_start) AS duration,
           NULL::boolean AS out_of_order, NULL::boolean AS script_summarised,
           migrate.version_key(p.m[1]) AS sort_key
      FROM pg_catalog.pg_stat_activity AS a
     CROSS JOIN LATERAL (SELECT pg_catalog.regexp_match(a.query,
               '^pg_migrate: migration (.+), statement ([0-9]+) of ([0-9]+): (.*)$') AS m) AS p
      LEFT JOIN LATERAL (
           SELECT l.mode || ' on ' || COALESCE(l.relation::pg_catalog.regclass::text, l.locktype) AS lock
             FROM pg_catalog.pg_locks AS l
            WHERE l.pid = a.pid AND NOT l.granted
            LIMIT 1) AS w ON true
      LEFT JOIN LATERAL (
           SELECT pg_catalog.string_agg(
                      CASE WHEN pg_catalog.pg_has_role($2, h.usesysid, 'USAGE')
                             OR pg_catalog.pg_has_role($2, 'pg_read_all_stats', 'USAGE')
                           THEN pg_catalog.format('pid %s (application "%s", %s, transaction open for %s): %s',
                                    h.pid, h.application_name, h.state,
                                    pg_catalog.date_trunc('seconds', pg_catalog.clock_timestamp() - h.xact_start),
                                    pg_catalog.left(h.query, 200))
                           ELSE pg_catalog.format('pid %s (application "%s"): <insufficient privilege>',
                                    h.pid, h.application_name) END,
                      ', ' ORDER BY h.pid) AS blockers
             FROM pg_catalog.unnest(pg_catalog.pg_blocking_pids(a.pid)) AS k(pid)
             JOIN pg_catalog.pg_stat_activity AS h ON h.pid = k.pid) AS b ON true
     WHERE a.state = 'active' AND a.datname = pg_catalog.current_database()
       AND a.pid <> pg_catalog.pg_backend_pid()
       AND a.query LIKE 'pg_migrate: migration %' AND p.m IS NOT NULL
)
)SQL";

// One row per migration handed to the server's runner (migrate_submit, 0.13
// on) and not finished: state 'queued', or 'running' with name saying which
// statement the runner is on and what it waits for.  A runner applying a
// migration in one transaction shows as the running CTE's row instead (its
// migrate_apply call names the statement).
constexpr const char* kSubmittedCte = R"SQL(
, submitted AS (
    SELECT s.version,
           CASE WHEN s.status = 'queued' THEN 'queued for the server''s runner'
                ELSE 'statement ' || COALESCE(s.statement::text, '?') || ' of ' || COALESCE(s.statements::text, '?')
                     || COALESCE(' (line ' || s.line || ')', '')
                     || ', run by the server''s runner'
                     || COALESCE(' (pid ' || s.worker_pid || ')', '')
                     || COALESCE('; waiting for ' || w.lock, '')
                     || CASE WHEN w.lock IS NULL AND a.wait_event IS NOT NULL
                             THEN '; waiting on ' || a.wait_event_type || ' ' || a.wait_event ELSE '' END
                     || COALESCE('; blocked by ' || b.pids, '')
           END AS name,
           s.status AS state, s.checksum, NULL::text AS file_checksum,
           s.submitted_at AS applied_at, s.submitted_by AS applied_by, s.statements,
           pg_catalog.date_trunc('milliseconds',
               pg_catalog.clock_timestamp() - COALESCE(s.started_at, s.submitted_at)) AS duration,
           NULL::boolean AS out_of_order, NULL::boolean AS script_summarised,
           s.version_key AS sort_key
      FROM migrate.submissions AS s
      LEFT JOIN pg_catalog.pg_stat_activity AS a ON a.pid = s.worker_pid
      LEFT JOIN LATERAL (
           SELECT l.mode || ' on ' || COALESCE(l.relation::pg_catalog.regclass::text, l.locktype) AS lock
             FROM pg_catalog.pg_locks AS l
            WHERE l.pid = s.worker_pid AND NOT l.granted
            LIMIT 1) AS w ON true
      LEFT JOIN LATERAL (
           SELECT pg_catalog.string_agg(CASE WHEN k.pid = 0 THEN 'a prepared transaction'
                                             ELSE 'pid ' || k.pid END, ', ' ORDER BY k.pid) AS pids
             FROM pg_catalog.unnest(pg_catalog.pg_blocking_pids(s.worker_pid)) AS k(pid)) AS b ON true
     WHERE s.status = 'queued' OR (s.status = 'running' AND NOT s.in_transaction)
)
)SQL";

constexpr const char* kOutOfBandRows = R"SQL(
SELECT o.object_type, o.object_identity, pg_catalog.count(*)::integer,
       pg_catalog.min(o.logged_at), pg_catalog.max(o.logged_at),
       (pg_catalog.array_agg(o.command_tag ORDER BY o.id DESC))[1],
       pg_catalog.string_agg(DISTINCT o.role, ', '),
       (pg_catalog.array_agg(o.statement_text ORDER BY o.id DESC))[1]
  FROM out_of_band AS o
 GROUP BY o.object_type, o.object_identity
 ORDER BY pg_catalog.max(o.logged_at), o.object_identity
)SQL";

// The status query: the versions, with the running migrations (only when a
// backend shows one: planning pg_stat_activity and pg_locks is most of what a
// new session's first call costs) and the drift row (migrate.ddl_log, 0.3
// on), and the migrations submitted to the server's runner (0.13 on).  A
// running or queued migration sorts after the pending row of its version.
std::string with(std::string text, const std::string& placeholder, const std::string& value) {
    const std::size_t at = text.find(placeholder);
    if (at != std::string::npos) text.replace(at, placeholder.size(), value);
    return text;
}

std::string status_query(bool running, bool drift, bool submitted, bool summarised) {
    std::string sql = with(kVersionsCte, "@script_summarised@", summarised ? "l.script_summarised" : "NULL::boolean");
    if (running) sql += kRunningCte;
    if (drift) sql += std::string(", ") + pgm::kOutOfBandCte + kDriftCte;
    if (submitted) sql += kSubmittedCte;
    sql += with(kStatusColumns, "@result_summarised@", summarised ? ", script_summarised" : "") + "(SELECT * FROM versions";
    if (running) sql += " UNION ALL SELECT * FROM running";
    if (drift) sql += " UNION ALL SELECT * FROM drift";
    if (submitted) sql += " UNION ALL SELECT * FROM submitted";
    return sql + ") AS s ORDER BY sort_key NULLS LAST, state IN ('running', 'queued')";
}
const std::string kOutOfBandQuery = std::string("WITH ") + pgm::kOutOfBandCte + kOutOfBandRows;

}  // namespace

PGM_FUNCTION(migrate_status) {
    using namespace pgm;
    Oid types[2] = {JSONBOID, OIDOID};
    Datum values[2] = {0, pg_call(pg::caller_role_datum)};
    char nulls[2] = {'n', ' '};
    if (!pg_call(pg::arg_is_null, fcinfo, 0)) {
        values[0] = pg_call(pg::datum_arg, fcinfo, 0);
        nulls[0] = ' ';
        const pg::KeyList* keys = pg_call(pg::jsonb_object_keys_of, values[0],
                                          static_cast<const char*>("known"));
        for (int i = 0; i < keys->count; ++i) {
            if (auto problem = core::version_problem(keys->keys[i]))
                throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                                std::string("invalid migration version \"") + keys->keys[i] +
                                    "\" in known",
                                *problem);
        }
    }
    // Each of the sixteen forms is prepared once per backend, when first needed.
    static SPIPlanPtr plans[2][2][2][2] = {};
    // 0.16's result column (the library may serve an older installation).
    const bool summarised = pg_call(pg::result_columns, fcinfo) > 10;
    const bool running = pg_call(pg::another_backend_runs_a_migration);
    const bool drift = pg_call(pg::ddl_log_installed);
    // Like the running rows, only when there are some: the pg_stat_activity and
    // pg_locks joins are what planning a new session's first call costs.
    const bool submitted = pg_call(pg::submissions_under_way);
    const std::string sql = status_query(running, drift, submitted, summarised);
    pg_call(pg::query_into_srf, fcinfo, &plans[running][drift][submitted][summarised], sql.c_str(), 2, static_cast<Oid*>(types),
            static_cast<Datum*>(values), static_cast<const char*>(nulls));
    return Datum(0);
}

PGM_FUNCTION(migrate_out_of_band_ddl) {
    using namespace pgm;
    static SPIPlanPtr plan = nullptr;
    pg_call(pg::query_into_srf, fcinfo, &plan, kOutOfBandQuery.c_str(), 0, static_cast<Oid*>(nullptr),
            static_cast<Datum*>(nullptr), static_cast<const char*>(nullptr));
    return Datum(0);
}

PGM_FUNCTION(migrate_version) {
    using namespace pgm;
    const pg::LedgerRow* top = pg_call(pg::highest_applied_above, static_cast<const char*>(nullptr), 0, false);
    if (!top->found) {
        fcinfo->isnull = true;
        return Datum(0);
    }
    return pg_call(pg::text_result, top->version);
}
