// DDL recorded outside migrations (migrate.ddl_log rows without a version),
// read statement by statement, and given to a migration afterwards: what a
// pulled migration does on the database the DDL first ran on
// (core/recorded_ddl.hpp).
//
// PG zone.
#pragma once

#include "../bridge/pg_headers.hpp"

extern "C" {
#include "executor/spi.h"
}

namespace pgm::pg {

struct RecordedStatement {
    const char* sql;        // the statement's text as it was logged
    const char* logged_at;  // text, for messages
    const char* role;
    int id_count;
    const int64* ids;       // its migrate.ddl_log rows
};

struct RecordedStatements {
    int count;
    const RecordedStatement* items;
};

// The rows of `sql` (statement, logged_at, role, session_role,
// application_name, command, objects, sql, ddl_log_ids: api/out_of_band.hpp),
// read as the ledger's owner; in the caller's memory context.
const RecordedStatements* read_recorded_statements(SPIPlanPtr* plan_slot, const char* sql);

// Statement `statement` of migration `version` already ran here as
// `recorded`: its logged rows become the statement's (the migration records
// what they did), with a NOTICE saying so; it is not run again.
void record_already_run(const char* version, int statement, const RecordedStatement* recorded);

}  // namespace pgm::pg
