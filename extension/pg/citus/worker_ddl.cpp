// PG zone: see worker_ddl.hpp.
#include "worker_ddl.hpp"

namespace pgm::pg {
namespace {

SPIPlanPtr worker_ddl_plan;

// What each worker runs ($2 of kWorkerDdl): its log's rows made outside any
// migration since @SINCE@ (the coordinator's last migration), an object a
// row, as a JSON array; @SCHEMAS@ is migrate.schemas (NULL: every schema).
constexpr const char* kWorkerCommand =
    "SELECT pg_catalog.json_agg(pg_catalog.json_build_array(o.object, o.times, o.last_tag, o.last_at, o.last_role) "
    "ORDER BY o.last_at, o.object) FROM ("
    " SELECT COALESCE(d.object_identity, d.command_tag) AS object, pg_catalog.count(*) AS times,"
    "  (pg_catalog.array_agg(d.command_tag ORDER BY d.id DESC))[1] AS last_tag,"
    "  pg_catalog.to_char(pg_catalog.max(d.logged_at), 'YYYY-MM-DD HH24:MI:SSOF') AS last_at,"
    "  (pg_catalog.array_agg(d.role ORDER BY d.id DESC))[1] AS last_role"
    " FROM migrate.ddl_log AS d"
    " WHERE d.version IS NULL AND d.logged_at > @SINCE@::pg_catalog.timestamptz"
    "   AND (@SCHEMAS@::pg_catalog.text[] IS NULL OR d.schema_name IS NULL"
    "        OR d.schema_name = ANY (@SCHEMAS@::pg_catalog.text[]))"
    " GROUP BY 1) AS o";

constexpr const char* kWorkerDdl =
    "WITH since AS ("
    "  SELECT COALESCE(pg_catalog.max(l.applied_at), '-infinity') AS t FROM migrate.ledger AS l), "
    "answers AS MATERIALIZED ("
    "  SELECT r.nodename, r.nodeport, r.success, r.result"
    "    FROM pg_catalog.run_command_on_workers(pg_catalog.replace(pg_catalog.replace($2,"
    "           '@SINCE@', pg_catalog.quote_literal((SELECT t FROM since)::pg_catalog.text)),"
    "           '@SCHEMAS@', COALESCE(pg_catalog.quote_literal($1::pg_catalog.text), 'NULL'))) AS r) "
    "SELECT pg_catalog.format('%s on %s:%s', j.value ->> 0, a.nodename, a.nodeport),"
    "       pg_catalog.format('%s on the worker outside migrations since the last migration (the last: %s at %s "
    "by %s)', CASE (j.value ->> 1)::pg_catalog.int8 WHEN 1 THEN 'changed once'"
    "              ELSE 'changed ' || (j.value ->> 1) || ' times' END,"
    "         j.value ->> 2, j.value ->> 3, j.value ->> 4)"
    "  FROM answers AS a, pg_catalog.json_array_elements(CASE WHEN a.success AND a.result <> ''"
    "                                                    THEN a.result::pg_catalog.json END) AS j "
    "UNION ALL "
    "SELECT pg_catalog.format('node %s:%s', a.nodename, a.nodeport), 'could not read its DDL log: ' || a.result"
    "  FROM answers AS a WHERE NOT a.success "
    "ORDER BY 1";

}  // namespace

Findings* worker_out_of_band_ddl() { return query_findings(&worker_ddl_plan, kWorkerDdl, kWorkerCommand); }

}  // namespace pgm::pg
