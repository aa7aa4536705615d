// The ledger table migrate.ledger, read and written only from here.
//
// PG zone.  Every query runs as the ledger's owner, with search_path pinned to
// "pg_catalog, pg_temp", through plans prepared once per backend.  The
// caller's rights are never used to touch the ledger, so the right to migrate
// is exactly EXECUTE on the functions, and a hostile search_path (objects named
// like ours in another schema) cannot change what these queries mean.  What
// every migration does (its lookups, the last hash, its row) goes without SPI:
// index scans and a RowWriter, which resolve no names through search_path.
#pragma once

#include "../bridge/pg_headers.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/snapshot.h"
}

namespace pgm::pg {

// Runs the enclosed SPI work as the ledger's owner with search_path pinned to
// "pg_catalog, pg_temp" (enter connects SPI, leave disconnects and restores
// user and settings).  Errors in between are cleaned up by the abort.
struct OwnerScope {
    Oid saved_user;
    int saved_security_context;
    int guc_nest_level;
};
void enter_owner_scope(OwnerScope* scope);
// The role that owns the ledger (and the extension's other tables).
Oid ledger_owner();
void leave_owner_scope(const OwnerScope* scope);

// The same with the caller's own rights: SPI work over the caller's tables
// (another tool's history, a table a migration would drop) that must not
// resolve any name through the caller's search_path.
struct CallerScope {
    int guc_nest_level;
};
void enter_caller_scope(CallerScope* scope);
void leave_caller_scope(const CallerScope* scope);

// A plan prepared once per backend and kept across transactions (call inside
// an owner scope).
SPIPlanPtr kept_plan(SPIPlanPtr* slot, const char* sql, int nargs, Oid* argtypes);
// The same, always run with its generic plan: for the big catalog queries
// whose planning costs more than running them (custom plans are tried for
// the first five executions otherwise, each planned anew).
SPIPlanPtr kept_generic_plan(SPIPlanPtr* slot, const char* sql, int nargs, Oid* argtypes);
Datum bytea_datum(const char* bytes, int len);
// Column `column` (1-based) of an SPI result row as text copied into `into`,
// or NULL.
const char* copied_text_column(HeapTuple tuple, TupleDesc desc, int column, MemoryContext into);

// Serialises ledger writers of this database: a transaction-level advisory
// lock, so it is released at commit or rollback.  Waiting for it honours
// lock_timeout and the deadlock detector.
void lock_ledger();

// Under REPEATABLE READ or SERIALIZABLE, raises a serialization failure when
// another session has written the ledger after this transaction's snapshot
// was taken (we would not see its rows and could apply a migration twice).
void check_ledger_snapshot();

// A registered snapshot that sees everything committed so far and this
// transaction's own writes, as SPI's non-read-only queries take: under READ
// COMMITTED a migration committed while we waited for the ledger lock is seen;
// under REPEATABLE READ it is the transaction's (check_ledger_snapshot guards
// it).  For reads without SPI; the caller unregisters it.
Snapshot register_fresh_snapshot();
struct LedgerRow {
    bool found;
    const char* version;
    const char* version_key;  // bytea contents (not NUL-terminated)
    int version_key_len;
    const char* status;
    const char* checksum;
    const char* fingerprint;
    const char* applied_at;   // text, for messages
};

// The newest row of the version whose sort key is `key`, read with a fresh
// snapshot (call it after lock_ledger).
LedgerRow* find_version(const char* key, int key_len);

// The highest version whose newest row is applied and whose key is greater
// than `key` (all versions when key is NULL).  fresh_snapshot: read with a
// new snapshot (writers, after lock_ledger) rather than the caller's
// (read-only callers such as migrate_version).
LedgerRow* highest_applied_above(const char* key, int key_len, bool fresh_snapshot);

// Both of the above in one go (one owner scope, fresh snapshots): the newest
// row of `key`, and the highest applied version above it.
struct VersionLookup {
    LedgerRow existing;
    LedgerRow higher;
};
VersionLookup* lookup_version(const char* key, int key_len);

// A version whose newest ledger row counts as applied, with that row.
struct AppliedVersion {
    const char* version;
    const char* version_key;  // bytea contents
    int version_key_len;
    const char* name;
    const char* status;
    const char* checksum;
    const char* fingerprint;
    const char* script;
    const char* down;
    const char* verify;
    const char* adopted_from;  // NULL with 0.5's tables
};
struct AppliedVersions {
    int count;
    AppliedVersion* rows;
};
// The versions applied above `key` (every version when key_len is 0), newest
// application first: in the reverse of the order they were applied, a repair
// not counting as applying.  Repeatable migrations are left out.  Fresh
// snapshot (call after lock_ledger).
AppliedVersions* applied_versions_above(const char* key, int key_len);
// The version with sort key `key`, when its newest row counts as applied
// (count 0 otherwise).
AppliedVersions* applied_version(const char* key, int key_len);

// The hash of the newest ledger row (fresh snapshot), or NULL when empty.
const char* last_hash();

// Whether table migrate.<table> has a column named `column` (a newer library
// keeps working with the tables of an older installed version).
bool migrate_table_has_column(const char* table, const char* column);

struct LedgerInsert {
    int hash_format;  // 1; 2 with reason ... adopted_from (0.6 on); 3 with risk (0.7 on)
    const char* version;
    const char* version_key;
    int version_key_len;
    const char* name;
    const char* status;
    const char* checksum;
    const char* fingerprint;
    const char* script;
    const char* down;
    const char* verify;
    bool out_of_order;
    int statements;
    int64 applied_at;  // TimestampTz
    const char* applied_by;
    const char* application_name;
    const char* client_addr;
    int64 duration_us;
    const char* prev_hash;
    const char* hash;
    const char* reason;
    const char* previous_checksum;
    const char* adopted_from;
    const char* risk;
    // The script kept is a summary of the one run (a streamed script's COPY
    // data, or what follows its first 16 MB): 0.16's ledger column.
    bool script_summarised;
};

void insert_row(const LedgerInsert* row);

// Facts about the calling session recorded with each row.
struct SessionFacts {
    const char* role;
    const char* application_name;
    const char* client_addr;
    int64 now;
};
SessionFacts* session_facts();
int64 clock_now();

// Runs a read-only query against the ledger as its owner and returns the rows
// through a materialised SRF result (used by migrate_status).
// `plan_slot` keeps the prepared plan for the backend's lifetime.
void query_into_srf(FunctionCallInfo fcinfo, SPIPlanPtr* plan_slot, const char* sql, int nargs,
                    Oid* argtypes, Datum* values, const char* nulls);

}  // namespace pgm::pg
