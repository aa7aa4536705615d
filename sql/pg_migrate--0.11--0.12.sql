-- pg_migrate 0.11 -> 0.12: migrate_lint also returns what migrate_apply
-- would refuse (risk "error": transaction control, statements that cannot
-- run in a transaction, ...), and takes in_transaction => false for a
-- migration marked no-transaction (run statement by statement).  A script
-- without statements (a placeholder of comments) is applied as a recorded
-- no-op, outside a transaction too.  migrate_revert's dry run returns the
-- evidence report of each down script (a report column).
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.12'" to load this file. \quit

DROP FUNCTION migrate_lint(text);
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

ALTER TABLE migrate.progress DROP CONSTRAINT progress_statements_check,
    ADD CONSTRAINT progress_statements_check CHECK (statements >= 0);

-- A new OUT column needs DROP and CREATE: the EXECUTE grants are carried over.
SELECT pg_catalog.set_config('pg_migrate_upgrade.revert_grantees',
                             coalesce(pg_catalog.array_agg(r.rolname::text), '{}')::text, true)
  FROM pg_catalog.pg_proc AS p, pg_catalog.aclexplode(p.proacl) AS a, pg_catalog.pg_roles AS r
 WHERE p.oid = 'migrate_revert(text, jsonb, text, boolean, text[])'::pg_catalog.regprocedure
   AND a.privilege_type = 'EXECUTE' AND a.grantee = r.oid AND a.grantee <> p.proowner;
DROP FUNCTION migrate_revert(text, jsonb, text, boolean, text[]);
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
DO $$
DECLARE
    grantee text;
BEGIN
    FOREACH grantee IN ARRAY pg_catalog.current_setting('pg_migrate_upgrade.revert_grantees')::text[] LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION migrate_revert(text, jsonb, text, boolean, text[]) TO %I',
                                  grantee);
    END LOOP;
END
$$;
