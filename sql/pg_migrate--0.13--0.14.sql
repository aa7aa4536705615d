-- pg_migrate 0.13 -> 0.14: migrate_describe() returns the live schema as
-- pg_migrate describes it for schema_drift, for anyone who may connect: what
-- a diff of two databases reads on each side.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.14'" to load this file. \quit

-- The live schema as schema_drift describes it (within migrate.schemas), one
-- row per object: what a diff of two databases reads on each side.  It reads
-- only the catalogs, which every role that may connect can read.
CREATE FUNCTION migrate_describe(
    OUT object_type text,
    OUT identity text,
    OUT schema_name text,
    OUT parent text,
    OUT definition text)
    RETURNS SETOF record
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'migrate_describe';
COMMENT ON FUNCTION migrate_describe() IS
    'pg_migrate: the live schema as pg_migrate describes it, one row per object (what schema_drift compares)';
GRANT EXECUTE ON FUNCTION migrate_describe() TO PUBLIC;
