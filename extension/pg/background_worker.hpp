// The short-lived background workers pg_migrate starts (no
// shared_preload_libraries needed).  PG zone.
#pragma once

#include "../bridge/pg_headers.hpp"

extern "C" {
#include "postmaster/bgworker.h"
}

namespace pgm::pg {

// A dynamic worker that connects to a database, runs `function` (an
// exported symbol of pg_migrate's library) once and is never restarted;
// pg_stat_activity shows it as `type` ("pg_migrate verify log").  The caller
// sets bgw_main_arg, bgw_extra and bgw_notify_pid and registers it.
BackgroundWorker pg_migrate_worker(const char* function, const char* type);

}  // namespace pgm::pg
