// What migrate_verify() reads and writes on the PostgreSQL side.
//
// PG zone.  The checks themselves (api/verify.cpp) decide what is a problem;
// this file runs their catalog queries as the ledger's owner with a pinned
// search_path, reads the ledger's hash chain, runs the migrations' verify
// queries as the caller, and records each run in migrate.verify_log.
#pragma once

#include "../bridge/pg_headers.hpp"

extern "C" {
#include "executor/spi.h"
}

// Schemas a check covers, as an SQL condition on the schema name `nsp`:
// migrate.schemas ($1, text[]) or, when it is not set, every schema but the
// system ones and pg_migrate's own.
#define PGM_COVERED(nsp)                                                                         \
    "(CASE WHEN $1 IS NULL THEN " nsp " NOT IN ('pg_catalog', 'information_schema', 'pg_toast', " \
    "'migrate') AND " nsp " !~ '^pg_(toast_)?temp_' ELSE " nsp " = ANY ($1) END)"

namespace pgm::pg {

// migrate.schemas as a text[] datum for $1 of PGM_COVERED; *isnull when it is
// empty (the default: every schema).
Datum covered_schemas(bool* isnull);

// Objects a check found wrong: its query's rows (object text, detail text).
struct Findings {
    int count;
    const char** objects;
    const char** details;
};
// Runs `sql` with $1 = the schemas migrate.schemas names (text[], NULL for
// "every non-system schema") and, when text_param is given, $2 = that text;
// the plan is kept in *plan_slot.
Findings* query_findings(SPIPlanPtr* plan_slot, const char* sql, const char* text_param = nullptr);

// The ledger as hashed: every row in id order, with the fields of the hash.
struct ChainRow {
    int64 id;
    const char* version;
    const char* name;
    const char* status;
    const char* checksum;
    const char* fingerprint;
    const char* script;
    const char* down;
    const char* verify;
    bool out_of_order;
    int64 statements;
    int64 applied_at;  // TimestampTz
    const char* applied_by;
    const char* application_name;
    const char* client_addr;
    int64 duration_us;
    const char* prev_hash;
    const char* hash;
    int hash_format;
    const char* reason;             // the last three: 0.6 on
    const char* previous_checksum;
    const char* adopted_from;
    const char* risk;
};
struct ChainRows {
    int count;
    ChainRow* rows;
};
ChainRows* read_chain();

// The verify query of every applied version that has one, and the role that
// applied it.
struct VerifyQueries {
    int count;
    const char** versions;
    const char** queries;
    const char** roles;
};
VerifyQueries* applied_verify_queries();

// Runs a verify query read-only, in a subtransaction, with the rights of
// `role` (the role that applied the migration and so wrote the query: whoever
// runs migrate_verify, a superuser's scheduled job included, never lends a
// migration more rights than its author had).  NULL when it returned true,
// otherwise what it did instead (false, no row, an error message).  An error
// never escapes.
const char* run_verify_query(const char* sql, const char* role);

// One run of migrate_verify, for migrate.verify_log.
struct VerifyRun {
    bool ok;
    int checks;
    int64 duration_us;
    int failures;
    const char** check_names;
    const char** objects;
    const char** details;
};
// Records the run in the caller's transaction; a failing run also sends
// NOTIFY migrate_verify (delivered when the caller commits).
void record_verify_run(const VerifyRun* run);
// The same in a background worker's own transaction, committed whatever the
// caller does next (raise => true).  False when no worker could do it.
bool record_verify_run_detached(const VerifyRun* run);

// Inserts the log row (and the NOTIFY of a failing run) with SPI connected
// and search_path pinned; role, application and pid are the verifying
// session's.  Shared by both ways of recording.
void insert_verify_log(const VerifyRun* run, const char* role, const char* application_name, int pid);

// The result rows of migrate_verify.
struct VerifyRow {
    const char* check_name;
    const char* object;  // NULL on a check's "ok" row
    bool ok;
    const char* detail;
};
void verify_result(FunctionCallInfo fcinfo, const VerifyRow* rows, int count);

}  // namespace pgm::pg
