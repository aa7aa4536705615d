#include "citus.hpp"

extern "C" {
#include "executor/spi.h"
#include "utils/guc.h"
}

namespace pgm::pg {

namespace {

bool starts_with(const char* text, const char* prefix) { return strncmp(text, prefix, strlen(prefix)) == 0; }

}  // namespace

// Citus defines this setting when its library loads.
bool citus_loaded() { return GetConfigOption("citus.enable_ddl_propagation", true, false) != nullptr; }

bool citus_internal_session() {
    if (!citus_loaded()) return false;
    const char* app = GetConfigOption("application_name", true, false);
    if (app == nullptr) return false;
    return starts_with(app, "citus_internal gpid=") || starts_with(app, "citus_rebalancer gpid=");
}

// Citus propagates a SET LOCAL only in what it counts as a multi-statement
// transaction: a transaction block, a procedure, or a DO block, which is the
// one of them open to a single SELECT migrate_apply(...) in autocommit.
void propagate_lock_timeout(int ms) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    const char* block = psprintf(
        "DO $pgm$BEGIN SET LOCAL citus.propagate_set_commands TO 'local'; SET LOCAL lock_timeout TO %d; END$pgm$", ms);
    if (SPI_execute(block, false, 0) != SPI_OK_UTILITY) elog(ERROR, "could not set lock_timeout for the workers");
    SPI_finish();
}

}  // namespace pgm::pg
