// migrate_verify's check of a Citus cluster's shards, run on its coordinator.
//
// PG zone.  Every shard placement of every distributed table (and reference
// table) in the covered schemas is compared with its table here: the same
// columns and types, indexes and constraints.  A column dropped by hand from
// one shard on one worker is one finding naming the table, the shard, the
// node and what differs.  A node that cannot be reached is one finding too.
#pragma once

#include "../verify.hpp"

namespace pgm::pg {

// This server is a Citus coordinator: Citus is loaded, installed in this
// database, and says so (citus_is_coordinator()).
bool citus_coordinator();

struct ShardCheck {
    Findings* differences;  // (object, detail) per shard that differs or node that failed
    int64 tables;           // tables with shards, in the covered schemas
    int64 placements;       // their shard placements, all checked
};
ShardCheck* check_shards();

}  // namespace pgm::pg
