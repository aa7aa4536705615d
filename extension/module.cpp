// The shared library's identity and its set-up when a backend loads it.  PG zone.
#include "bridge/pg_headers.hpp"
#include "pg/settings.hpp"

extern "C" {
PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);
}

// Settings are defined when the library is loaded, which the event triggers
// do at a session's first DDL, before reading migrate.guard.
void _PG_init(void) { pgm::pg::define_settings(); }
