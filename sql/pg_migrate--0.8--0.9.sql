-- pg_migrate 0.8 -> 0.9: the schema snapshot owed after a run of migrations
-- can be recorded by a background worker, so the run does not wait for it.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.9'" to load this file. \quit

-- Starts a background worker that does what migrate_record_schema() does,
-- under the ledger lock, in a transaction of its own; returns false when no
-- worker could be started (then call migrate_record_schema()).
CREATE FUNCTION migrate_record_schema_in_background() RETURNS boolean
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_record_schema_in_background';
COMMENT ON FUNCTION migrate_record_schema_in_background() IS
    'pg_migrate: record the schema snapshot owed by migrations in a background worker, after this transaction; false when no worker could be started';
REVOKE ALL ON FUNCTION migrate_record_schema_in_background() FROM PUBLIC;
