-- pg_migrate 0.3 -> 0.4: migrate_verify(), proof that the database still
-- matches its ledger, and migrate.verify_log, the record of every run.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.4'" to load this file. \quit

-- One row per migrate_verify() run.  A failing run with raise => true is
-- recorded by a background worker in a transaction of its own, so the ERROR
-- that fails a scheduled job does not roll its record back.
CREATE TABLE migrate.verify_log (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    verified_at      timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
    ok               boolean     NOT NULL,
    checks           integer     NOT NULL,  -- how many checks ran
    failures         jsonb       NOT NULL,  -- [{"check_name", "object", "detail"}, ...]
    duration         interval    NOT NULL,
    verified_by      text        NOT NULL,
    application_name text,
    backend_pid      integer     NOT NULL
);
CREATE INDEX verify_log_verified_at_idx ON migrate.verify_log (verified_at);
COMMENT ON TABLE migrate.verify_log IS
    'pg_migrate: every migrate_verify() run, failing runs included';
REVOKE ALL ON migrate.verify_log FROM PUBLIC;

CREATE FUNCTION migrate_verify(
    raise boolean DEFAULT false,
    OUT check_name text,
    OUT object text,
    OUT ok boolean,
    OUT detail text)
    RETURNS SETOF record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_verify';
COMMENT ON FUNCTION migrate_verify(boolean) IS
    'pg_migrate: check that the database still matches its ledger; one row per check or problem';
REVOKE ALL ON FUNCTION migrate_verify(boolean) FROM PUBLIC;
