#include "ledger_status.hpp"

#include "cpp_only.hpp"

namespace pgm::core {

bool status_counts_as_applied(std::string_view status) {
    return status == "applied" || status == "baseline" || status == "repaired" ||
           status == "adopted";
}

}  // namespace pgm::core
