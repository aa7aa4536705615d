-- pg_migrate 0.11 -> 0.12: migrate_lint also returns what migrate_apply
-- would refuse (risk "error": transaction control, statements that cannot
-- run in a transaction, ...), and takes in_transaction => false for a
-- migration marked no-transaction (run statement by statement).  A script
-- without statements (a placeholder of comments) is applied as a recorded
-- no-op, outside a transaction too.
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
