-- pg_migrate 0.12 -> 0.13: migrate_submit hands a migration to a background
-- worker of the server (a non-transactional one becomes one SQL call, also
-- through a transaction-mode pooler); migrate_wait waits for it.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.13'" to load this file. \quit

-- ------------------------------------------- migrations run by the server itself
-- One row per migration handed to the server's runner (migrate_submit): a
-- background worker that runs it on its own connection, at top level, so that
-- a caller without a session of its own (an SQL editor, a transaction-mode
-- pooler) can apply a migration that cannot run in a transaction.  id names
-- the runner's advisory lock: a runner holds it while it works.
CREATE TABLE migrate.submissions (
    version_key     bytea       PRIMARY KEY,
    id              integer     GENERATED ALWAYS AS IDENTITY UNIQUE,
    version         text        NOT NULL,
    name            text,
    script          text        NOT NULL,
    checksum        text        NOT NULL,
    down            text,
    verify          text,
    out_of_order    boolean     NOT NULL,
    allow           text[],
    in_transaction  boolean     NOT NULL,   -- run as one transaction, as migrate_apply
    status          text        NOT NULL
        CHECK (status IN ('queued', 'running', 'applied', 'skipped', 'failed')),
    statements      integer,
    done            integer     NOT NULL DEFAULT 0,
    statement       integer,    -- the statement running, or the one that failed
    line            integer,    -- its line in the script
    error           text,
    sqlstate        text,
    detail          text,
    hint            text,
    invalid_indexes text[],     -- left INVALID by a failed concurrent build
    submitted_by    text        NOT NULL,
    submitted_at    timestamptz NOT NULL,
    started_at      timestamptz,
    finished_at     timestamptz,
    worker_pid      integer,
    resumes         integer     NOT NULL DEFAULT 0  -- runs resumed after a runner stopped mid-way
);
COMMENT ON TABLE migrate.submissions IS
    'pg_migrate: migrations handed to the server''s runner (migrate_submit), queued, running or finished';
REVOKE ALL ON migrate.submissions FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrate.submissions', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('migrate.submissions', 'id'), '');

CREATE FUNCTION migrate_submit(
    version text,
    script text,
    name text DEFAULT NULL,
    down text DEFAULT NULL,
    verify text DEFAULT NULL,
    out_of_order boolean DEFAULT false,
    allow text[] DEFAULT NULL,
    OUT version text,
    OUT status text,
    OUT statements integer,
    OUT done integer,
    OUT statement integer,
    OUT line integer,
    OUT error text,
    OUT sqlstate text,
    OUT detail text,
    OUT hint text,
    OUT invalid_indexes text[],
    OUT submitted_at timestamptz,
    OUT finished_at timestamptz)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_submit';
COMMENT ON FUNCTION migrate_submit(text, text, text, text, text, boolean, text[]) IS
    'pg_migrate: hand a migration to a background worker of the server, which runs it (at top level, statement by statement, when it cannot run in a transaction); returns at once (queued, or skipped)';
REVOKE ALL ON FUNCTION migrate_submit(text, text, text, text, text, boolean, text[]) FROM PUBLIC;

CREATE FUNCTION migrate_wait(
    version text,
    timeout interval DEFAULT '10 minutes',
    OUT version text,
    OUT status text,
    OUT statements integer,
    OUT done integer,
    OUT statement integer,
    OUT line integer,
    OUT error text,
    OUT sqlstate text,
    OUT detail text,
    OUT hint text,
    OUT invalid_indexes text[],
    OUT submitted_at timestamptz,
    OUT finished_at timestamptz)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_wait';
COMMENT ON FUNCTION migrate_wait(text, interval) IS
    'pg_migrate: wait until a submitted migration is applied or failed (at most timeout), holding no snapshot a concurrent index build would wait for; resumes it when its runner stopped';
REVOKE ALL ON FUNCTION migrate_wait(text, interval) FROM PUBLIC;
