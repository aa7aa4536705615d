// SQLSTATEs of pg_migrate's own errors (class "MG", implementation-defined).
#pragma once

#include "../bridge/entry.hpp"

namespace pgm::sqlstate {

// An applied version was given again with a different script.
inline const int kChecksumMismatch = MAKE_SQLSTATE('M', 'G', '0', '0', '1');
// Two spellings of one version ("1" and "001").
inline const int kVersionConflict = MAKE_SQLSTATE('M', 'G', '0', '0', '2');
// A version lower than the highest applied one, without out_of_order.
inline const int kOutOfOrder = MAKE_SQLSTATE('M', 'G', '0', '0', '3');

// A non-transactional migration under way was given a different script.
inline const int kProgressMismatch = MAKE_SQLSTATE('M', 'G', '0', '0', '5');
// A step of a non-transactional migration out of sequence, or none under way.
inline const int kStepOutOfSequence = MAKE_SQLSTATE('M', 'G', '0', '0', '6');

// migrate_verify(raise => true) found a problem.
inline const int kVerificationFailed = MAKE_SQLSTATE('M', 'G', '0', '0', '8');

// migrate_revert: a migration to revert has no down script.
inline const int kNoDownScript = MAKE_SQLSTATE('M', 'G', '0', '0', '9');
// migrate_baseline: the ledger already has applied versions at or above it.
inline const int kBaselineBelowApplied = MAKE_SQLSTATE('M', 'G', '0', '1', '0');
// migrate_repair: the version is not applied.
inline const int kNotApplied = MAKE_SQLSTATE('M', 'G', '0', '1', '1');
// migrate_adopt: the other tool's history is in a state that cannot be
// imported (golang-migrate dirty, a Prisma migration that never finished),
// or no single history was found.
inline const int kCannotAdopt = MAKE_SQLSTATE('M', 'G', '0', '1', '2');

// A migration takes a risk migrate.refuse names (data loss by default) and
// nobody allowed it.
inline const int kRiskRefused = MAKE_SQLSTATE('M', 'G', '0', '1', '3');

// A streamed script (migrate_apply_stream) is not the one its checksum
// announced: the file changed while it was sent.
inline const int kStreamChecksumMismatch = MAKE_SQLSTATE('M', 'G', '0', '1', '4');

// MG004 (the ledger is append-only) is raised by the ledger's SQL trigger, and
// MG007 (DDL outside a migration under migrate.guard = block) by the event
// trigger in pg/ddl_events.cpp.

}  // namespace pgm::sqlstate
