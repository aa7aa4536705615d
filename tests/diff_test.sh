#!/usr/bin/env bash
# pg_migrate diff: two databases built alike compare equal, across two
# PostgreSQL majors where the machine has another one (the test cluster's, with
# pg_migrate, described by migrate_describe(); a second cluster started here,
# without it, described by the client's query); then differences of each kind
# are named, grouped by table, in text and --json, with exit code 3.
#   tests/diff_test.sh PG_MIGRATE_BINARY
set -uo pipefail
PGM="$1"
root="$(cd "$(dirname "$0")/.." && pwd)"

# shellcheck source=checks.sh
. "$(dirname "$0")/checks.sh"

work="$(mktemp -d)"
chmod 755 "$work"
cleanup() {
  [ -f "$work/other.env" ] && bash "$root/scripts/pg-cluster.sh" stop "$work/other.env" >/dev/null 2>&1
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS diff_a WITH (FORCE)" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT

# Another major's server when the machine has one (15 from Debian, 18 from the
# build cache), else this one's.
this_bindir="$(command -v postgres | xargs dirname)"
other_bindir="$this_bindir"
for candidate in /usr/lib/postgresql/15/bin "${PGM_SERVER_CACHE:-/var/cache/pg_migrate}"/postgresql-*/bin; do
  if [ -x "$candidate/postgres" ] && [ "$("$candidate/postgres" --version)" != "$("$this_bindir/postgres" --version)" ]; then
    other_bindir="$candidate"
    break
  fi
done
PG_BINDIR="$other_bindir" bash "$root/scripts/pg-cluster.sh" start "$work/other.env" --fast >/dev/null ||
  { echo "could not start the second cluster"; exit 1; }
other_host="$(. "$work/other.env"; echo "$PGHOST")"
other_port="$(. "$work/other.env"; echo "$PGPORT")"
echo "# A: $("$this_bindir/postgres" --version) with pg_migrate; B: $("$other_bindir/postgres" --version) without it"
A="dbname=diff_a"
B="host=$other_host port=$other_port dbname=diff_b user=postgres"

schema="$work/schema.sql"
cat >"$schema" <<'SQL'
CREATE SCHEMA shop;
CREATE TYPE shop.state AS ENUM ('open', 'paid', 'void');
CREATE DOMAIN shop.money_amount AS numeric(12, 2) CHECK (VALUE >= 0);
CREATE TABLE shop.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    name text COLLATE "C");
CREATE TABLE shop.orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL REFERENCES shop.customers (id),
    state shop.state NOT NULL DEFAULT 'open',
    total shop.money_amount DEFAULT 0,
    note varchar(200),
    CONSTRAINT orders_total_positive CHECK (total > 0));
CREATE INDEX orders_customer ON shop.orders (customer_id);
CREATE INDEX orders_open ON shop.orders (state) WHERE state = 'open';
CREATE SEQUENCE shop.invoice_numbers START 1000;
CREATE FUNCTION shop.order_count(c bigint) RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT count(*) FROM shop.orders WHERE customer_id = c $$;
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch();
ALTER TABLE shop.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY orders_mine ON shop.orders FOR SELECT USING (customer_id > 0);
SQL
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS diff_a WITH (FORCE)" -c "CREATE DATABASE diff_a" >/dev/null
psql -X -q -d diff_a -v ON_ERROR_STOP=1 -c "CREATE EXTENSION pg_migrate" -f "$schema" >/dev/null
psql -X -q "host=$other_host port=$other_port dbname=postgres user=postgres" -c "CREATE DATABASE diff_b" >/dev/null
psql -X -q -v ON_ERROR_STOP=1 "$B" -f "$schema" >/dev/null

out="$("$PGM" diff --db "$A" --db "$B")"; rc=$?
check "two databases built alike are the same, across majors" "0:the schemas are the same" "$rc:$(echo "$out" | tail -1)"
check "... A described by migrate_describe(), B by the client's query" "1:1" \
  "$(echo "$out" | grep -c '^A: .*(migrate_describe())'):$(echo "$out" | grep -c '^B: .*described by the client')"

# B drifts: one difference of each kind.
psql -X -q -v ON_ERROR_STOP=1 "$B" >/dev/null <<'SQL'
ALTER TABLE shop.orders ALTER COLUMN note TYPE text;
ALTER TABLE shop.orders ALTER COLUMN customer_id DROP NOT NULL;
ALTER TABLE shop.orders ALTER COLUMN state SET DEFAULT 'paid';
ALTER TABLE shop.customers ALTER COLUMN name TYPE text COLLATE "POSIX";
ALTER TABLE shop.orders ADD COLUMN coupon text;
DROP INDEX shop.orders_open;
CREATE INDEX orders_state ON shop.orders (state);
ALTER TYPE shop.state ADD VALUE 'refunded';
CREATE OR REPLACE FUNCTION shop.order_count(c bigint) RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT count(*) + 0 FROM shop.orders WHERE customer_id = c $$;
ALTER TABLE shop.orders DROP CONSTRAINT orders_total_positive;
ALTER TABLE shop.orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);
DROP POLICY orders_mine ON shop.orders;
CREATE VIEW shop.big_orders AS SELECT id FROM shop.orders WHERE total > 100;
SQL
"$PGM" diff --db "$A" --db "$B" >"$work/diff.txt"; rc=$?
check "differences: exit 3 and a count of each side" "3:12 differences: 2 only in A, 3 only in B, 7 different" \
  "$rc:$(tail -1 "$work/diff.txt")"
check "... grouped by table, each named with what differs" "shop.orders:1" \
  "$(grep -B100 'column *shop.orders.note' "$work/diff.txt" | grep -v '^ ' | tail -1):$(grep -c 'column *shop.orders.note *type: character varying(200) in A, text in B' "$work/diff.txt")"
out="$("$PGM" diff --db "$A" --db "$B" --json)"
what() { echo "$out" | json_field "differences.find(d => d.identity == '$1').$2"; }
check "--json: a column's type, nullability, default, collation" \
  "type: character varying(200) in A, text in B|nullability: not null in A, null in B|default: 'open'::shop.state in A, 'paid'::shop.state in B|collation: \"C\" in A, \"POSIX\" in B" \
  "$(what shop.orders.note what_differs)|$(what shop.orders.customer_id what_differs)|$(what shop.orders.state what_differs)|$(what shop.customers.name what_differs)"
check "... an enum's labels, a function's body, a constraint's definition" \
  "labels only in B: 'refunded'|1|A: CHECK (((total)::numeric > (0)::numeric)); B: CHECK (((total)::numeric >= (0)::numeric))" \
  "$(what shop.state what_differs)|$(what 'shop.order_count(bigint)' what_differs | grep -c 'count(\*) + 0')|$(what 'orders_total_positive on shop.orders' what_differs)"
check "... what only one side has" "only_in_a:only_in_a:only_in_b:only_in_b:only_in_b" \
  "$(what shop.orders_open presence):$(what 'orders_mine on shop.orders' presence):$(what shop.orders.coupon presence):$(what shop.orders_state presence):$(what shop.big_orders presence)"
check "... the sides and the summary" "false:migrate_describe():3:2" \
  "$(echo "$out" | json_field equal):$(echo "$out" | json_field a.described_by):$(echo "$out" | json_field summary.only_in_b):$(echo "$out" | json_field summary.only_in_a)"
# --sql across majors, B without pg_migrate: the statements (not linted), run
# in B by psql, leave only what B has extra and the enum label A lacks.
"$PGM" diff --db "$A" --db "$B" --sql >"$work/close.sql"; rc=$?
check "--sql across majors, B without pg_migrate: said not linted" "3:1" \
  "$rc:$(grep -c '^-- Nothing has been applied. Not linted: pg_migrate is not installed in B' "$work/close.sql")"
psql -X -q -v ON_ERROR_STOP=1 "$B" -f "$work/close.sql" >"$work/close.out" 2>&1; rc=$?
check "... run in B by psql, they apply" 0 "$rc"
out="$("$PGM" diff --db "$A" --db "$B" --json)"
remaining="$(echo "$out" | json_field differences.length)"
check "... and leave what only B has, and the enum whose label A lacks" "4:3:shop.state" \
  "$remaining:$(echo "$out" | json_field 'differences.filter(d => d.presence == "only_in_b").length'):$(echo "$out" | json_field 'differences.filter(d => d.presence == "different").map(d => d.identity).join()')"
# A search_path whose concat_ws beats the catalog's (exact argument types) on
# both sides: had a side not pinned its own, every column would read "evil".
for db in "$A" "$B"; do
  psql -X -q -v ON_ERROR_STOP=1 "$db" -c "CREATE SCHEMA evil" \
    -c "CREATE FUNCTION evil.concat_ws(text, VARIADIC text[]) RETURNS text LANGUAGE sql AS \$\$ SELECT 'evil' \$\$" >/dev/null
done
out2="$(PGOPTIONS="-c search_path=evil,pg_catalog" "$PGM" diff --db "$A" --db "$B" --json)"
check "a hostile search_path changes nothing" "$remaining:0" \
  "$(echo "$out2" | json_field differences.length):$(echo "$out2" | json_field 'differences.filter(d => d.schema_name != "evil" && ((d.a || "") + (d.b || "")).includes("evil")).length')"
"$PGM" diff --db "$A" >/dev/null 2>&1; rc=$?
check "diff needs two databases" 2 "$rc"

end_checks
