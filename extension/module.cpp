// The shared library's identity.  PG zone.
#include "bridge/pg_headers.hpp"

extern "C" {
PG_MODULE_MAGIC;
}
