// Out-of-band DDL: rows of migrate.ddl_log made outside any migration since
// the last migration (the newest applied_at of the ledger).  Shared by
// migrate_status, migrate_out_of_band_ddl and migrate_verify.
#pragma once

namespace pgm {

// A WITH-list item "out_of_band AS (...)" (no leading WITH or comma).
inline constexpr const char* kOutOfBandCte = R"SQL(
out_of_band AS (
    SELECT d.*
      FROM migrate.ddl_log AS d
     WHERE d.version IS NULL
       AND d.logged_at > (SELECT COALESCE(pg_catalog.max(l.applied_at), '-infinity')
                            FROM migrate.ledger AS l)
)
)SQL";

// The same rows as statements, in the order they ran: the rows one statement
// logged (one per object it touched) share its transaction, backend and text
// and follow each other.  A down script's rows are not out of band.  What
// migrate_out_of_band_statements() returns, what `pg_migrate pull` writes,
// and what a pulled migration's statements are matched with.
inline constexpr const char* kOutOfBandStatements = R"SQL(
, runs AS (
    SELECT o.id, o.logged_at, o.role, o.session_role, o.application_name, o.command_tag,
           o.object_type, o.object_identity, o.statement_text,
           CASE WHEN (o.xid, o.backend_pid, o.statement_text) IS NOT DISTINCT FROM
                     (pg_catalog.lag(o.xid) OVER w, pg_catalog.lag(o.backend_pid) OVER w,
                      pg_catalog.lag(o.statement_text) OVER w)
                THEN 0 ELSE 1 END AS starts
      FROM out_of_band AS o
     WHERE NOT o.reverting
    WINDOW w AS (ORDER BY o.id)
), numbered AS (
    SELECT r.*, pg_catalog.sum(r.starts) OVER (ORDER BY r.id) AS n FROM runs AS r
)
SELECT n.n::integer AS statement,
       pg_catalog.min(n.logged_at) AS logged_at,
       (pg_catalog.array_agg(n.role ORDER BY n.id))[1] AS role,
       (pg_catalog.array_agg(n.session_role ORDER BY n.id))[1] AS session_role,
       (pg_catalog.array_agg(n.application_name ORDER BY n.id))[1] AS application_name,
       (pg_catalog.array_agg(n.command_tag ORDER BY n.id))[1] AS command,
       pg_catalog.string_agg(DISTINCT n.object_type || ' ' || n.object_identity, ', ') AS objects,
       (pg_catalog.array_agg(n.statement_text ORDER BY n.id))[1] AS sql,
       pg_catalog.array_agg(n.id ORDER BY n.id) AS ddl_log_ids
  FROM numbered AS n
 GROUP BY n.n
 ORDER BY n.n
)SQL";

}  // namespace pgm
