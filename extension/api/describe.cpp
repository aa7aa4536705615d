// migrate_describe(): the live schema as pg_migrate describes it, one row per
// object, by the very query schema_drift compares with its snapshot
// (core/schema_description.hpp), within migrate.schemas.  What a diff of two
// databases reads on each side.
//
// It reads only the system catalogs, which every role that may connect can
// read, so EXECUTE is granted to PUBLIC; the query runs with search_path
// pinned (query_into_srf), so a hostile search_path changes nothing.
#include "../bridge/entry.hpp"
#include "../pg/ledger.hpp"
#include "../core/schema_description.hpp"
#include "../pg/verify.hpp"

extern "C" {
#include "catalog/pg_type.h"
}

namespace {

constexpr const char* kDescribe = PGM_DESCRIBE_LISTING(PGM_COVERED("d.schema_name"));

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
