-- pg_migrate 0.14 -> 0.15: migrate_out_of_band_statements(), the DDL run
-- outside migrations since the last one, statement by statement: what
-- `pg_migrate pull` writes as the next migration.  (A migration marked
-- "-- migrate:pulled" has its statements that already ran here recorded
-- instead of run: that is the library's, no SQL object changes for it.)
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.15'" to load this file. \quit

-- The same DDL statement by statement, in the order it ran, with who ran it
-- and when: what `pg_migrate pull` writes as the next migration.
CREATE FUNCTION migrate_out_of_band_statements(
    OUT statement integer,
    OUT logged_at timestamptz,
    OUT role text,
    OUT session_role text,
    OUT application_name text,
    OUT command text,
    OUT objects text,
    OUT sql text,
    OUT ddl_log_ids bigint[])
    RETURNS SETOF record
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'migrate_out_of_band_statements';
COMMENT ON FUNCTION migrate_out_of_band_statements() IS
    'pg_migrate: the statements run outside migrations since the last migration, in order, with who ran them and when';
REVOKE ALL ON FUNCTION migrate_out_of_band_statements() FROM PUBLIC;
