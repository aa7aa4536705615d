-- Installing the extension: where things live and who may use them.
CREATE EXTENSION pg_migrate;

-- Functions in pg_catalog (callable unqualified whatever the search_path),
-- the ledger in schema "migrate".
SELECT p.proname, n.nspname, p.prosecdef AS security_definer
  FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
 WHERE p.proname LIKE 'migrate%' OR n.nspname = 'migrate'
 ORDER BY 1;
SELECT c.relname, c.relkind FROM pg_class c
 WHERE c.relnamespace = 'migrate'::regnamespace ORDER BY 1;

-- EXECUTE is revoked from PUBLIC on everything that reads or writes the ledger.
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc p WHERE p.proname LIKE 'migrate\_%' ORDER BY 1;
SELECT has_schema_privilege('public', 'migrate', 'USAGE') AS public_schema_usage,
       has_table_privilege('public', 'migrate.ledger', 'SELECT') AS public_select;

-- A ledger row's scripts are compressed with lz4 (0.10; this server has it),
-- much faster than pglz for a data migration of hundreds of megabytes.
SELECT a.attname, a.attcompression FROM pg_attribute a
 WHERE a.attrelid = 'migrate.ledger'::regclass AND a.attcompression <> '' ORDER BY a.attnum;

-- pg_dump keeps the ledger's rows: the table and its sequence are configuration.
SELECT unnest(extconfig)::regclass AS config, unnest(extcondition) AS condition
  FROM pg_extension WHERE extname = 'pg_migrate' ORDER BY 1;

-- The functions are found whatever the search_path.
SET search_path = nowhere;
SELECT migrate_version() IS NULL AS empty_ledger;
RESET search_path;

-- And the extension can go away cleanly.
DROP EXTENSION pg_migrate;
SELECT count(*) FROM pg_namespace WHERE nspname = 'migrate';

-- An older version brought up to date within one session: migrate_apply's
-- row gains columns on the way (0.7), and the session returns the new row.
CREATE EXTENSION pg_migrate VERSION '0.6';
SELECT status, statements FROM migrate_apply('001', 'CREATE TABLE before_update (id int)');
ALTER EXTENSION pg_migrate UPDATE;
SELECT status, statements, risk FROM migrate_apply('002', 'CREATE TABLE after_update (id int)');
SELECT version, status, risk FROM migrate.ledger ORDER BY id;
DROP EXTENSION pg_migrate;
DROP TABLE before_update, after_update;
