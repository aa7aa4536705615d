// Deciding data loss exactly, at apply time, inside the migration's
// transaction and before any of its statements runs: the probes the
// classifier attached to its findings count what a statement would destroy.
//
// PG zone.  Probes run with the caller's rights and search_path pinned to
// pg_catalog, naming relations by their resolved OIDs.
#pragma once

#include "safety/classifier.hpp"

namespace pgm::pg {

// Runs `finding`'s probe, if it has one, and rewrites its risk and message
// with what was found: a drop of an empty table or an all-NULL column is no
// data loss.  With `count` the message says how many rows or values would be
// lost (a full count); without it, it only says whether any would.
void decide_data_loss(Finding* finding, bool count);

}  // namespace pgm::pg
