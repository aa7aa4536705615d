#!/usr/bin/env bash
# The Citus suite: a coordinator and two workers started by the TAP test
# tests/tap/citus/*.pl (PostgreSQL::Test::Cluster), migrated, broken and
# verified from the coordinator.  Citus is built for the major by
# scripts/citus.sh when its source is in ../shared/vendor; without it this
# suite says it is skipped (exit 77, which ctest reports as "Skipped").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
pg_config="${PG_CONFIG:-pg_config}"
if [ ! -f "$("$pg_config" --sharedir)/extension/citus.control" ]; then
  echo "skipped: Citus is not installed for PostgreSQL $("$pg_config" --version | sed 's/^PostgreSQL //') (scripts/citus.sh)"
  exit 77
fi
cd "$here/tap"
exec bash "$here/tap/run-tap.sh" citus/*.pl
