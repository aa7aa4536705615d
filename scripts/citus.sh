#!/usr/bin/env bash
# Builds Citus into a PostgreSQL server that scripts/pg-server.sh built, once:
# the Citus tests (tests/citus_test.sh) start a coordinator and two workers
# with it.
#
#   scripts/citus.sh MAJOR        e.g. 18
#
# Citus is not packaged by Debian and is never linked into pg_migrate: its
# source (AGPL-3.0) comes only from ../shared/vendor beside the clone.  The
# release is chosen by major: Citus 14 supports PostgreSQL 16, 17 and 18.
# Debian's own 15 is left alone (Citus 13, the last release for 15, does not
# compile against Debian's 15.20, and a build would write into the system's
# directories).  Without a source or a release for the major, this says so
# and exits 77; the Citus tests then say they are skipped.
# A finished build is marked by "citus-VERSION.complete" in the server's
# folder; later runs reuse it.  Progress goes to stderr.
set -euo pipefail
major="${1:?usage: citus.sh MAJOR}"
root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/../shared/vendor"

say() { echo "citus: $*" >&2; }

case "$major" in
  16 | 17 | 18) series=14 ;;
  *)
    say "no Citus release is built for PostgreSQL $major here (Citus 14 needs 16, 17 or 18): the Citus tests are skipped"
    exit 77 ;;
esac
tarball="$(ls "$vendor"/citus-"$series".*.tar.gz 2>/dev/null | sort -V | tail -1 || true)"
if [ -z "$tarball" ]; then
  say "no Citus $series source in $vendor (a clone of its own has none): the Citus tests are skipped"
  exit 77
fi
version="$(basename "$tarball" .tar.gz)"
version="${version#citus-}"
pg_config="$(bash "$root/scripts/pg-server.sh" "$major")"
prefix="$(dirname "$(dirname "$pg_config")")"
if [ -f "$prefix/citus-$version.complete" ]; then
  exit 0
fi

missing=()
for p in libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libssl-dev; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
started=$SECONDS
say "building Citus $version against PostgreSQL $("$pg_config" --version | sed 's/^PostgreSQL //') (about a minute)"
tar -xzf "$tarball" -C "$work"
(
  cd "$work/citus-$version"
  ./configure PG_CONFIG="$pg_config" >"$work/configure.log" 2>&1 || { tail -30 "$work/configure.log" >&2; exit 1; }
  make -j"$(nproc)" -s >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
  make -s install >>"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
)
touch "$prefix/citus-$version.complete"
say "built in $((SECONDS - started)) s"
