// The extension's settings (GUCs), all under the reserved prefix "migrate.".
// PG zone.  Defined when a backend loads the library (_PG_init).
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

enum GuardMode { kGuardOff, kGuardWarn, kGuardBlock };

// migrate.guard (superuser): whether DDL outside a migration is allowed,
// reported (warn) or refused (block).  See ddl_events.hpp.
extern int guard_setting;

// migrate.schemas: the schemas migrate_verify covers, comma-separated; empty
// (the default) means every schema but the system ones and "migrate".
extern char* schemas_setting;

// migrate.defer_schema_snapshot: migrations leave recording what they changed
// in the schema snapshot to migrate_record_schema() (or the next migration,
// or migrate_verify()), so a batch of migrations is described once.
extern bool defer_schema_snapshot_setting;

// migrate.refuse: the risks (pg/safety/classifier.hpp) a migration is refused
// for unless allowed, comma-separated; default "data_loss".
extern char* refuse_setting;

// migrate.lock_timeout (ms) and migrate.lock_retries: how long each statement
// of a migration waits for a lock, and how often that wait is tried again.
extern int lock_timeout_setting;
extern int lock_retries_setting;

// migrate.report: every migration collects the evidence a dry run returns
// (rows, locks taken, tables rewritten per statement) as migrate_apply's
// `report`; off by default because it scans the lock table per statement.
extern bool report_setting;

void define_settings();

}  // namespace pgm::pg
