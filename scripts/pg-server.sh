#!/usr/bin/env bash
# Prints the pg_config of a PostgreSQL major, building the server first when it
# is not Debian's own and not built yet.
#
#   scripts/pg-server.sh MAJOR        e.g. 15 (Debian 12's packages) or 18
#
# 15 is Debian 12's server (scripts/install-deps.sh installs it).  Any other
# major is built once from upstream's source into a cache outside the clone,
# $PGM_SERVER_CACHE (default /var/cache/pg_migrate), one folder per release:
#   postgresql-18.6/      the installed server, pg_regress, the isolation
#                         tester, PostgreSQL::Test::Cluster, pg_trgm, pg_cron
# A later run on the same machine reuses it.  The source comes from
# ../shared/vendor beside the clone when it is there, otherwise from Debian's
# archive (the postgresql-MAJOR source package of the sid suite, fetched with a
# private apt state so the system's apt is untouched).  pg_cron's source comes
# only from ../shared/vendor: without it the pg_cron tests say they are skipped.
# Progress goes to stderr, the pg_config path alone to stdout.
set -euo pipefail
major="${1:?usage: pg-server.sh MAJOR}"
root="$(cd "$(dirname "$0")/.." && pwd)"
vendor="$root/../shared/vendor"
cache="${PGM_SERVER_CACHE:-/var/cache/pg_migrate}"
debian_major=15

say() { echo "pg-server: $*" >&2; }

if [ "$major" = "$debian_major" ]; then
  echo "/usr/lib/postgresql/$debian_major/bin/pg_config"
  exit 0
fi

# A finished build is marked by its "complete" file: a build stopped halfway is redone.
for done_mark in "$cache"/postgresql-"$major".*/complete; do
  if [ -f "$done_mark" ]; then
    echo "$(dirname "$done_mark")/bin/pg_config"
    exit 0
  fi
done

install_build_tools() {
  local tools=(bison flex gcc make perl libssl-dev liblz4-dev zlib1g-dev libicu-dev pkg-config
               libipc-run-perl bzip2 dpkg-dev) missing=()
  for p in "${tools[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The upstream tarball: shared/vendor's, or the one Debian's sid source package names.
fetch_source() {
  local into="$1" found
  found="$(ls "$vendor"/postgresql-"$major"_"$major".*.orig.tar.bz2 2>/dev/null | sort -V | tail -1 || true)"
  if [ -n "$found" ]; then
    say "source: $found"
    cp "$found" "$into/"
    return 0
  fi
  local apt_dir="$into/apt" mirror
  mkdir -p "$apt_dir/lists/partial"
  # The archive host the machine's apt sources name (one-line or deb822 format).
  mirror="$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
            grep -oE 'https?://[^ ]*/debian/?( |$)' | head -1 | tr -d ' ' || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  echo "deb-src [trusted=yes] ${mirror%/} sid main" >"$apt_dir/sources.list"
  local opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
              -o "Dir::State::Lists=$apt_dir/lists" -o Debug::NoLocking=1)
  say "source: Debian's postgresql-$major source package (sid) from $mirror"
  apt-get "${opts[@]}" update -qq
  (cd "$into" && apt-get "${opts[@]}" source --download-only -qq "postgresql-$major")
}

build_server() {
  local work="$1" tarball src version prefix
  tarball="$(ls "$work"/postgresql-"$major"_*.orig.tar.bz2 | head -1)"
  version="$(basename "$tarball" | sed -E 's/^postgresql-[0-9]+_([0-9.]+)\.orig\.tar\.bz2$/\1/')"
  prefix="$cache/postgresql-$version"
  tar -xjf "$tarball" -C "$work"
  src="$(ls -d "$work"/postgresql-"$version"*/ | head -1)"
  rm -rf "$prefix"
  say "building PostgreSQL $version into $prefix (a few minutes)"
  (
    cd "$src"
    ./configure --prefix="$prefix" --with-openssl --with-lz4 --with-icu --enable-tap-tests \
      --without-readline >"$work/configure.log" 2>&1 || { tail -30 "$work/configure.log" >&2; exit 1; }
    make -j"$(nproc)" -s >"$work/make.log" 2>&1 || { tail -40 "$work/make.log" >&2; exit 1; }
    make -s install >>"$work/make.log" 2>&1
    # What the tests use beyond the core: pg_trgm (an extension a migration creates).
    make -s -C contrib/pg_trgm install >>"$work/make.log" 2>&1
  )
  build_pg_cron "$work" "$prefix"
  echo "$version" >"$prefix/complete"
  echo "$prefix/bin/pg_config"
}

build_pg_cron() {
  local work="$1" prefix="$2" tarball
  tarball="$(ls "$vendor"/pg_cron-*.tar.gz 2>/dev/null | sort -V | tail -1 || true)"
  if [ -z "$tarball" ]; then
    say "no pg_cron source in $vendor: the pg_cron tests on $major will be skipped"
    return 0
  fi
  tar -xzf "$tarball" -C "$work"
  local dir
  dir="$(ls -d "$work"/pg_cron-*/ | head -1)"
  make -s -C "$dir" PG_CONFIG="$prefix/bin/pg_config" >>"$work/make.log" 2>&1
  make -s -C "$dir" PG_CONFIG="$prefix/bin/pg_config" install >>"$work/make.log" 2>&1
  say "pg_cron built from $(basename "$tarball")"
}

install_build_tools
mkdir -p "$cache"
work="$(mktemp -d "$cache/build.XXXXXX")"
trap 'rm -rf "$work"' EXIT
started=$SECONDS
fetch_source "$work"
pg_config="$(build_server "$work")"
say "built in $((SECONDS - started)) s"
echo "$pg_config"
