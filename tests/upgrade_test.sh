#!/usr/bin/env bash
# ALTER EXTENSION pg_migrate UPDATE reaches the same state as a fresh install,
# from every older version, and keeps the ledger's rows and chain.
# Uses the PG* variables of the test cluster.
set -euo pipefail
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -At "$@"; }
passed=0; failed=0
check() { if [ "$2" = "$3" ]; then passed=$((passed+1)); echo "ok - $1"; else failed=$((failed+1)); echo "not ok - $1"; diff <(echo "$2") <(echo "$3") | head -40; fi; }

# Everything that makes up the installed extension, as text: member objects with
# their definitions and comments, columns (and their order), constraints,
# indexes, triggers, privileges, and the configuration tables pg_dump keeps.
# A fresh install runs pg_migrate--<default>.sql, the rolled-up script; an
# upgraded one pg_migrate--0.1.sql and every upgrade script after it.
read -r -d '' shape <<'SQL' || true
WITH members AS (
    SELECT d.classid, d.objid, d.objsubid
      FROM pg_depend d JOIN pg_extension e ON d.refobjid = e.oid
     WHERE d.refclassid = 'pg_extension'::regclass AND e.extname = 'pg_migrate' AND d.deptype = 'e'
)
SELECT 'member ' || pg_describe_object(classid, objid, objsubid) FROM members
UNION ALL
SELECT 'function ' || p.oid::regprocedure || ' ' || pg_get_function_result(p.oid) || ' ' || p.provolatile::text ||
       ' strict=' || p.proisstrict || ' secdef=' || p.prosecdef || ' acl=' || coalesce(p.proacl::text, '-') ||
       ' src=' || p.prosrc || ' cfg=' || coalesce(p.proconfig::text, '-')
  FROM pg_proc p JOIN members m ON m.classid = 'pg_proc'::regclass AND m.objid = p.oid
UNION ALL
SELECT 'column ' || c.oid::regclass || '.' || a.attname || ' ' || format_type(a.atttypid, a.atttypmod) ||
       ' notnull=' || a.attnotnull || ' default=' || coalesce(pg_get_expr(ad.adbin, ad.adrelid), '-') ||
       ' identity=' || a.attidentity::text || ' compression=' || coalesce(nullif(a.attcompression::text, ''), '-')
  FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
  LEFT JOIN pg_attrdef ad ON ad.adrelid = c.oid AND ad.adnum = a.attnum
 WHERE n.nspname = 'migrate'
UNION ALL
SELECT 'columns in order ' || c.oid::regclass || ' ' || string_agg(a.attname, ',' ORDER BY a.attnum)
  FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
 WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind = 'r'
 GROUP BY c.oid
UNION ALL
SELECT 'comment ' || pg_describe_object(d.classoid, d.objoid, d.objsubid) || ' ' || d.description
  FROM pg_description d JOIN members m ON m.classid = d.classoid AND m.objid = d.objoid
UNION ALL
SELECT 'constraint ' || conrelid::regclass || ' ' || pg_get_constraintdef(oid)
  FROM pg_constraint WHERE connamespace = 'migrate'::regnamespace
UNION ALL
SELECT 'index ' || pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
 WHERE c.relnamespace = 'migrate'::regnamespace
UNION ALL
SELECT 'trigger ' || pg_get_triggerdef(t.oid) FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
 WHERE c.relnamespace = 'migrate'::regnamespace AND NOT t.tgisinternal
UNION ALL
SELECT 'event trigger ' || evtname || ' on ' || evtevent || ' ' || evtfoid::regprocedure || ' enabled=' ||
       evtenabled::text || ' tags=' || coalesce(evttags::text, '-') FROM pg_event_trigger
UNION ALL
SELECT 'acl ' || c.oid::regclass || ' ' || coalesce(c.relacl::text, '-') FROM pg_class c
 WHERE c.relnamespace = 'migrate'::regnamespace
UNION ALL
SELECT 'schema acl ' || coalesce(nspacl::text, '-') FROM pg_namespace WHERE nspname = 'migrate'
UNION ALL
SELECT 'config ' || unnest(extconfig)::regclass FROM pg_extension WHERE extname = 'pg_migrate'
UNION ALL
SELECT 'version ' || extversion FROM pg_extension WHERE extname = 'pg_migrate'
ORDER BY 1
SQL

default_version=$(psql_q -d postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'pg_migrate'")
for db in pgm_fresh pgm_upgraded; do psql_q -d postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"; done
psql_q -d postgres -c "DROP ROLE IF EXISTS pgm_upgrade_deployer" -c "CREATE ROLE pgm_upgrade_deployer"
psql_q -d pgm_fresh -c "CREATE EXTENSION pg_migrate"
fresh=$(psql_q -d pgm_fresh -c "$shape")

# Every older version that has an install script or an upgrade path.
for old in $(psql_q -d postgres -c "SELECT version FROM pg_available_extension_versions WHERE name = 'pg_migrate' AND version <> '$default_version' ORDER BY version"); do
  psql_q -d postgres -c "DROP DATABASE IF EXISTS pgm_upgraded" -c "CREATE DATABASE pgm_upgraded"
  psql_q -d pgm_upgraded -c "CREATE EXTENSION pg_migrate VERSION '$old'" \
    -c "SELECT status FROM migrate_apply('001', 'CREATE TABLE kept (id int)', name => 'before the upgrade')" >/dev/null
  before=$(psql_q -d pgm_upgraded -c "SELECT string_agg(concat_ws('|', id, version, name, checksum, prev_hash, hash), ',' ORDER BY id) FROM migrate.ledger")
  # A grant a deployer was given survives a function the upgrade re-creates.
  revert="migrate_revert(text, jsonb, text, boolean, text[])"
  granted=$(psql_q -d pgm_upgraded -c "SELECT to_regprocedure('$revert') IS NOT NULL")
  [ "$granted" = t ] && psql_q -d pgm_upgraded -c "GRANT EXECUTE ON FUNCTION $revert TO pgm_upgrade_deployer"
  psql_q -d pgm_upgraded -c "GRANT EXECUTE ON FUNCTION migrate_status(jsonb) TO pgm_upgrade_deployer"
  psql_q -d pgm_upgraded -c "ALTER EXTENSION pg_migrate UPDATE"
  check "$old -> $default_version: EXECUTE granted on migrate_status is kept" "t" \
    "$(psql_q -d pgm_upgraded -c "SELECT has_function_privilege('pgm_upgrade_deployer', 'migrate_status(jsonb)', 'EXECUTE')")"
  psql_q -d pgm_upgraded -c "REVOKE EXECUTE ON FUNCTION migrate_status(jsonb) FROM pgm_upgrade_deployer"
  if [ "$granted" = t ]; then
    check "$old -> $default_version: EXECUTE granted on migrate_revert is kept" "t" \
      "$(psql_q -d pgm_upgraded -c "SELECT has_function_privilege('pgm_upgrade_deployer', '$revert', 'EXECUTE')")"
    psql_q -d pgm_upgraded -c "REVOKE EXECUTE ON FUNCTION $revert FROM pgm_upgrade_deployer"
  fi
  check "$old -> $default_version: same objects and definitions as a fresh install" "$fresh" "$(psql_q -d pgm_upgraded -c "$shape")"
  check "$old -> $default_version: ledger rows kept" "$before" "$(psql_q -d pgm_upgraded -c "SELECT string_agg(concat_ws('|', id, version, name, checksum, prev_hash, hash), ',' ORDER BY id) FROM migrate.ledger")"
  check "$old -> $default_version: migrating goes on" "applied" "$(psql_q -d pgm_upgraded -c "SELECT status FROM migrate_apply('002', 'CREATE TABLE after (id int)')")"
  check "$old -> $default_version: DDL is logged, the upgrade itself is not" "002 public.after" "$(psql_q -d pgm_upgraded -c "SELECT string_agg(coalesce(version, '-') || ' ' || object_identity, ',') FROM migrate.ddl_log WHERE version IS NULL OR version = '002'")"
  check "$old -> $default_version: the first migration after it records the schema" "t|public.after,public.kept" "$(psql_q -d pgm_upgraded -c "SELECT bool_and(ok) FROM migrate_verify() WHERE check_name = 'schema_drift'" -c "SELECT string_agg(identity, ',' ORDER BY identity) FROM migrate.schema_objects WHERE object_type = 'table'" | paste -sd'|')"
  check "$old -> $default_version: new functions work" "started" "$(psql_q -d pgm_upgraded -c "SELECT status FROM migrate_steps_begin('003', 'CREATE INDEX CONCURRENTLY ON after (id)')")"
done
for db in pgm_fresh pgm_upgraded; do psql_q -d postgres -c "DROP DATABASE IF EXISTS $db"; done
psql_q -d postgres -c "DROP ROLE pgm_upgrade_deployer"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ] && [ "$passed" -gt 0 ]
