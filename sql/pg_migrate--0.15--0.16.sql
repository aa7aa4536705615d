-- pg_migrate 0.15 -> 0.16: migrations whose script is read as a stream and
-- never held whole, by the client or by the server.  migrate_apply_stream()
-- is the client's: after the CALL the backend asks for the script as COPY data
-- (as COPY ... FROM STDIN does) and applies it piece by piece while it
-- arrives, a COPY's data going straight to COPY.  migrate_apply_large_object()
-- is the same for a caller that can only send SQL: the script is a large
-- object.  (Fingerprints count COPY data by its SHA-256 from 0.16 on, which is
-- the library's: rows written before keep theirs and still compare.)
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.16'" to load this file. \quit

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

ALTER TABLE migrate.ledger ADD COLUMN script_summarised boolean NOT NULL DEFAULT false;
COMMENT ON COLUMN migrate.ledger.script_summarised IS
    'pg_migrate: the script kept is a summary of the one run: a streamed migration''s COPY data (rows, bytes, SHA-256), and what followed its first 16 MB';

-- migrate_status() gains script_summarised: its result changes, so it is
-- dropped and created again.  EXECUTE granted on the old one is granted on
-- the new one.
CREATE TABLE migrate.upgrade_0_16_grants AS
    SELECT a.grantee, a.is_grantable
      FROM pg_catalog.pg_proc AS p, LATERAL pg_catalog.aclexplode(p.proacl) AS a
     WHERE p.oid = 'pg_catalog.migrate_status(jsonb)'::pg_catalog.regprocedure
       AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner AND a.grantee <> 0;  -- 0: PUBLIC, revoked by design
DROP FUNCTION migrate_status(jsonb);
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
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN SELECT * FROM migrate.upgrade_0_16_grants LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION pg_catalog.migrate_status(jsonb) TO %s%s',
                                  g.grantee::regrole,
                                  CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
END
$$;
DROP TABLE migrate.upgrade_0_16_grants;
