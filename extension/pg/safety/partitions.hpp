// Partitions of an existing partitioned table: attached (a scan of the new
// partition for its bound) or detached (ACCESS EXCLUSIVE on the parent).
//
// PG zone; internal to safety/ (see statement_builder.hpp).
#pragma once

#include "../../bridge/pg_headers.hpp"

#include "statement_builder.hpp"

namespace pgm::pg::safety {

// ALTER TABLE parent ATTACH PARTITION part.
void analyze_attach_partition(Builder* b, const PartitionCmd* part);

// ALTER TABLE parent DETACH PARTITION part [CONCURRENTLY | FINALIZE].
void analyze_detach_partition(Builder* b, const RangeVar* parent, const PartitionCmd* part);

}  // namespace pgm::pg::safety
