#!/usr/bin/env bash
# pg_migrate on a Citus cluster: a coordinator and two workers on this
# machine (fsync on), started for this run and stopped at its end.
#
#   1. up of 200 migrations (10 distributed tables of 32 shards each, created
#      and distributed, then 190 migrations adding a column and its index to
#      one of them) against psql -1 of the same files, in alternating rounds,
#      the ratio taken round by round; the schema is dropped between runs.
#      Beside them: one psql session with a transaction per file (what up
#      does: a distributed commit per migration) and up --single-transaction
#      (what psql -1 does).
#   2. migrate_verify() with 100 distributed tables of 32 shards (3,200
#      placements): its median time, and that of the citus_shards check alone.
#
#   bash bench/citus_bench.sh [ROUNDS]      (default 5)
#
# Needs Citus for PostgreSQL 18 (scripts/citus.sh 18) and pg_migrate built and
# installed for it (scripts/build.sh --major 18).  Runs as root (the clusters
# as "postgres") or as a user who may run PostgreSQL.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
rounds="${1:-5}"
pg_config="$(bash "$root/scripts/pg-server.sh" 18)"
bindir="$("$pg_config" --bindir)"
client="$root/build-pg18/client/pg_migrate"
[ -f "$("$pg_config" --sharedir)/extension/citus.control" ] || { echo "Citus is not installed: bash scripts/citus.sh 18" >&2; exit 1; }
[ -x "$client" ] || { echo "build pg_migrate for 18 first: bash scripts/build.sh --major 18" >&2; exit 1; }

work="$(mktemp -d)"
chmod 755 "$work"
as_pg=()
if [ "$(id -u)" = 0 ]; then chown postgres: "$work"; as_pg=(runuser -u postgres --); fi
ports=(55431 55432 55433)
stop_all() {
  for p in "${ports[@]}"; do "${as_pg[@]}" "$bindir/pg_ctl" -D "$work/n$p" -m immediate stop >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap stop_all EXIT
q() { "${as_pg[@]}" "$bindir/psql" -X -q -At -v ON_ERROR_STOP=1 -h "$work" -p "${ports[0]}" -U postgres -d postgres "$@"; }

for p in "${ports[@]}"; do
  "${as_pg[@]}" "$bindir/initdb" -D "$work/n$p" -U postgres -A trust >/dev/null
  cat >>"$work/n$p/postgresql.conf" <<EOF
port = $p
unix_socket_directories = '$work'
listen_addresses = 'localhost'
shared_preload_libraries = 'citus'
max_prepared_transactions = 100
max_connections = 200
EOF
  "${as_pg[@]}" "$bindir/pg_ctl" -D "$work/n$p" -l "$work/n$p.log" -w start >/dev/null
  "${as_pg[@]}" "$bindir/psql" -X -q -h "$work" -p "$p" -U postgres -d postgres -c 'CREATE EXTENSION citus'
done
q -c "SELECT citus_set_coordinator_host('localhost', ${ports[0]})" >/dev/null
for p in "${ports[@]:1}"; do q -c "SELECT citus_add_node('localhost', $p)" >/dev/null; done

# The 200 migrations, as files (pg_migrate) and as one script (psql -1).
hist="$work/history"
mkdir -p "$hist/plain"
for t in $(seq 1 10); do
  {
    [ "$t" = 1 ] && echo "CREATE SCHEMA app;"
    echo "CREATE TABLE app.t$t (id bigint PRIMARY KEY, tenant int NOT NULL, created_at timestamptz NOT NULL DEFAULT now());"
    echo "SELECT create_distributed_table('app.t$t', 'id', shard_count => 32);"
  } >"$hist/plain/$(printf '%03d' "$t")_table_$t.sql"
done
for m in $(seq 11 200); do
  t=$(( (m % 10) + 1 ))
  {
    echo "ALTER TABLE app.t$t ADD COLUMN c$m text;"
    echo "CREATE INDEX t${t}_c${m} ON app.t$t (c$m);"
  } >"$hist/plain/$(printf '%03d' "$m")_column_$m.sql"
done
cat "$hist"/plain/*.sql >"$hist/all.sql"
for f in "$hist"/plain/*.sql; do printf 'BEGIN;\n\\i %s\nCOMMIT;\n' "$f"; done >"$hist/session.sql"
chown -R postgres: "$hist" 2>/dev/null || true

reset_schema() {
  q -c "DROP SCHEMA IF EXISTS app CASCADE" -c "DROP EXTENSION IF EXISTS pg_migrate CASCADE" 2>/dev/null
}
run_one() {
  reset_schema
  local start end
  case "$1" in
    psql-1)
      start=$(date +%s.%N)
      "${as_pg[@]}" "$bindir/psql" -X -q -1 -v ON_ERROR_STOP=1 -h "$work" -p "${ports[0]}" -U postgres -d postgres \
        -f "$hist/all.sql" >/dev/null
      end=$(date +%s.%N) ;;
    psql-each)
      start=$(date +%s.%N)
      "${as_pg[@]}" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -p "${ports[0]}" -U postgres -d postgres \
        -f "$hist/session.sql" >/dev/null
      end=$(date +%s.%N) ;;
    pg_migrate | pg_migrate-single)
      local single=()
      [ "$1" = pg_migrate ] || single=(--single-transaction)
      q -c "CREATE EXTENSION pg_migrate"
      start=$(date +%s.%N)
      "${as_pg[@]}" "$client" up -d "host=$work port=${ports[0]} user=postgres dbname=postgres" --dir "$hist/plain" \
        "${single[@]}" >/dev/null
      end=$(date +%s.%N) ;;
  esac
  echo "$1 $(echo "$end - $start" | bc)"
  while [ "$(q -c "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type LIKE 'pg_migrate%'")" != 0 ]; do
    sleep 0.1
  done
}

echo "== up of 200 migrations, 3 nodes, 32 shards per table ($rounds rounds)"
run_one pg_migrate >/dev/null  # warm-up
tools=(psql-1 pg_migrate psql-each pg_migrate-single)
for _ in $(seq "$rounds"); do
  for tool in "${tools[@]}"; do run_one "$tool"; done
done >"$work/times"
python3 - "$work/times" "${tools[@]}" <<'PY'
import statistics, sys
tools = sys.argv[2:]
times = {t: [] for t in tools}
for line in open(sys.argv[1]):
    tool, t = line.split()
    times[tool].append(float(t))
print(f"{'':<18}{'median s':>9}{'x psql -1':>11}   (median of the round-by-round ratios; runs)")
for tool in tools:
    ratios = [m / p for p, m in zip(times["psql-1"], times[tool])]
    print(f"{tool:<18}{statistics.median(times[tool]):>9.2f}{statistics.median(ratios):>10.2f}x   "
          + " ".join(f"{t:.2f}" for t in times[tool]))
PY

echo "== migrate_verify() with 100 distributed tables of 32 shards"
reset_schema
q -c "CREATE EXTENSION pg_migrate"
{
  echo "CREATE SCHEMA app;"
  echo "SET LOCAL citus.multi_shard_modify_mode TO sequential;"
  for t in $(seq 1 100); do
    echo "CREATE TABLE app.v$t (id bigint PRIMARY KEY, tenant int NOT NULL, note text CHECK (note <> ''));"
    echo "CREATE INDEX v${t}_tenant ON app.v$t (tenant);"
    echo "SELECT create_distributed_table('app.v$t', 'id', shard_count => 32);"
  done
} >"$work/verify.sql"
q -c "SELECT status FROM migrate_apply('001', pg_catalog.pg_read_file('$work/verify.sql'))" >/dev/null
q -c "SELECT count(*) FROM pg_dist_placement" | sed 's/^/placements: /'
for _ in $(seq "$rounds"); do
  q -c '\timing on' -c "SELECT count(*) FROM migrate_verify()" | sed -n 's/^Time: \([0-9.]*\) ms.*/verify \1/p'
done >"$work/verify_times"
python3 - "$work/verify_times" <<'PY'
import statistics, sys
t = [float(l.split()[1]) for l in open(sys.argv[1])]
print(f"migrate_verify(): median {statistics.median(t):.0f} ms of {len(t)} runs   runs " + " ".join(f"{x:.0f}" for x in t))
PY
