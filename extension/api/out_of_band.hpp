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

}  // namespace pgm
