-- pg_migrate 0.4 -> 0.5: the schema snapshot behind migrate_verify()'s
-- schema_drift check.  After each migration the objects it touched are
-- recorded in migrate.schema_objects in a canonical text form; verify
-- describes the live schema the same way and names every difference.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.5'" to load this file. \quit

-- The catalog address of what each logged command touched: the snapshot is
-- refreshed from these after each migration (only what it touched).
ALTER TABLE migrate.ddl_log ADD COLUMN classid oid, ADD COLUMN objid oid;
CREATE INDEX ddl_log_version_idx ON migrate.ddl_log (version, logged_at) WHERE version IS NOT NULL;

-- One row per object pg_migrate manages, as the last migration that touched
-- it left it.  object_type and identity name it (identity as
-- pg_identify_object spells it); definition is its canonical description.
-- scope_* is the catalog row the object belongs to (a table for its columns,
-- constraints, indexes, triggers, policies and rules) and own_* its own: both
-- are used to refresh only what a migration touched, and neither is compared
-- (object identifiers change in a dump and restore; names do not).
CREATE TABLE migrate.schema_objects (
    object_type text        NOT NULL,
    identity    text        NOT NULL,
    schema_name text,       -- NULL for extensions
    definition  text        NOT NULL,
    scope_class oid         NOT NULL,
    scope_oid   oid         NOT NULL,
    own_class   oid         NOT NULL,
    own_oid     oid         NOT NULL,
    version     text,       -- the migration that recorded it; NULL: migrate_snapshot()
    recorded_at timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    PRIMARY KEY (object_type, identity)
);
CREATE INDEX schema_objects_scope_idx ON migrate.schema_objects (scope_oid, scope_class);
CREATE INDEX schema_objects_own_idx ON migrate.schema_objects (own_oid, own_class);
COMMENT ON TABLE migrate.schema_objects IS
    'pg_migrate: every managed object as migrations left it; migrate_verify() compares the live schema with it';
REVOKE ALL ON migrate.schema_objects FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrate.schema_objects', '');

-- When and where the snapshot was taken (at most one row).  The system
-- identifier and database OID tell whether the object identifiers in
-- migrate.schema_objects are still this database's: after a restore or
-- pg_upgrade they are matched to the objects again by name.
CREATE TABLE migrate.schema_snapshot (
    one               boolean     PRIMARY KEY DEFAULT true CHECK (one),
    taken_at          timestamptz NOT NULL,
    taken_by          text        NOT NULL,
    reason            text,
    system_identifier numeric     NOT NULL,
    database_oid      oid         NOT NULL
);
COMMENT ON TABLE migrate.schema_snapshot IS
    'pg_migrate: when the whole schema was last recorded in migrate.schema_objects, by whom and why';
REVOKE ALL ON migrate.schema_snapshot FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrate.schema_snapshot', '');

-- Records the whole live schema as the expected one: accepts every
-- difference schema_drift reports.  The first migration does this by itself.
CREATE FUNCTION migrate_snapshot(reason text DEFAULT NULL) RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_snapshot';
COMMENT ON FUNCTION migrate_snapshot(text) IS
    'pg_migrate: record the live schema as expected by the ledger (accepts any schema drift); returns the number of objects';
REVOKE ALL ON FUNCTION migrate_snapshot(text) FROM PUBLIC;
