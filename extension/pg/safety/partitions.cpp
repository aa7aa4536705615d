// PG zone: see partitions.hpp.
#include "partitions.hpp"

namespace pgm::pg::safety {

void analyze_attach_partition(Builder* b, const PartitionCmd* part) {
    if (relation_created(b->facts, part->name)) return;
    add_lock(b, part->name, AccessExclusiveLock);
    report_locking(b, part->name, "attaching-partition", display_name(part->name),
                   psprintf("attaching %s scans it to check the partition bound", display_name(part->name)),
                   "Add a CHECK constraint matching the bound (NOT VALID, then VALIDATE) first: the attach then "
                   "skips the scan.");
}

void analyze_detach_partition(Builder* b, const RangeVar* parent, const PartitionCmd* part) {
    if (part->concurrent) return;
    report_locking(b, parent, "detaching-partition", display_name(part->name),
                   psprintf("DETACH PARTITION takes ACCESS EXCLUSIVE on %s until the migration commits: its reads "
                            "and writes wait, and it waits for every query on it", display_name(parent)),
                   "DETACH PARTITION ... CONCURRENTLY, in a migration of its own (it cannot run in a "
                   "transaction).");
}

}  // namespace pgm::pg::safety
