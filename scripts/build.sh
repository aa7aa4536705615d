#!/usr/bin/env bash
# Configures, builds and installs the extension and the client against one
# PostgreSQL major.
#   scripts/build.sh [--major N] [BUILD_DIR] [-- CMAKE_OPTION ...]
# N defaults to 15 (Debian 12's server); another major is built first when it
# is not cached yet (scripts/pg-server.sh).  BUILD_DIR defaults to build for 15
# and build-pgN for any other major.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
major=15
build=""
while [ $# -gt 0 ]; do
  case "$1" in
    --major) major="$2"; shift 2 ;;
    --major=*) major="${1#--major=}"; shift ;;
    --) shift; break ;;
    *) build="$1"; shift ;;
  esac
done
if [ -z "$build" ]; then
  if [ "$major" = 15 ]; then build="$root/build"; else build="$root/build-pg$major"; fi
fi
pg_config="$(bash "$root/scripts/pg-server.sh" "$major")"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPG_CONFIG="$pg_config" "$@" >/dev/null
cmake --build "$build" -j"$(nproc)"
cmake --install "$build" >/dev/null
echo "installed pg_migrate into $("$pg_config" --pkglibdir) and $("$pg_config" --sharedir)/extension" \
     "(PostgreSQL $("$pg_config" --version | sed 's/^PostgreSQL //'))"
