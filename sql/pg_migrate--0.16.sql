-- pg_migrate 0.16, installed in one go: what pg_migrate--0.1.sql and the
-- upgrade scripts up to 0.16 build, each object created once in its final form
-- (CREATE EXTENSION on a fresh database then runs a third of the statements).
-- tests/upgrade_test.sh checks that both ways reach the same state.  The
-- comments saying why each part exists are in the upgrade script that added it.
\echo Use "CREATE EXTENSION pg_migrate" to load this file. \quit

CREATE SCHEMA migrate;
COMMENT ON SCHEMA migrate IS 'pg_migrate: migration ledger';
REVOKE ALL ON SCHEMA migrate FROM PUBLIC;

-- ------------------------------------------------------------------ the ledger

-- Append-only history: one row per event (applied, reverted, ...), never
-- updated or deleted.  Each row carries a SHA-256 hash chained to the previous
-- row (prev_hash -> hash) so that any edit of history can be detected.  Rows
-- of hash format 1 cover the columns up to verify and the session ones;
-- format 2 adds reason, previous_checksum and adopted_from; format 3 the risk.
CREATE TABLE migrate.ledger (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version           text        NOT NULL,
    version_key       bytea       NOT NULL,  -- natural sort key of version
    name              text,
    status            text        NOT NULL
        CHECK (status IN ('applied', 'reverted', 'baseline', 'repaired', 'adopted')),
    checksum          text,                  -- SHA-256 of the script, line endings normalised
    fingerprint       text,                  -- SHA-256 of the script's tokens
    script            text,
    down              text,
    verify            text,
    out_of_order      boolean     NOT NULL DEFAULT false,
    statements        integer,
    applied_at        timestamptz NOT NULL,
    applied_by        text        NOT NULL,
    application_name  text,
    client_addr       inet,
    duration          interval,
    reason            text,
    prev_hash         text,
    hash              text        NOT NULL,
    hash_format       integer     NOT NULL DEFAULT 1,
    previous_checksum text,
    adopted_from      text,
    risk              text
        CHECK (risk IN ('safe', 'locking', 'breaking', 'data_loss')),
    script_summarised boolean     NOT NULL DEFAULT false
);
CREATE INDEX ledger_version_key_idx ON migrate.ledger (version_key, id);
-- The scripts a row keeps are compressed with lz4 where the server has it
-- (asked by trying: reading pg_settings builds every setting's row).
DO $$
BEGIN
    ALTER TABLE migrate.ledger ALTER COLUMN script SET COMPRESSION lz4,
                               ALTER COLUMN down SET COMPRESSION lz4,
                               ALTER COLUMN verify SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    NULL;  -- a server built without lz4 keeps pglz
END
$$;
COMMENT ON TABLE migrate.ledger IS
    'pg_migrate: append-only migration history; written only by the pg_migrate functions';
COMMENT ON COLUMN migrate.ledger.previous_checksum IS
    'pg_migrate: for a repaired row, the checksum of the script it replaced';
COMMENT ON COLUMN migrate.ledger.adopted_from IS
    'pg_migrate: for a row imported by migrate_adopt(), the tool whose history it came from';
COMMENT ON COLUMN migrate.ledger.script_summarised IS
    'pg_migrate: the script kept is a summary of the one run: a streamed migration''s COPY data (rows, bytes, SHA-256), and what followed its first 16 MB';
REVOKE ALL ON migrate.ledger FROM PUBLIC;

-- History is append-only, even for the table's owner.
CREATE FUNCTION migrate.ledger_is_append_only() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS
$$
BEGIN
    RAISE EXCEPTION 'the migration ledger is append-only'
        USING ERRCODE = 'MG004',
              DETAIL = pg_catalog.format('%s on migrate.ledger would rewrite migration history.', TG_OP),
              HINT = 'Record changes with pg_migrate''s functions; they add rows instead.';
END
$$;
REVOKE ALL ON FUNCTION migrate.ledger_is_append_only() FROM PUBLIC;
CREATE TRIGGER ledger_no_update_delete BEFORE UPDATE OR DELETE ON migrate.ledger
    FOR EACH ROW EXECUTE FUNCTION migrate.ledger_is_append_only();
CREATE TRIGGER ledger_no_truncate BEFORE TRUNCATE ON migrate.ledger
    FOR EACH STATEMENT EXECUTE FUNCTION migrate.ledger_is_append_only();

-- pg_dump keeps the ledger's rows (and the identity sequence's position).
SELECT pg_catalog.pg_extension_config_dump('migrate.ledger', '');
SELECT pg_catalog.pg_extension_config_dump(
    pg_catalog.pg_get_serial_sequence('migrate.ledger', 'id'), '');

CREATE FUNCTION migrate.version_key(version text) RETURNS bytea
    LANGUAGE c IMMUTABLE STRICT PARALLEL SAFE
    AS 'MODULE_PATHNAME', 'migrate_version_key';
COMMENT ON FUNCTION migrate.version_key(text) IS
    'pg_migrate: natural sort key of a migration version (bytea order = version order)';

-- ------------------------------------------- migrations outside a transaction

-- One row per non-transactional migration under way: how far it got.
CREATE TABLE migrate.progress (
    version_key  bytea       PRIMARY KEY,
    version      text        NOT NULL,
    name         text,
    checksum     text        NOT NULL,
    statements   integer     NOT NULL CHECK (statements >= 0),  -- 0: a placeholder, recorded as a no-op
    done         integer     NOT NULL DEFAULT 0 CHECK (done BETWEEN 0 AND statements),
    started_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    started_by   text        NOT NULL,
    last_error   text,
    risk         text
        CHECK (risk IN ('safe', 'locking', 'breaking', 'data_loss'))
);
COMMENT ON TABLE migrate.progress IS
    'pg_migrate: non-transactional migrations under way (statements done so far)';
REVOKE ALL ON migrate.progress FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrate.progress', '');

-- --------------------------------------------------------------- DDL provenance

-- One row per object a DDL statement created, altered, dropped or rewrote.
-- id orders the rows; it is deliberately not a key (a restore runs logged DDL
-- before the dumped rows are loaded, and both may carry the same ids).
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
    statement_text   text,       -- the statement itself, not the whole query string
    classid          oid,        -- the catalog address of what the command touched
    objid            oid,
    reverting        boolean     NOT NULL DEFAULT false  -- run by a down script of migrate_revert()
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

-- -------------------------------------------------------- verification

-- One row per migrate_verify() run, failing runs included.
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

-- One row per object pg_migrate manages, as the last migration that touched
-- it left it (the schema snapshot behind migrate_verify()'s schema_drift).
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

-- When and where the snapshot was taken (at most one row), and how far
-- migrate.ddl_log has been absorbed into it (recorded_through).
CREATE TABLE migrate.schema_snapshot (
    one               boolean     PRIMARY KEY DEFAULT true CHECK (one),
    taken_at          timestamptz NOT NULL,
    taken_by          text        NOT NULL,
    reason            text,
    system_identifier numeric     NOT NULL,
    database_oid      oid         NOT NULL,
    recorded_through  bigint
);
COMMENT ON TABLE migrate.schema_snapshot IS
    'pg_migrate: when the whole schema was last recorded in migrate.schema_objects, by whom and why';
REVOKE ALL ON migrate.schema_snapshot FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('migrate.schema_snapshot', '');

-- ---------------------------------------------------------------- functions
-- The right to migrate is EXECUTE on these functions, granted by the DBA:
--   GRANT EXECUTE ON FUNCTION migrate_apply(text, text, text, text, text, boolean, boolean, text[]) TO deployer;

CREATE FUNCTION migrate_apply(
    version text,
    script text,
    name text DEFAULT NULL,
    down text DEFAULT NULL,
    verify text DEFAULT NULL,
    dry_run boolean DEFAULT false,
    out_of_order boolean DEFAULT false,
    allow text[] DEFAULT NULL,
    OUT version text,
    OUT name text,
    OUT status text,
    OUT checksum text,
    OUT statements integer,
    OUT duration interval,
    OUT out_of_order boolean,
    OUT risk text,
    OUT report jsonb)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_apply';
COMMENT ON FUNCTION migrate_apply(text, text, text, text, text, boolean, boolean, text[]) IS
    'pg_migrate: apply one migration atomically in the current transaction and record it; refused when it would destroy data unless allow => ''{data_loss}''';
REVOKE ALL ON FUNCTION migrate_apply(text, text, text, text, text, boolean, boolean, text[]) FROM PUBLIC;

CREATE FUNCTION migrate_status(
    known jsonb DEFAULT NULL,
    OUT version text,
    OUT name text,
    OUT state text,
    OUT checksum text,
    OUT file_checksum text,
    OUT applied_at timestamptz,
    OUT applied_by text,
    OUT statements integer,
    OUT duration interval,
    OUT out_of_order boolean,
    OUT script_summarised boolean)
    RETURNS SETOF record
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'migrate_status';
COMMENT ON FUNCTION migrate_status(jsonb) IS
    'pg_migrate: one row per version; with known = {"version": "checksum", ...} also pending, changed and missing';
REVOKE ALL ON FUNCTION migrate_status(jsonb) FROM PUBLIC;

CREATE FUNCTION migrate_version() RETURNS text
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'migrate_version';
COMMENT ON FUNCTION migrate_version() IS 'pg_migrate: the highest applied migration version';
REVOKE ALL ON FUNCTION migrate_version() FROM PUBLIC;

-- migrate_split and migrate_lint only read text: everybody may use them
-- (editors, linters).
CREATE FUNCTION migrate_split(
    script text,
    OUT statement integer,
    OUT line integer,
    OUT command text,
    OUT transactional boolean,
    OUT sql text)
    RETURNS SETOF record
    LANGUAGE c IMMUTABLE STRICT
    AS 'MODULE_PATHNAME', 'migrate_split';
COMMENT ON FUNCTION migrate_split(text) IS
    'pg_migrate: a script split into statements by PostgreSQL''s parser, as migrate_apply runs it';

CREATE FUNCTION migrate_lint(
    script text,
    in_transaction boolean DEFAULT true,
    OUT statement integer,
    OUT line integer,
    OUT command text,
    OUT risk text,
    OUT rule text,
    OUT object text,
    OUT message text,
    OUT hint text)
    RETURNS SETOF record
    LANGUAGE c STABLE STRICT
    AS 'MODULE_PATHNAME', 'migrate_lint';
COMMENT ON FUNCTION migrate_lint(text, boolean) IS
    'pg_migrate: what each statement of a script risks (safe, locking, breaking, data_loss) and what migrate_apply would refuse (error), with the rule, why, and the safe way; runs nothing';

CREATE FUNCTION migrate_steps_begin(
    version text,
    script text,
    name text DEFAULT NULL,
    out_of_order boolean DEFAULT false,
    allow text[] DEFAULT NULL,
    OUT status text,
    OUT done integer,
    OUT statements integer)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_steps_begin';
COMMENT ON FUNCTION migrate_steps_begin(text, text, text, boolean, text[]) IS
    'pg_migrate: start or resume a migration that runs outside a transaction; returns how many statements are done';
REVOKE ALL ON FUNCTION migrate_steps_begin(text, text, text, boolean, text[]) FROM PUBLIC;

CREATE FUNCTION migrate_step_done(version text, statement integer) RETURNS void
    LANGUAGE c VOLATILE STRICT
    AS 'MODULE_PATHNAME', 'migrate_step_done';
COMMENT ON FUNCTION migrate_step_done(text, integer) IS
    'pg_migrate: record that a statement of a non-transactional migration completed';
REVOKE ALL ON FUNCTION migrate_step_done(text, integer) FROM PUBLIC;

CREATE FUNCTION migrate_step_failed(version text, statement integer, error text) RETURNS void
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_step_failed';
COMMENT ON FUNCTION migrate_step_failed(text, integer, text) IS
    'pg_migrate: record why a statement of a non-transactional migration failed';
REVOKE ALL ON FUNCTION migrate_step_failed(text, integer, text) FROM PUBLIC;

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
REVOKE ALL ON FUNCTION migrate_steps_finish(text, text, text, text, text) FROM PUBLIC;

-- Repeatable migrations (Flyway's R__name.sql): version "R__" || name, sorted
-- after every versioned migration, applied again whenever the script changes.
CREATE FUNCTION migrate_apply_repeatable(
    name text,
    script text,
    down text DEFAULT NULL,
    verify text DEFAULT NULL,
    dry_run boolean DEFAULT false,
    allow text[] DEFAULT NULL,
    OUT version text,
    OUT name text,
    OUT status text,
    OUT checksum text,
    OUT statements integer,
    OUT duration interval,
    OUT out_of_order boolean,
    OUT risk text,
    OUT report jsonb)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_apply_repeatable';
COMMENT ON FUNCTION migrate_apply_repeatable(text, text, text, text, boolean, text[]) IS
    'pg_migrate: apply a repeatable migration (version R__<name>) when its script is new or changed';
REVOKE ALL ON FUNCTION migrate_apply_repeatable(text, text, text, text, boolean, text[]) FROM PUBLIC;

-- A migration whose script is read as a stream, never held whole: the
-- client sends it as COPY data after the CALL (its INOUT parameters are
-- migrate_apply's result columns), or it is read from a large object.
CREATE PROCEDURE migrate_apply_stream(
    INOUT version text,
    INOUT name text DEFAULT NULL,
    INOUT status text DEFAULT NULL,
    INOUT checksum text DEFAULT NULL,
    INOUT statements integer DEFAULT NULL,
    INOUT duration interval DEFAULT NULL,
    INOUT out_of_order boolean DEFAULT false,
    INOUT risk text DEFAULT NULL,
    INOUT report jsonb DEFAULT NULL,
    down text DEFAULT NULL,
    verify text DEFAULT NULL,
    allow text[] DEFAULT NULL)
    LANGUAGE c
    AS 'MODULE_PATHNAME', 'migrate_apply_stream';
COMMENT ON PROCEDURE migrate_apply_stream(text, text, text, text, integer, interval, boolean, text, jsonb, text, text, text[]) IS
    'pg_migrate: apply one migration whose script the calling client sends as COPY data after the CALL (checksum => its SHA-256)';
REVOKE ALL ON PROCEDURE migrate_apply_stream(text, text, text, text, integer, interval, boolean, text, jsonb, text, text, text[]) FROM PUBLIC;

CREATE FUNCTION migrate_apply_large_object(
    version text,
    script oid,
    name text DEFAULT NULL,
    down text DEFAULT NULL,
    verify text DEFAULT NULL,
    out_of_order boolean DEFAULT false,
    allow text[] DEFAULT NULL,
    OUT version text,
    OUT name text,
    OUT status text,
    OUT checksum text,
    OUT statements integer,
    OUT duration interval,
    OUT out_of_order boolean,
    OUT risk text,
    OUT report jsonb)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_apply_large_object';
COMMENT ON FUNCTION migrate_apply_large_object(text, oid, text, text, text, boolean, text[]) IS
    'pg_migrate: apply one migration whose script is the large object given, read as a stream';
REVOKE ALL ON FUNCTION migrate_apply_large_object(text, oid, text, text, text, boolean, text[]) FROM PUBLIC;

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

-- Records the whole live schema as the expected one: accepts every
-- difference schema_drift reports.  The first migration does this by itself.
CREATE FUNCTION migrate_snapshot(reason text DEFAULT NULL) RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_snapshot';
COMMENT ON FUNCTION migrate_snapshot(text) IS
    'pg_migrate: record the live schema as expected by the ledger (accepts any schema drift); returns the number of objects';
REVOKE ALL ON FUNCTION migrate_snapshot(text) FROM PUBLIC;

CREATE FUNCTION migrate_record_schema() RETURNS bigint
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_record_schema';
COMMENT ON FUNCTION migrate_record_schema() IS
    'pg_migrate: record in the schema snapshot what migrations changed since it was last brought up to date; returns the number of objects described';
REVOKE ALL ON FUNCTION migrate_record_schema() FROM PUBLIC;

CREATE FUNCTION migrate_record_schema_in_background() RETURNS boolean
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_record_schema_in_background';
COMMENT ON FUNCTION migrate_record_schema_in_background() IS
    'pg_migrate: record the schema snapshot owed by migrations in a background worker, after this transaction; false when no worker could be started';
REVOKE ALL ON FUNCTION migrate_record_schema_in_background() FROM PUBLIC;

-- ---------------------------------------- revert, baseline, repair, adopt

CREATE FUNCTION migrate_revert(
    to_version text,
    down jsonb DEFAULT NULL,
    reason text DEFAULT NULL,
    dry_run boolean DEFAULT false,
    allow text[] DEFAULT NULL,
    OUT version text,
    OUT name text,
    OUT status text,
    OUT statements integer,
    OUT duration interval,
    OUT report jsonb)
    RETURNS SETOF record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_revert';
COMMENT ON FUNCTION migrate_revert(text, jsonb, text, boolean, text[]) IS
    'pg_migrate: revert every applied migration above to_version, newest first, with their down scripts, all or nothing; refused when a down script would destroy data unless allowed; a dry run reports what each down script would do';
REVOKE ALL ON FUNCTION migrate_revert(text, jsonb, text, boolean, text[]) FROM PUBLIC;

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
REVOKE ALL ON FUNCTION migrate_baseline(text, text) FROM PUBLIC;

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
REVOKE ALL ON FUNCTION migrate_repair(text, text, text, text) FROM PUBLIC;

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
REVOKE ALL ON FUNCTION migrate_adopt(text, regclass, jsonb) FROM PUBLIC;

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
