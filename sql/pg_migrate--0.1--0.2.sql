-- pg_migrate 0.1 -> 0.2: migrations that run outside a transaction.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.2'" to load this file. \quit

-- One row per non-transactional migration under way: how far it got.  The
-- client runs such a migration statement by statement at top level (CREATE
-- INDEX CONCURRENTLY cannot run in a transaction) and records each statement
-- here as it completes, so a failure says exactly where it stopped and the
-- next run resumes there.  The row goes away when the migration is recorded
-- in the ledger.
CREATE TABLE migrate.progress (
    version_key  bytea       PRIMARY KEY,
    version      text        NOT NULL,
    name         text,
    checksum     text        NOT NULL,
    statements   integer     NOT NULL CHECK (statements > 0),
    done         integer     NOT NULL DEFAULT 0 CHECK (done BETWEEN 0 AND statements),
    started_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    started_by   text        NOT NULL,
    last_error   text
);
COMMENT ON TABLE migrate.progress IS
    'pg_migrate: non-transactional migrations under way (statements done so far)';
REVOKE ALL ON migrate.progress FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrate.progress', '');

CREATE FUNCTION migrate_steps_begin(
    version text,
    script text,
    name text DEFAULT NULL,
    out_of_order boolean DEFAULT false,
    OUT status text,
    OUT done integer,
    OUT statements integer)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_steps_begin';
COMMENT ON FUNCTION migrate_steps_begin(text, text, text, boolean) IS
    'pg_migrate: start or resume a migration that runs outside a transaction; returns how many statements are done';

CREATE FUNCTION migrate_step_done(version text, statement integer) RETURNS void
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'migrate_step_done';
COMMENT ON FUNCTION migrate_step_done(text, integer) IS
    'pg_migrate: record that a statement of a non-transactional migration completed';

CREATE FUNCTION migrate_step_failed(version text, statement integer, error text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_step_failed';
COMMENT ON FUNCTION migrate_step_failed(text, integer, text) IS
    'pg_migrate: record why a statement of a non-transactional migration failed';

CREATE FUNCTION migrate_steps_finish(
    version text,
    script text,
    name text DEFAULT NULL,
    down text DEFAULT NULL,
    verify text DEFAULT NULL,
    OUT version text,
    OUT name text,
    OUT status text,
    OUT checksum text,
    OUT statements integer,
    OUT duration interval,
    OUT out_of_order boolean)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_steps_finish';
COMMENT ON FUNCTION migrate_steps_finish(text, text, text, text, text) IS
    'pg_migrate: record a completed non-transactional migration in the ledger';

-- Repeatable migrations (Flyway's R__name.sql): version "R__" || name, sorted
-- after every versioned migration, applied again whenever the script changes.
CREATE FUNCTION migrate_apply_repeatable(
    name text,
    script text,
    down text DEFAULT NULL,
    verify text DEFAULT NULL,
    dry_run boolean DEFAULT false,
    OUT version text,
    OUT name text,
    OUT status text,
    OUT checksum text,
    OUT statements integer,
    OUT duration interval,
    OUT out_of_order boolean)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_apply_repeatable';
COMMENT ON FUNCTION migrate_apply_repeatable(text, text, text, text, boolean) IS
    'pg_migrate: apply a repeatable migration (version R__<name>) when its script is new or changed';

REVOKE ALL ON FUNCTION migrate_apply_repeatable(text, text, text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate_steps_begin(text, text, text, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate_step_done(text, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate_step_failed(text, integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate_steps_finish(text, text, text, text, text) FROM PUBLIC;
