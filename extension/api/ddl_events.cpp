// The event trigger functions of sql/pg_migrate--0.2--0.3.sql.  The work is
// PostgreSQL-side (pg/ddl_events.cpp); these entries only cross the bridge.
#include "../bridge/entry.hpp"
#include "../pg/ddl_events.hpp"

PGM_FUNCTION(migrate_ddl_command_start) {
    pgm::pg_call(pgm::pg::guard_ddl_command_start, fcinfo);
    return Datum(0);
}

PGM_FUNCTION(migrate_ddl_command_end) {
    pgm::pg_call(pgm::pg::log_ddl_command_end, fcinfo);
    return Datum(0);
}

PGM_FUNCTION(migrate_sql_drop) {
    pgm::pg_call(pgm::pg::log_sql_drop, fcinfo);
    return Datum(0);
}

PGM_FUNCTION(migrate_table_rewrite) {
    pgm::pg_call(pgm::pg::log_table_rewrite, fcinfo);
    return Datum(0);
}
