#!/usr/bin/env bash
# The PGXS build (Makefile.pgxs, for packagers and PGXN users) compiles, and
# both libraries export every C function the install and upgrade scripts name,
# plus what PostgreSQL itself looks up; nothing of the C++ inside is needed.
#
#   tests/pgxs_test.sh SOURCE_DIR CMAKE_BUILT_LIBRARY      (PG_CONFIG: the server to build against)
set -euo pipefail
source_dir="$1"
cmake_library="$2"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# A copy: PGXS writes its objects next to the sources.
cp -r "$source_dir/extension" "$source_dir/sql" "$source_dir/Makefile.pgxs" "$work/"
if ! make -C "$work" -f Makefile.pgxs -j2 PG_CONFIG="${PG_CONFIG:-pg_config}" >"$work/build.log" 2>&1; then
  grep -E "error|Error" "$work/build.log" | head -20 >&2
  echo "FAIL: make -f Makefile.pgxs" >&2
  exit 1
fi

# The C symbols the SQL scripts name (AS 'MODULE_PATHNAME', 'symbol'), the
# background worker entry points, and the module's own.
expected="$work/expected"
{
  grep -ho "'MODULE_PATHNAME', *'[a-z_0-9]*'" "$source_dir"/sql/pg_migrate--*.sql | sed "s/.*, *'\(.*\)'/\1/"
  grep -ho 'pg_migrate_worker("[a-z_0-9]*"' "$source_dir"/extension/pg/*.cpp "$source_dir"/extension/pg/*/*.cpp | sed 's/.*("\(.*\)"/\1/'
  echo Pg_magic_func
  echo _PG_init
} | sort -u >"$expected"

failures=0
for library in "$work/pg_migrate.so" "$cmake_library"; do
  exported="$work/exported"
  nm -D --defined-only "$library" | awk '{print $3}' | sort -u >"$exported"
  missing=$(comm -23 "$expected" "$exported")
  if [ -n "$missing" ]; then
    echo "FAIL: $library does not export: $missing" >&2
    failures=$((failures + 1))
  fi
  # Hidden visibility: the library's own C++ is not exported (the standard
  # library's inline templates may be).
  own=$(grep -c '^_ZN3pgm' "$exported" || true)
  if [ "$own" -ne 0 ]; then
    echo "FAIL: $library exports $own of pg_migrate's C++ symbols" >&2
    failures=$((failures + 1))
  fi
done
echo "$(wc -l <"$expected") entry points checked in 2 libraries: $((2 - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
