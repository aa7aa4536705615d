#!/usr/bin/env bash
# Runs the TAP tests (tests/tap/t/*.pl) with prove and PostgreSQL's own
# PostgreSQL::Test::Cluster.  Each test starts its own clusters on private
# ports and socket directories and stops them at the end.
#   tests/tap/run-tap.sh [t/NNN_name.pl ...]
# Environment (set by ctest; defaults to build/ and pg_config's PostgreSQL): PG_BINDIR, PG_PGXS_DIR, PGM_SOURCE_DIR,
# PGM_BUILD_DIR, PGM_CLIENT, PGM_BUILT_LIBRARY, PGM_INSTALLED_LIBRARY.
# PostgreSQL refuses to run as root, so as root the tests run as "postgres"
# in a scratch directory that user owns.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# Outside ctest: the build in build/ and the PostgreSQL that pg_config names.
root="$(cd "$here/../.." && pwd)"
pg_config="${PG_CONFIG:-pg_config}"
: "${PG_BINDIR:=$("$pg_config" --bindir)}"
: "${PG_PGXS_DIR:=$(dirname "$(dirname "$(dirname "$("$pg_config" --pgxs)")")")}"
: "${PGM_SOURCE_DIR:=$root}" "${PGM_BUILD_DIR:=$root/build}"
: "${PGM_CLIENT:=$PGM_BUILD_DIR/client/pg_migrate}"
: "${PGM_BUILT_LIBRARY:=$PGM_BUILD_DIR/extension/pg_migrate.so}"
: "${PGM_INSTALLED_LIBRARY:=$("$pg_config" --pkglibdir)/pg_migrate.so}"

if ! cmp -s "$PGM_BUILT_LIBRARY" "$PGM_INSTALLED_LIBRARY"; then
  echo "the installed $PGM_INSTALLED_LIBRARY is not the one just built; run cmake --install first" >&2
  exit 1
fi

work="$(mktemp -d)"
chmod 755 "$work"
keep_logs() {
  # The clusters' logs, for a failed run: build/test-output/tap.
  local out="$PGM_BUILD_DIR/test-output/tap"
  rm -rf "$out" && mkdir -p "$out"
  cp -r "$work/tmp_check/log/." "$out/" 2>/dev/null || true
  rm -rf "$work"
}
trap keep_logs EXIT

# The client is copied where "postgres" can run it whatever the clone's permissions.
cp "$PGM_CLIENT" "$work/pg_migrate"
cp -r "$PGM_SOURCE_DIR/examples" "$work/examples"
cp -r "$here/." "$work/tap"

as_tester=()
if [ "$(id -u)" = 0 ]; then
  chown -R postgres: "$work"
  as_tester=(runuser -u postgres --)
fi

cd "$work/tap"
tests=("$@")
[ ${#tests[@]} -gt 0 ] || tests=(t/*.pl)
"${as_tester[@]}" env \
  PATH="$PG_BINDIR:$PATH" \
  PG_REGRESS="$PG_PGXS_DIR/src/test/regress/pg_regress" \
  TESTDIR="$work" \
  TESTDATADIR="$work/tmp_check" \
  TESTLOGDIR="$work/tmp_check/log" \
  PGM_CLIENT="$work/pg_migrate" \
  PGM_SOURCE_DIR="$work" \
  PGM_OLD_INSTALL="${PGM_OLD_INSTALL:-}" \
  prove --timer ${PROVE_FLAGS:-} -I "$PG_PGXS_DIR/src/test/perl" -I . "${tests[@]}"
