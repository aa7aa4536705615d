#!/usr/bin/env bash
# Runs one server-side test suite against the cluster described by STATE_FILE.
#   tests/run-suite.sh pg_regress|isolation|node_pg|pg_dump STATE_FILE
# Environment (set by ctest): PG_BINDIR, PG_PGXS_DIR, PGM_SOURCE_DIR,
# PGM_BUILD_DIR, PGM_BUILT_LIBRARY, PGM_INSTALLED_LIBRARY.
set -euo pipefail
suite="$1"
# shellcheck disable=SC1090
. "$2"
# psql, pg_dump and friends of the server under test, not Debian's wrapper.
export PATH="$PG_BINDIR:$PATH"
src="$PGM_SOURCE_DIR"
out="$PGM_BUILD_DIR/test-output/$suite"
rm -rf "$out" && mkdir -p "$out"

# Testing a stale installed library would prove nothing: insist on the one built.
if ! cmp -s "$PGM_BUILT_LIBRARY" "$PGM_INSTALLED_LIBRARY"; then
  echo "the installed $PGM_INSTALLED_LIBRARY is not the one just built; run cmake --install first" >&2
  exit 1
fi

show_diffs() {
  if [ -f "$out/regression.diffs" ]; then cat "$out/regression.diffs"; fi
}

case "$suite" in
  pg_regress)
    tests=$(cd "$src/sql" && ls ./*.sql | sed -e 's|^\./||' -e 's|\.sql$||' | grep -v '^pg_migrate--' | sort)
    # shellcheck disable=SC2086
    "$PG_PGXS_DIR/src/test/regress/pg_regress" --inputdir="$src" --outputdir="$out" \
      --bindir="$PG_BINDIR" --host="$PGHOST" --port="$PGPORT" --user=postgres \
      --dbname=pgm_regress $tests || { show_diffs; exit 1; }
    ;;
  bridge)
    "$PG_PGXS_DIR/src/test/regress/pg_regress" --inputdir="$src/tests/bridge" --outputdir="$out" \
      --bindir="$PG_BINDIR" --host="$PGHOST" --port="$PGPORT" --user=postgres \
      --dbname=pgm_bridge bridge || { show_diffs; exit 1; }
    ;;
  isolation)
    tests=$(cd "$src/tests/isolation/specs" && ls ./*.spec | sed -e 's|^\./||' -e 's|\.spec$||' | sort)
    # shellcheck disable=SC2086
    "$PG_PGXS_DIR/src/test/isolation/pg_isolation_regress" --inputdir="$src/tests/isolation" \
      --outputdir="$out" --bindir="$PG_BINDIR" --host="$PGHOST" --port="$PGPORT" \
      --user=postgres --dbname=pgm_isolation $tests || { show_diffs; exit 1; }
    ;;
  node_pg)
    cd "$src/tests/node"
    if [ ! -d node_modules/pg ]; then npm ci --no-audit --no-fund --loglevel=error; fi
    node test.js
    ;;
  pg_dump)
    bash "$src/tests/pg_dump_test.sh" "$out"
    ;;
  upgrade)
    bash "$src/tests/upgrade_test.sh"
    ;;
  pg_cron)
    bash "$src/tests/cron_test.sh"
    ;;
  sanitize)
    bash "$src/scripts/sanitize.sh" --client
    ;;
  client)
    bash "$src/tests/client/client_test.sh" "$PGM_CLIENT" "$src"
    ;;
  pooler)
    bash "$src/tests/pooler_test.sh" "$PGM_CLIENT"
    ;;
  fleet)
    bash "$src/tests/fleet_test.sh" "$PGM_CLIENT"
    ;;
  report)
    bash "$src/tests/report_test.sh" "$PGM_CLIENT" "$out"
    ;;
  diff)
    bash "$src/tests/diff_test.sh" "$PGM_CLIENT"
    ;;
  diff_sql)
    bash "$src/tests/diff_sql_test.sh" "$PGM_CLIENT"
    ;;
  pull)
    bash "$src/tests/pull_test.sh" "$PGM_CLIENT"
    ;;
  *)
    echo "unknown suite $suite" >&2; exit 2 ;;
esac
