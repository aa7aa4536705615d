#include "citus.hpp"

extern "C" {
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

}  // namespace pgm::pg
