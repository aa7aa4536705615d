// Functions that look at scripts and versions without touching the database:
//   migrate.version_key(version text) -> bytea   natural sort key
//   migrate_split(script text) -> SETOF (statement, line, command, transactional, sql)
// migrate_split is how a client (or a person) sees the script exactly as
// migrate_apply will run it: split by PostgreSQL's own parser.
#include "../core/version.hpp"
// PostgreSQL headers only after the pure C++ ones.
#include "../bridge/entry.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/script_parser.hpp"
#include "script.hpp"


PGM_FUNCTION(migrate_version_key) {
    using namespace pgm;
    const char* version = pg_call(pg::text_arg, fcinfo, 0);
    if (auto problem = core::version_problem(version))
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        std::string("invalid migration version \"") + version + "\"", *problem);
    const std::string key = core::version_sort_key(version);
    return pg_call(pg::bytea_result, key.data(), static_cast<int>(key.size()));
}

PGM_FUNCTION(migrate_split) {
    using namespace pgm;
    const char* script = pg_call(pg::text_arg, fcinfo, 0);
    const pg::ParsedScript* parsed = parse_script("script", script);
    pg_call(pg::split_result, fcinfo, parsed);
    return Datum(0);
}
