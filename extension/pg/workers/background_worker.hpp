// The short-lived background workers pg_migrate starts (no
// shared_preload_libraries needed).  PG zone.
#pragma once

#include "../../bridge/pg_headers.hpp"

extern "C" {
#include "postmaster/bgworker.h"
}

namespace pgm::pg {

// A dynamic worker that connects to a database, runs `function` (an
// exported symbol of pg_migrate's library) once and is never restarted;
// pg_stat_activity shows it as `type` ("pg_migrate verify log").  The caller
// sets bgw_main_arg, bgw_extra and bgw_notify_pid and registers it.
BackgroundWorker pg_migrate_worker(const char* function, const char* type);

// The first call of every worker's main function: SIGTERM (DROP DATABASE ...
// WITH (FORCE), pg_terminate_backend, a fast shutdown) sets the flag that the
// next CHECK_FOR_INTERRUPTS acts on, as in a backend, then signals are let
// in.  The default handler of background workers ends the process inside the
// signal handler, which corrupts the heap when the signal lands in malloc.
void start_worker_signals();

}  // namespace pgm::pg
