// migrate_status(known jsonb DEFAULT NULL) and migrate_version().
//
// Both read the ledger as its owner (pg/ledger.cpp), so EXECUTE on the
// function is all a role needs to see where the database stands.
#include "../core/version.hpp"
// PostgreSQL headers only after the pure C++ ones.
#include "../bridge/entry.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"

extern "C" {
#include "catalog/pg_type.h"
}

namespace {

// One row per version, its newest ledger row.  Without `known` ($1 IS NULL) the
// state is the ledger's status.  With `known` (the versions a client has on
// disk with their checksums) the state is applied, changed (applied with
// another checksum), pending (on disk, not applied) or missing (applied, not on
// disk).  Reverted versions absent from disk are left out.  A repeatable
// migration (R__name) whose script changed is pending: it is applied again.
constexpr const char* kStatusQuery = R"SQL(
WITH newest AS (
    SELECT DISTINCT ON (l.version_key)
           l.version, l.version_key, l.name, l.status, l.checksum, l.applied_at,
           l.applied_by, l.statements, l.duration, l.out_of_order
      FROM migrate.ledger AS l
     ORDER BY l.version_key, l.id DESC
), known AS (
    SELECT k.key AS version,
           migrate.version_key(k.key) AS version_key,
           pg_catalog.lower(CASE pg_catalog.jsonb_typeof(k.value)
                                WHEN 'object' THEN k.value ->> 'checksum'
                                ELSE k.value #>> '{}' END) AS checksum
      FROM pg_catalog.jsonb_each($1) AS k
), joined AS (
    SELECT n.*, k.version AS known_version, k.version_key AS known_key,
           k.checksum AS known_checksum,
           n.status IN ('applied', 'baseline', 'repaired', 'adopted') AS is_applied
      FROM newest AS n FULL JOIN known AS k ON n.version_key = k.version_key
)
SELECT COALESCE(j.version, j.known_version) AS version,
       j.name,
       CASE
           WHEN $1 IS NULL THEN j.status
           WHEN j.known_version IS NULL THEN 'missing'
           WHEN j.is_applied IS NOT TRUE THEN 'pending'
           WHEN j.known_checksum IS DISTINCT FROM j.checksum
                AND pg_catalog.get_byte(j.version_key, 0) = 255 THEN 'pending'
           WHEN j.known_checksum IS DISTINCT FROM j.checksum THEN 'changed'
           ELSE 'applied'
       END AS state,
       j.checksum,
       j.known_checksum AS file_checksum,
       j.applied_at, j.applied_by, j.statements, j.duration, j.out_of_order
  FROM joined AS j
 WHERE $1 IS NULL OR j.known_version IS NOT NULL OR j.is_applied
 ORDER BY COALESCE(j.version_key, j.known_key)
)SQL";

}  // namespace

PGM_FUNCTION(migrate_status) {
    using namespace pgm;
    Oid types[1] = {JSONBOID};
    Datum values[1] = {0};
    char nulls[1] = {'n'};
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
    static SPIPlanPtr status_plan = nullptr;  // prepared once per backend
    pg_call(pg::query_into_srf, fcinfo, &status_plan, kStatusQuery, 1, static_cast<Oid*>(types),
            static_cast<Datum*>(values), static_cast<const char*>(nulls));
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
