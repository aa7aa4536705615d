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
-- It replaces the (version, logged_at) index that 0.5 recorded by: one index
-- fewer to maintain for every logged change.
DROP INDEX migrate.ddl_log_version_idx;

-- Records what the migrations applied since the last recording changed
-- (those applied with migrate.defer_schema_snapshot = on); returns the
-- number of objects described.
CREATE FUNCTION migrate_record_schema() RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_record_schema';
COMMENT ON FUNCTION migrate_record_schema() IS
    'pg_migrate: record in the schema snapshot what migrations changed since it was last brought up to date; returns the number of objects described';
REVOKE ALL ON FUNCTION migrate_record_schema() FROM PUBLIC;

-- Going back and coming in: revert, baseline, repair, adopt.
--
-- Rows these write use hash format 2, which also covers reason,
-- previous_checksum and adopted_from.  An adopted row may have no checksum:
-- the other tool ran a script pg_migrate never saw.
ALTER TABLE migrate.ledger
    ALTER COLUMN checksum DROP NOT NULL,
    ADD COLUMN previous_checksum text,
    ADD COLUMN adopted_from      text;
COMMENT ON COLUMN migrate.ledger.previous_checksum IS
    'pg_migrate: for a repaired row, the checksum of the script it replaced';
COMMENT ON COLUMN migrate.ledger.adopted_from IS
    'pg_migrate: for a row imported by migrate_adopt(), the tool whose history it came from';

-- DDL run by a down script while migrate_revert() reverts its migration.
ALTER TABLE migrate.ddl_log ADD COLUMN reverting boolean NOT NULL DEFAULT false;

CREATE FUNCTION migrate_revert(
    to_version text,
    down jsonb DEFAULT NULL,
    reason text DEFAULT NULL,
    dry_run boolean DEFAULT false,
    OUT version text,
    OUT name text,
    OUT status text,
    OUT statements integer,
    OUT duration interval)
    RETURNS SETOF record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_revert';
COMMENT ON FUNCTION migrate_revert(text, jsonb, text, boolean) IS
    'pg_migrate: revert every applied migration above to_version, newest first, with their down scripts, all or nothing';

CREATE FUNCTION migrate_baseline(
    version text,
    name text DEFAULT NULL,
    OUT version text,
    OUT name text,
    OUT status text,
    OUT objects bigint)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_baseline';
COMMENT ON FUNCTION migrate_baseline(text, text) IS
    'pg_migrate: record an existing database as being at version, without running anything';

CREATE FUNCTION migrate_repair(
    version text,
    script text,
    reason text,
    down text DEFAULT NULL,
    OUT version text,
    OUT status text,
    OUT previous_checksum text,
    OUT checksum text)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_repair';
COMMENT ON FUNCTION migrate_repair(text, text, text, text) IS
    'pg_migrate: accept a reviewed change to an applied migration''s script (a new ledger row; history is kept)';

CREATE FUNCTION migrate_adopt(
    source text DEFAULT NULL,
    history regclass DEFAULT NULL,
    known jsonb DEFAULT NULL,
    OUT source text,
    OUT version text,
    OUT name text,
    OUT status text,
    OUT applied_at timestamptz,
    OUT applied_by text,
    OUT note text)
    RETURNS SETOF record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_adopt';
COMMENT ON FUNCTION migrate_adopt(text, regclass, jsonb) IS
    'pg_migrate: import the history of flyway, golang-migrate, dbmate, Prisma, Supabase, sqitch or a hand-made schema_migrations table, without running anything';

REVOKE ALL ON FUNCTION migrate_revert(text, jsonb, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate_baseline(text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate_repair(text, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate_adopt(text, regclass, jsonb) FROM PUBLIC;
