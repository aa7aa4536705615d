// migrate_describe(): the live schema as pg_migrate describes it, one row per
// object, by the very query schema_drift compares with its snapshot
// (pg/schema_description.hpp), within migrate.schemas.  What a diff of two
// databases reads on each side.
//
// It reads only the system catalogs, which every role that may connect can
// read, so EXECUTE is granted to PUBLIC; the query runs with search_path
// pinned (query_into_srf), so a hostile search_path changes nothing.
#include "../bridge/entry.hpp"
#include "../pg/ledger.hpp"
#include "../pg/schema_description.hpp"
#include "../pg/verify.hpp"

extern "C" {
#include "catalog/pg_type.h"
}

namespace {

// parent: the table (view, ...) a column, constraint, index, trigger, policy
// or rule belongs to, schema-qualified; NULL for the rest.  Every column cast
// to text, the result's type (schema_name is a name in the catalog).
constexpr const char* kDescribe =
    "SELECT d.object_type::text, d.identity::text, d.schema_name::text,"
    "       CASE WHEN d.scope_class = 'pg_class'::regclass"
    "             AND d.object_type NOT IN ('table', 'view', 'materialized view', 'sequence', 'foreign table', 'type')"
    "            THEN d.scope_oid::regclass::text END AS parent,"
    "       d.definition::text"
    "  FROM (" PGM_DESCRIBE_WHOLE_SCHEMA ") AS d"
    " WHERE d.schema_name IS NULL OR " PGM_COVERED("d.schema_name")
    " ORDER BY d.schema_name NULLS FIRST, parent NULLS FIRST, d.object_type, d.identity";

}  // namespace

PGM_FUNCTION(migrate_describe) {
    using namespace pgm;
    static SPIPlanPtr plan = nullptr;
    bool isnull = false;
    Datum values[1] = {pg_call(pg::covered_schemas, &isnull)};
    char nulls[1] = {isnull ? 'n' : ' '};
    Oid types[1] = {TEXTARRAYOID};
    pg_call(pg::query_into_srf, fcinfo, &plan, kDescribe, 1, types, values, static_cast<const char*>(nulls));
    return Datum(0);
}
