// The schema snapshot: migrate.schema_objects, kept by migrations, compared
// by migrate_verify()'s schema_drift check.
//
// PG zone.  After each migration the objects it touched (found through the
// catalog addresses migrate.ddl_log recorded for its commands, and what
// depends on them) are described again (schema_description.hpp) and stored;
// nothing else is read, so a migration on a database of 10,000 tables costs
// what it touched, not a scan of the schema.  The whole schema is described
// when there is no snapshot yet, when some of the migration's DDL may have
// gone unseen (session_replication_role = replica, the logging event triggers
// disabled), and by migrate_snapshot().  A batch of migrations can leave the
// recording to its end (migrate.defer_schema_snapshot): the log rows after
// recorded_through are what is owed, described in one go.
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

// Whether migrate.schema_objects exists (extension version 0.5 on).
bool schema_snapshot_installed();
// Whether a snapshot has been recorded (by a migration, a baseline, ...).
bool schema_snapshot_taken();

// Called before each statement of a migration runs, and after a step of the
// non-transactional path: remembers when DDL may run unseen by the event
// triggers.  A new migration starts with forget_unseen_ddl().
void watch_for_unseen_ddl();
void forget_unseen_ddl();

// After migration `version` (started at `since`, a TimestampTz) succeeded:
// records the objects it touched, and what earlier migrations left owed.
// With migrate.defer_schema_snapshot on it records nothing (the log keeps
// what is owed), unless the migration's DDL may have gone unseen.
void record_migration_schema(const char* version, int64 since);

// Records what migrations logged since the snapshot was last brought up to
// date (migrate.schema_snapshot.recorded_through, 0.6 on); returns the number
// of objects described.  Call with the ledger locked.
int64 record_owed_schema();
// Whether migrations logged DDL the snapshot does not include yet.
bool schema_recording_owed();
// Starts a background worker that does record_owed_schema() under the ledger
// lock in a transaction of its own (schema_recording_worker.cpp); false when
// no worker could be registered (max_worker_processes reached).
bool start_schema_recording_worker();

// In a sql_drop event trigger of a migration's statement: removes every
// object the statement dropped from the snapshot, the parts that went with
// them included (an identity sequence, a composite type's relation).
void forget_dropped_objects();

// Records the whole live schema as the expected one; returns the number of
// objects.  `reason` may be NULL.
int64 record_whole_schema(const char* reason);
// The same, each object recorded as left by `version` (a baseline).
int64 record_whole_schema_as(const char* version, const char* reason);

// The live schema against the snapshot, within migrate.schemas.
struct SchemaDifference {
    const char* object_type;
    const char* identity;
    const char* recorded;  // NULL: not in the snapshot (added)
    const char* live;      // NULL: no longer exists (removed)
    const char* version;   // the migration that recorded it, if any
};
struct SchemaDifferences {
    bool snapshot_taken;  // false: no migration has recorded one yet
    int objects;          // objects in the snapshot
    int count;
    SchemaDifference* rows;
};
SchemaDifferences* schema_differences();

}  // namespace pgm::pg
