-- pg_migrate 0.6 -> 0.7: safety.  Every statement is classified with the real
-- parser and the live catalog (migrate_lint); a migration that would destroy
-- data is refused unless allowed; the migration's risk goes into the ledger.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.7'" to load this file. \quit

-- The migration's overall risk: safe, locking, breaking or data_loss.  Rows
-- carrying it use hash format 3 (format 2 plus the risk).
ALTER TABLE migrate.ledger ADD COLUMN risk text
    CHECK (risk IN ('safe', 'locking', 'breaking', 'data_loss'));

CREATE FUNCTION migrate_lint(
    script text,
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
COMMENT ON FUNCTION migrate_lint(text) IS
    'pg_migrate: what each statement of a script risks (safe, locking, breaking, data_loss), with the rule, why, and the safe way; runs nothing';
-- Like migrate_split, it only reads: everybody may lint.

-- The functions that apply scripts gain `allow` (risks the caller allows)
-- and return the risk; their signatures change, so they are dropped and
-- created again.  EXECUTE granted on the old ones is granted on the new ones.
CREATE TABLE migrate.upgrade_0_7_grants AS
    SELECT p.proname::text AS function_name, a.grantee, a.is_grantable
      FROM pg_catalog.pg_proc AS p, LATERAL pg_catalog.aclexplode(p.proacl) AS a
     WHERE p.pronamespace = 'pg_catalog'::regnamespace
       AND p.proname IN ('migrate_apply', 'migrate_apply_repeatable', 'migrate_revert', 'migrate_steps_begin')
       AND a.privilege_type = 'EXECUTE' AND a.grantee <> p.proowner AND a.grantee <> 0;  -- 0: PUBLIC, revoked by design

DROP FUNCTION migrate_apply(text, text, text, text, text, boolean, boolean);
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

DROP FUNCTION migrate_apply_repeatable(text, text, text, text, boolean);
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

DROP FUNCTION migrate_revert(text, jsonb, text, boolean);
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
    OUT duration interval)
    RETURNS SETOF record
    LANGUAGE c VOLATILE
    AS 'MODULE_PATHNAME', 'migrate_revert';
COMMENT ON FUNCTION migrate_revert(text, jsonb, text, boolean, text[]) IS
    'pg_migrate: revert every applied migration above to_version, newest first, with their down scripts, all or nothing; refused when a down script would destroy data unless allowed';
REVOKE ALL ON FUNCTION migrate_revert(text, jsonb, text, boolean, text[]) FROM PUBLIC;

DROP FUNCTION migrate_steps_begin(text, text, text, boolean);
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

DO $$
DECLARE
    g record;
    signature text;
BEGIN
    FOR g IN SELECT * FROM migrate.upgrade_0_7_grants LOOP
        signature := CASE g.function_name
            WHEN 'migrate_apply' THEN 'migrate_apply(text, text, text, text, text, boolean, boolean, text[])'
            WHEN 'migrate_apply_repeatable' THEN 'migrate_apply_repeatable(text, text, text, text, boolean, text[])'
            WHEN 'migrate_revert' THEN 'migrate_revert(text, jsonb, text, boolean, text[])'
            ELSE 'migrate_steps_begin(text, text, text, boolean, text[])' END;
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION pg_catalog.%s TO %s%s', signature,
                                  g.grantee::regrole,
                                  CASE WHEN g.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
    END LOOP;
END
$$;
DROP TABLE migrate.upgrade_0_7_grants;
