#!/usr/bin/env bash
# Configures, builds and installs the extension into the local PostgreSQL 15.
#   scripts/build.sh [BUILD_DIR]     (default: build)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" -j"$(nproc)"
cmake --install "$build" >/dev/null
echo "installed pg_migrate into $(pg_config --pkglibdir) and $(pg_config --sharedir)/extension"
