#!/usr/bin/env bash
# Installs what building and testing pg_migrate needs on Debian 12 (run as root).
# Skips apt entirely when everything is already installed.
set -euo pipefail
packages=(
  postgresql-15 postgresql-server-dev-15 libpq-dev postgresql-15-cron
  g++ make cmake pkg-config
  clang libclang-rt-14-dev
  libssl-dev libkrb5-dev libgtest-dev libgmock-dev
  libcli11-dev nlohmann-json3-dev
  libipc-run-perl pgbouncer procps
  nodejs npm
  chromium chromium-driver fonts-dejavu-core
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node/npm may come from outside Debian's packages (a preinstalled Node): accept them.
if command -v node >/dev/null && command -v npm >/dev/null; then
  filtered=(); for p in "${missing[@]}"; do case "$p" in nodejs|npm) ;; *) filtered+=("$p");; esac; done
  missing=("${filtered[@]+"${filtered[@]}"}")
fi
if [ "${#missing[@]}" -eq 0 ]; then
  echo "dependencies: all installed"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "missing packages: ${missing[*]} (run as root to install them)" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian package creates and starts a "main" cluster on port 5432; we never
# use it (every test and the demo start their own throwaway cluster).
