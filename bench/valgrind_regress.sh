#!/usr/bin/env bash
# The pg_regress suite against a server running under Valgrind (memcheck), the
# installed extension loaded into every backend.  Reports the Valgrind errors
# whose stack passes through pg_migrate's library (ours) apart from the others
# (PostgreSQL's own, known false positives of a server built without
# USE_VALGRIND).  Slow: minutes.  Exit code 1 when an error is ours.
#   bash bench/valgrind_regress.sh [TEST ...]      default: every sql/*.sql
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bindir="$(pg_config --bindir)"
pgxs="$(dirname "$(dirname "$(dirname "$(pg_config --pgxs)")")")"
command -v valgrind >/dev/null || { apt-get install -y -qq valgrind >/dev/null; }
work="$(mktemp -d)"
chmod 755 "$work"
mkdir -p "$work/data" "$work/socket" "$work/vg" "$work/out"
as_pg=()
if [ "$(id -u)" = 0 ]; then chown -R postgres: "$work"; as_pg=(runuser -u postgres --); fi
"${as_pg[@]}" "$bindir/initdb" -D "$work/data" -U postgres --auth=trust >/dev/null
port=55499
"${as_pg[@]}" bash -c "valgrind --quiet --error-limit=no --num-callers=30 --trace-children=no \
  --log-file='$work/vg/%p.log' '$bindir/postgres' -D '$work/data' -p $port -k '$work/socket' \
  -c listen_addresses='' -c fsync=off >'$work/server.log' 2>&1 &"
trap '"${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
for _ in $(seq 120); do "$bindir/pg_isready" -h "$work/socket" -p $port -q && break; sleep 1; done
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
  mapfile -t tests < <(cd "$root/sql" && ls ./*.sql | sed -e 's|^\./||' -e 's|\.sql$||' | grep -v '^pg_migrate--' | sort)
fi
start=$(date +%s)
"$pgxs/src/test/regress/pg_regress" --inputdir="$root" --outputdir="$work/out" --bindir="$bindir" \
  --host="$work/socket" --port=$port --user=postgres --dbname=pgm_valgrind "${tests[@]}" | tail -3 || true
echo "pg_regress under valgrind: $(( $(date +%s) - start )) s, ${#tests[@]} tests"
"${as_pg[@]}" "$bindir/pg_ctl" -D "$work/data" -m fast stop >/dev/null 2>&1 || true
sleep 2
python3 - "$work/vg" <<'PY'
import os, re, sys
ours = others = 0
shown = 0
for name in sorted(os.listdir(sys.argv[1])):
    text = open(os.path.join(sys.argv[1], name), errors="replace").read()
    for block in re.split(r"\n==\d+== \n", text):
        if not re.search(r"==\d+== (Invalid|Conditional|Use of uninit|Syscall param|Mismatched|Source and destination)", block):
            continue
        if "pg_migrate.so" in block:
            ours += 1
            if shown < 5:
                print(block[:3000]); shown += 1
        else:
            others += 1
print(f"valgrind errors through pg_migrate.so: {ours}; elsewhere (PostgreSQL itself): {others}")
sys.exit(1 if ours else 0)
PY
