-- pg_migrate 0.5 -> 0.6: the schema snapshot can be brought up to date once
-- after a batch of migrations instead of after each of them.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.6'" to load this file. \quit

-- How far migrate.ddl_log has been absorbed into migrate.schema_objects: the
-- id of the newest log row described.  Migration DDL logged after it is owed
-- (migrate.defer_schema_snapshot postponed it, or the session ended first);
-- the next migration, migrate_record_schema() or migrate_verify() records it.
ALTER TABLE migrate.schema_snapshot ADD COLUMN recorded_through bigint;
UPDATE migrate.schema_snapshot SET recorded_through = (SELECT max(id) FROM migrate.ddl_log);
CREATE INDEX ddl_log_migration_id_idx ON migrate.ddl_log (id) WHERE version IS NOT NULL;

-- Records what the migrations applied since the last recording changed
-- (those applied with migrate.defer_schema_snapshot = on); returns the
-- number of objects described.
CREATE FUNCTION migrate_record_schema() RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_record_schema';
COMMENT ON FUNCTION migrate_record_schema() IS
    'pg_migrate: record in the schema snapshot what migrations changed since it was last brought up to date; returns the number of objects described';
REVOKE ALL ON FUNCTION migrate_record_schema() FROM PUBLIC;
