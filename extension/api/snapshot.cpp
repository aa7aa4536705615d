// migrate_snapshot(reason text DEFAULT NULL) -> bigint
//
// Records the whole live schema in migrate.schema_objects as what the ledger
// expects, accepting every difference migrate_verify()'s schema_drift check
// reported (a hand-made fix that is to stay, say).  Returns how many objects
// were recorded.  Serialised with migrations by the ledger lock; who did it,
// when and why is kept in migrate.schema_snapshot.
#include "../bridge/entry.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/schema_snapshot.hpp"
#include "errors.hpp"
#include "rules.hpp"

PGM_FUNCTION(migrate_snapshot) {
    using namespace pgm;
    const std::optional<std::string> reason = optional_text_arg(fcinfo, 0);
    if (!pg_call(pg::schema_snapshot_installed))
        throw UserError(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "the schema snapshot is not installed",
                        "migrate.schema_objects does not exist.",
                        "ALTER EXTENSION pg_migrate UPDATE; installs it.");
    pg_call(pg::lock_ledger);
    const int64 objects = pg_call(pg::record_whole_schema, reason ? reason->c_str() : nullptr);
    return pg_call(pg::int64_result, objects);
}

// migrate_record_schema() -> bigint
//
// Records what the migrations applied since the snapshot was last brought up
// to date changed (those applied with migrate.defer_schema_snapshot = on):
// the client calls it once at the end of a run.  Returns how many objects
// were described.  Nothing is accepted that a migration did not log.
PGM_FUNCTION(migrate_record_schema) {
    using namespace pgm;
    pg_call(pg::lock_ledger);
    return pg_call(pg::int64_result, pg_call(pg::record_owed_schema));
}

// migrate_record_schema_in_background() -> boolean
//
// The same as migrate_record_schema(), done by a background worker after
// this call returns (and after the calling transaction, if it holds the
// ledger lock): the client calls it at the end of a run, so the run does not
// wait for the recording.  Returns false when no worker could be started;
// then call migrate_record_schema().
PGM_FUNCTION(migrate_record_schema_in_background) {
    using namespace pgm;
    return pg_call(pg::bool_result, pg_call(pg::start_schema_recording_worker));
}
