// migrate_verify's check of the DDL typed on a Citus cluster's workers, run
// on its coordinator.
//
// PG zone.  Citus creates pg_migrate on every worker with the coordinator's,
// and a worker's event triggers log what is typed there (a shard changed by
// hand, an object made on one node only) as out of band, in its own
// migrate.ddl_log; Citus's own propagation is not logged (citus.hpp).  This
// reads those logs from the coordinator, where the check is scheduled: one
// finding per object changed on a worker since the last migration, as
// out_of_band_ddl gives for the coordinator's.
#pragma once

#include "../verify.hpp"

namespace pgm::pg {

// (object on node, what was done) per object; a worker whose log could not
// be read is one finding too.
Findings* worker_out_of_band_ddl();

}  // namespace pgm::pg
