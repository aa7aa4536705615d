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

}  // namespace pgm::sqlstate
