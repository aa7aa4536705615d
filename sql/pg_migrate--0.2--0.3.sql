-- pg_migrate 0.2 -> 0.3: DDL provenance.  Event triggers log every schema
-- change with the migration (and statement) that made it, or none; the
-- migrate.guard setting can warn about or refuse changes made outside migrations.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.3'" to load this file. \quit

-- One row per object a DDL statement created, altered, dropped or rewrote.
-- Written only by the event triggers below (as the table's owner), in the
-- transaction of the DDL: a statement or migration that fails leaves no rows.
-- id orders the rows; it is deliberately not a key: restoring a dump runs DDL
-- (logged as it runs) before the dumped rows are loaded, and both may carry
-- the same ids.  A restore must never fail on its own log.
CREATE TABLE migrate.ddl_log (
    id               bigint GENERATED ALWAYS AS IDENTITY,
    logged_at        timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    event            text        NOT NULL
        CHECK (event IN ('ddl_command_end', 'sql_drop', 'table_rewrite')),
    version          text,       -- the migration that made the change; NULL: none
    statement        integer,    -- the statement of that migration
    command_tag      text        NOT NULL,
    object_type      text,
    schema_name      text,
    object_identity  text,
    detail           text,
    role             text        NOT NULL,  -- whose rights ran the statement
    session_role     text        NOT NULL,  -- who logged in
    application_name text,
    client_addr      inet,
    backend_pid      integer     NOT NULL,
    xid              xid8        NOT NULL,
    statement_text   text        -- the statement itself, not the whole query string
);
CREATE INDEX ddl_log_id_idx ON migrate.ddl_log (id);
-- Out-of-band changes are looked up by time (migrate_status, migrate_out_of_band_ddl).
CREATE INDEX ddl_log_out_of_band_idx ON migrate.ddl_log (logged_at) WHERE version IS NULL;
COMMENT ON TABLE migrate.ddl_log IS
    'pg_migrate: every schema change, with the migration and statement that made it (version NULL: outside migrations)';
REVOKE ALL ON migrate.ddl_log FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrate.ddl_log', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('migrate.ddl_log', 'id'), '');

CREATE FUNCTION migrate.on_ddl_command_start() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'migrate_ddl_command_start';
CREATE FUNCTION migrate.on_ddl_command_end() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'migrate_ddl_command_end';
CREATE FUNCTION migrate.on_sql_drop() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'migrate_sql_drop';
CREATE FUNCTION migrate.on_table_rewrite() RETURNS event_trigger
    LANGUAGE c AS 'MODULE_PATHNAME', 'migrate_table_rewrite';
REVOKE ALL ON FUNCTION migrate.on_ddl_command_start() FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.on_ddl_command_end() FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.on_sql_drop() FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate.on_table_rewrite() FROM PUBLIC;

CREATE EVENT TRIGGER pg_migrate_guard ON ddl_command_start
    EXECUTE FUNCTION migrate.on_ddl_command_start();
CREATE EVENT TRIGGER pg_migrate_log_ddl ON ddl_command_end
    EXECUTE FUNCTION migrate.on_ddl_command_end();
CREATE EVENT TRIGGER pg_migrate_log_drop ON sql_drop
    EXECUTE FUNCTION migrate.on_sql_drop();
CREATE EVENT TRIGGER pg_migrate_log_rewrite ON table_rewrite
    EXECUTE FUNCTION migrate.on_table_rewrite();

-- Out-of-band DDL since the last migration, one row per object.
CREATE FUNCTION migrate_out_of_band_ddl(
    OUT object_type text,
    OUT object_identity text,
    OUT changes integer,
    OUT first_at timestamptz,
    OUT last_at timestamptz,
    OUT last_command text,
    OUT roles text,
    OUT last_statement text)
    RETURNS SETOF record
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'migrate_out_of_band_ddl';
COMMENT ON FUNCTION migrate_out_of_band_ddl() IS
    'pg_migrate: schema changes made outside migrations since the last migration, one row per object';
REVOKE ALL ON FUNCTION migrate_out_of_band_ddl() FROM PUBLIC;
