-- Who may migrate, who may touch the ledger, and a hostile search_path.
CREATE EXTENSION pg_migrate;
CREATE ROLE regress_deployer LOGIN;
CREATE ROLE regress_intruder LOGIN;
GRANT CREATE ON SCHEMA public TO regress_deployer, regress_intruder;

-- Without EXECUTE, a role cannot migrate or read the status.
SET ROLE regress_intruder;
SELECT * FROM migrate_apply('001', 'CREATE TABLE intruder_t ()');
SELECT * FROM migrate_status();
SELECT * FROM migrate.ledger;
RESET ROLE;

-- The DBA grants the right to migrate.
GRANT EXECUTE ON FUNCTION migrate_apply(text, text, text, text, text, boolean, boolean, text[]),
                          migrate_status(jsonb), migrate_version() TO regress_deployer;
SET ROLE regress_deployer;
-- Migrations run with the caller's rights (SECURITY INVOKER) ...
SELECT version, status FROM migrate_apply('001', 'CREATE TABLE public.deployer_t (id int)');
SELECT version, status FROM migrate_apply('002', 'ALTER SYSTEM SET work_mem = ''1MB''');
SELECT * FROM migrate_apply('002', 'CREATE ROLE regress_sneaky SUPERUSER');
-- ... the ledger is written by the extension, never by the caller directly.
INSERT INTO migrate.ledger (version, version_key, status, checksum, applied_at, applied_by, hash)
     VALUES ('999', '\x00', 'applied', 'x', now(), 'me', 'x');
SELECT version, state, applied_by FROM migrate_status();
SELECT migrate_version();
RESET ROLE;
SELECT tableowner FROM pg_tables WHERE tablename = 'deployer_t';
SELECT version, applied_by FROM migrate.ledger ORDER BY id;

-- A hostile search_path: look-alike functions, operators and tables earlier in
-- the path change nothing in pg_migrate's own queries.
CREATE SCHEMA evil;
CREATE TABLE evil.ledger (LIKE migrate.ledger);
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'hacked' $$;
CREATE FUNCTION evil.max(bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 42::bigint $$;
CREATE FUNCTION evil.texteq_evil(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq_evil);
CREATE FUNCTION evil.byteaeq_evil(bytea, bytea) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = bytea, RIGHTARG = bytea, FUNCTION = evil.byteaeq_evil);
CREATE FUNCTION evil.migrate_apply(text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'shadowed' $$;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
SET search_path = evil, pg_catalog, public;
SET ROLE regress_deployer;
SELECT version, status FROM pg_catalog.migrate_apply('003', 'CREATE TABLE public.after_evil (id int)');
SELECT version, status FROM pg_catalog.migrate_apply('003', 'CREATE TABLE public.after_evil (id int)');
SELECT version, state FROM pg_catalog.migrate_status('{"001": "x", "003": "y"}') ORDER BY version;
RESET ROLE;
-- Without pg_catalog named in the path, ours are found first.
SET search_path = evil, public;
SELECT version, status FROM migrate_apply('003', 'CREATE TABLE public.after_evil (id int)');
RESET search_path;
SELECT count(*) AS evil_ledger_rows FROM evil.ledger;
SELECT version FROM migrate.ledger ORDER BY id;

DROP SCHEMA evil CASCADE;
DROP TABLE deployer_t, after_evil;
DROP EXTENSION pg_migrate;
REVOKE CREATE ON SCHEMA public FROM regress_deployer, regress_intruder;
DROP ROLE regress_deployer;
DROP ROLE regress_intruder;
