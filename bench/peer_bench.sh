#!/usr/bin/env bash
# pg_migrate beside the peer migration tools, in one run of ../shared/bench.
#
#   bash bench/peer_bench.sh [-n N] [--rounds R] [--data-in-memory] [--major M] [peer ...]
#   default: -n 1000, peers below
#
# Peer pg_migrate-pooler: pg_migrate's client through Debian's PgBouncer in
# transaction mode (pool of 3), started in front of the harness's cluster for
# the run; the client sees the pooler and applies without a session of its
# own (no deploy lock, no deferred commits or schema recording).
#
# --major M: the harness's cluster is PostgreSQL M (scripts/pg-server.sh; its
# pg_migrate installed: scripts/build.sh --major M), in a data directory of
# this run's own (the harness's usual one is set aside and put back), with
# that major's psql; default: Debian's 15, as the harness does.
#
# --data-in-memory: the harness's cluster keeps its data directory in /dev/shm
# for the run (moved back after), so that the disk's drift is out of the
# comparison and the tools' CPU decides; fsync then costs nothing, unlike in
# the harness's own setting (fsync on, data on disk).
#
# --rounds R (R > 1): the harness runs R times with one timed apply per peer
# each, the peers' order rotated from round to round, and bench/peer_rounds.py
# sums up: per peer the median of its rounds, and pg_migrate's ratio to
# psql -1 taken within each round.  The harness times its peers one after the
# other, so on a machine whose disk drifts by 2x within minutes one run lands
# the drift on whole tools; rounds spread it over all of them.
#
# Copies ../shared/bench into a scratch directory (shared/ stays untouched),
# adds pg_migrate as a peer in define_peer() (the harness's documented way),
# installs the peers (setup-peers.sh, idempotent, under /tmp/peerbench),
# starts the harness's cluster, runs run-bench.sh and prints its summary.
# pg_migrate applies the dbmate-layout copy of the synthetic history (same
# files, same sections) through its client; the extension must be installed.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
shared="$root/../shared/bench"
n=1000
rounds=1
in_memory=0
major=""
peers=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) n="$2"; shift 2 ;;
    --rounds) rounds="$2"; shift 2 ;;
    --data-in-memory) in_memory=1; shift ;;
    --major) major="$2"; shift 2 ;;
    *) peers+=("$1"); shift ;;
  esac
done
[ ${#peers[@]} -eq 0 ] && peers=(psql-1tx psql-session pg_migrate dbmate sql-migrate postgres-migrations node-pg-migrate)

if [ -n "$major" ]; then
  PGBIN="$("$(bash "$root/scripts/pg-server.sh" "$major")" --bindir)"
  export PGBIN PATH="$PGBIN:$PATH"
fi
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine >/dev/null; }
work="$(mktemp -d)"
chmod 755 "$work"   # the harness runs PostgreSQL as "postgres" from here
cp -r "$shared/." "$work/"
# The pg_migrate case, inserted before dbmate's in define_peer().
python3 - "$work/run-bench.sh" <<'PY'
import sys
p = sys.argv[1]
s = open(p).read()
case = '''    pg_migrate)
        NEED=PEER_PG_MIGRATE
        APPLY="${PEER_PG_MIGRATE:-} up -d '$url' --dir $m/dbmate"
        NOOP=$APPLY
        STATUS="${PEER_PG_MIGRATE:-} status -d '$url' --dir $m/dbmate"
        LEDGER_SQL="SELECT count(*) FROM migrate.ledger"
        EDIT_GLOB="$m/dbmate/0001_*.sql" ;;
    pg_migrate-pooler)
        NEED=PEER_PG_MIGRATE
        local pooled="postgres://postgres@127.0.0.1:$PEER_POOLER_PORT/$db"
        APPLY="${PEER_PG_MIGRATE:-} up -d '$pooled' --dir $m/dbmate"
        NOOP=$APPLY
        STATUS="${PEER_PG_MIGRATE:-} status -d '$pooled' --dir $m/dbmate"
        LEDGER_SQL="SELECT count(*) FROM migrate.ledger"
        EDIT_GLOB="$m/dbmate/0001_*.sql" ;;
    dbmate)
'''
assert s.count('    dbmate)\n') == 1, 'the harness changed: no single dbmate case'
s = s.replace('    dbmate)\n', case, 1)
open(p, 'w').write(s)
PY
[ -x "$root/build/client/pg_migrate" ] || { echo "build the client first (scripts/build.sh)" >&2; exit 1; }
cp "$root/build/client/pg_migrate" "$work/pg_migrate"   # unaffected by rebuilds during the run
export PEER_PG_MIGRATE="$work/pg_migrate"
cd "$work"
bash setup-peers.sh >/dev/null
pgdata="${PEERBENCH:-/tmp/peerbench}/pgdata"
restore_data=:
if [ -n "$major" ]; then
  # A cluster of that major of its own: the usual data directory set aside.
  base=/tmp
  [ "$in_memory" = 1 ] && base=/dev/shm
  [ -L "$pgdata" ] && { echo "$pgdata is already a link; remove it first" >&2; exit 1; }
  shm_data="$(mktemp -d "$base/peerbench-pgdata.XXXXXX")"
  chmod 755 "$shm_data"
  mkdir "$shm_data/data"
  [ -e "$pgdata" ] && mv "$pgdata" "$pgdata.set-aside"
  ln -s "$shm_data/data" "$pgdata"
  restore_data='rm "$pgdata" && rm -rf "$shm_data" && { [ ! -e "$pgdata.set-aside" ] || mv "$pgdata.set-aside" "$pgdata"; }'
elif [ "$in_memory" = 1 ]; then
  # start-pg.sh makes (or reuses) the cluster at $pgdata: there, a link to /dev/shm.
  [ -L "$pgdata" ] && { echo "$pgdata is already a link; remove it first" >&2; exit 1; }
  shm_data="$(mktemp -d /dev/shm/peerbench-pgdata.XXXXXX)"
  chmod 755 "$shm_data"   # the cluster runs as "postgres"
  if [ -d "$pgdata" ]; then mv "$pgdata" "$shm_data/data"; else mkdir "$shm_data/data"; fi
  ln -s "$shm_data/data" "$pgdata"
  restore_data='rm "$pgdata" && mv "$shm_data/data" "$pgdata" && rmdir "$shm_data"'
fi
stop_pooler=:
trap 'cd "$work" && eval "$stop_pooler"; bash stop-pg.sh >/dev/null; eval "$restore_data"; rm -rf "$work"' EXIT
bash start-pg.sh >/dev/null
if [[ " ${peers[*]} " == *" pg_migrate-pooler "* ]]; then
  # PgBouncer in transaction mode in front of the harness's cluster, as "postgres".
  command -v pgbouncer >/dev/null || [ -x /usr/sbin/pgbouncer ] || { apt-get update -qq && apt-get install -y -qq pgbouncer >/dev/null; }
  PEER_POOLER_PORT=""
  for p in $(seq 56330 56999); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then PEER_POOLER_PORT=$p; break; fi
  done
  export PEER_POOLER_PORT
  cat >"$work/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=${PGPORT:-55432}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PEER_POOLER_PORT
unix_socket_dir =
auth_type = trust
auth_file = $work/pgbouncer-users.txt
pool_mode = transaction
default_pool_size = 3
max_client_conn = 100
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
INI
  echo '"postgres" ""' >"$work/pgbouncer-users.txt"
  chown postgres "$work/pgbouncer.ini" "$work/pgbouncer-users.txt"
  touch "$work/pgbouncer.log" && chown postgres "$work/pgbouncer.log" "$work"
  runuser -u postgres -- "$(command -v pgbouncer || echo /usr/sbin/pgbouncer)" -d "$work/pgbouncer.ini"
  stop_pooler='kill "$(cat "$work/pgbouncer.pid")" 2>/dev/null'
fi
if [ "$rounds" -le 1 ]; then
  bash run-bench.sh -n "$n" --no-drift "${peers[@]}"
  python3 summarize.py "${PEERBENCH:-/tmp/peerbench}/results/n$n"
  exit 0
fi
stamp=$(date -u +%Y%m%dT%H%M%S)
dirs=()
for r in $(seq "$rounds"); do
  k=$(( (r - 1) % ${#peers[@]} ))
  order=("${peers[@]:k}" "${peers[@]:0:k}")
  echo "== round $r of $rounds: ${order[*]}"
  # One timed apply per peer and round; verify is timed once (its pilot run).
  TAG="rounds-$stamp-$r" APPLY_MIN_RUNS=1 APPLY_MAX_RUNS=1 VERIFY_BUDGET=0 \
    bash run-bench.sh -n "$n" --no-drift "${order[@]}" >"$work/round-$r.log" 2>&1 ||
    { echo "round $r failed:" >&2; tail -20 "$work/round-$r.log" >&2; exit 1; }
  dirs+=("${PEERBENCH:-/tmp/peerbench}/results/n$n-rounds-$stamp-$r")
done
python3 "$root/bench/peer_rounds.py" "${dirs[@]}"
