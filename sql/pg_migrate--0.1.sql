-- pg_migrate 0.1: the ledger and the core functions.
\echo Use "CREATE EXTENSION pg_migrate" to load this file. \quit

CREATE SCHEMA migrate;
COMMENT ON SCHEMA migrate IS 'pg_migrate: migration ledger';
REVOKE ALL ON SCHEMA migrate FROM PUBLIC;

-- Append-only history: one row per event (applied, reverted, ...), never
-- updated or deleted.  Each row carries a SHA-256 hash chained to the previous
-- row (prev_hash -> hash) so that any edit of history can be detected.
CREATE TABLE migrate.ledger (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version          text        NOT NULL,
    version_key      bytea       NOT NULL,  -- natural sort key of version
    name             text,
    status           text        NOT NULL
        CHECK (status IN ('applied', 'reverted', 'baseline', 'repaired', 'adopted')),
    checksum         text        NOT NULL,  -- SHA-256 of the script, line endings normalised
    fingerprint      text,                  -- SHA-256 of the script's tokens
    script           text,
    down             text,
    verify           text,
    out_of_order     boolean     NOT NULL DEFAULT false,
    statements       integer,
    applied_at       timestamptz NOT NULL,
    applied_by       text        NOT NULL,
    application_name text,
    client_addr      inet,
    duration         interval,
    reason           text,
    prev_hash        text,
    hash             text        NOT NULL,
    hash_format      integer     NOT NULL DEFAULT 1
);
CREATE INDEX ledger_version_key_idx ON migrate.ledger (version_key, id);
COMMENT ON TABLE migrate.ledger IS
    'pg_migrate: append-only migration history; written only by the pg_migrate functions';
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

CREATE FUNCTION migrate_apply(
    version text,
    script text,
    name text DEFAULT NULL,
    down text DEFAULT NULL,
    verify text DEFAULT NULL,
    dry_run boolean DEFAULT false,
    out_of_order boolean DEFAULT false,
    OUT version text,
    OUT name text,
    OUT status text,
    OUT checksum text,
    OUT statements integer,
    OUT duration interval,
    OUT out_of_order boolean)
    RETURNS record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_apply';
COMMENT ON FUNCTION migrate_apply(text, text, text, text, text, boolean, boolean) IS
    'pg_migrate: apply one migration atomically in the current transaction and record it';

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
    OUT out_of_order boolean)
    RETURNS SETOF record
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'migrate_status';
COMMENT ON FUNCTION migrate_status(jsonb) IS
    'pg_migrate: one row per version; with known = {"version": "checksum", ...} also pending, changed and missing';

CREATE FUNCTION migrate_version() RETURNS text
    LANGUAGE c STABLE
    AS 'MODULE_PATHNAME', 'migrate_version';
COMMENT ON FUNCTION migrate_version() IS 'pg_migrate: the highest applied migration version';

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

-- The right to migrate is EXECUTE on these functions, granted by the DBA:
--   GRANT EXECUTE ON FUNCTION migrate_apply(text, text, text, text, text, boolean, boolean) TO deployer;
REVOKE ALL ON FUNCTION migrate_apply(text, text, text, text, text, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate_status(jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION migrate_version() FROM PUBLIC;
-- migrate_split only parses text: everybody may use it (editors, linters).
