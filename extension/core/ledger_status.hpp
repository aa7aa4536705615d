// The statuses a ledger row can have, and which of them mean "applied".
#pragma once

#include <string_view>

namespace pgm::core {

// applied, baseline (recorded without running), repaired (script replaced
// after review) and adopted (imported from another tool) all leave the
// version applied; reverted does not.
bool status_counts_as_applied(std::string_view status);

}  // namespace pgm::core
