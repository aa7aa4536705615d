-- Hostile roles and a hostile search_path against the whole SQL surface.
-- The lists of functions and tables come from the catalog, so whatever a
-- later version adds is covered without editing this file.
CREATE EXTENSION pg_migrate;
CREATE ROLE regress_outsider;
CREATE ROLE regress_migrator;
GRANT CREATE ON SCHEMA public TO regress_migrator;
CREATE TABLE secret (id int);
INSERT INTO secret SELECT generate_series(1, 7);
GRANT TRUNCATE ON secret TO regress_migrator;  -- may empty it, may not read it

-- The extension's functions and tables.
CREATE VIEW pgm_functions AS
SELECT p.oid::regprocedure AS signature,
       -- Arguments of a function as sub-selects: a strict function called
       -- with NULL constants is folded away by the planner before any check.
       -- (CALL takes no sub-select, and is not planned.)
       format('%s %s(%s)', CASE p.prokind WHEN 'p' THEN 'CALL' ELSE 'SELECT' END, p.oid::regproc,
              (SELECT coalesce(string_agg(format(CASE p.prokind WHEN 'p' THEN 'NULL::%s' ELSE '(SELECT NULL::%s)' END,
                                                 format_type(t, NULL)), ', ' ORDER BY n), '')
                 FROM unnest(p.proargtypes) WITH ORDINALITY AS a(t, n))) AS call,
       p.prosecdef, p.proconfig, p.prorettype = 'event_trigger'::regtype AS event_trigger
  FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e'
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_migrate';
CREATE VIEW pgm_tables AS
SELECT c.oid::regclass AS tbl FROM pg_class c
 WHERE c.relnamespace = 'migrate'::regnamespace AND c.relkind = 'r';
GRANT SELECT ON pgm_functions, pgm_tables TO PUBLIC;

-- The test's own helpers pin their search_path (the hostile one below
-- would turn their || into evil's).
-- Runs a statement; returns the SQLSTATE of its error, or 'ran'.
CREATE FUNCTION try_call(call text) RETURNS text LANGUAGE plpgsql
    SET search_path = pg_catalog, public AS $$
BEGIN
    EXECUTE call;
    RETURN 'ran';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE;
END $$;
-- The same, with the error's DETAIL.
CREATE FUNCTION try_detail(call text) RETURNS text LANGUAGE plpgsql
    SET search_path = pg_catalog, public AS $$
DECLARE detail text;
BEGIN
    EXECUTE call;
    RETURN 'ran';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
    RETURN SQLSTATE || ': ' || detail;
END $$;

-- No function runs with its owner's rights; the one with settings is the
-- ledger's trigger, its search_path pinned.
SELECT count(*) AS functions, count(*) FILTER (WHERE prosecdef) AS security_definer FROM pgm_functions;
SELECT signature, proconfig FROM pgm_functions WHERE proconfig IS NOT NULL;

-- A role without EXECUTE: every function but the three that only read a
-- script or the catalogs (migrate_lint, migrate_split, migrate_describe) is refused with 42501 before anything
-- runs; the event-trigger functions cannot be called at all (0A000).
SET ROLE regress_outsider;
SELECT signature, try_call(call) AS outcome FROM pgm_functions ORDER BY signature::text;
RESET ROLE;

-- A role that may migrate (EXECUTE on every function) still cannot write
-- pg_migrate's tables directly: every INSERT, UPDATE, DELETE and TRUNCATE on
-- each of them is refused.
DO $$
DECLARE f record;
BEGIN
    FOR f IN SELECT signature FROM pgm_functions WHERE NOT event_trigger LOOP
        EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO regress_migrator', f.signature);
    END LOOP;
END $$;
SET ROLE regress_migrator;
SELECT t.tbl,
       try_call(format('INSERT INTO %s DEFAULT VALUES', t.tbl)) AS insert,
       try_call(format('UPDATE %s SET ctid = ctid', t.tbl)) AS update,
       try_call(format('DELETE FROM %s', t.tbl)) AS delete,
       try_call(format('TRUNCATE %s', t.tbl)) AS truncate
  FROM pgm_tables t ORDER BY t.tbl::text;
-- Nor raise itself through a migration, a dry run or a down script: they run
-- with its own rights.
SELECT try_call($$ SELECT migrate_apply('001', 'ALTER ROLE regress_migrator SUPERUSER') $$) AS apply;
SELECT try_call($$ SELECT migrate_apply('001', 'ALTER ROLE regress_migrator SUPERUSER', dry_run => true) $$) AS dry_run;
SELECT version, status FROM migrate_apply('001', 'CREATE TABLE public.mine (id int)');
SELECT version, status FROM migrate_apply('002', 'CREATE TABLE public.mine_too (id int)',
                                          down => 'ALTER ROLE regress_migrator SUPERUSER');
SELECT try_call($$ SELECT migrate_revert('001') $$) AS revert;
-- The data-loss probe reads with the caller's rights: a table it may empty
-- but not read is refused without telling how many rows it holds.
SELECT try_detail($$ SELECT migrate_apply('009', 'TRUNCATE secret') $$) AS truncate_unreadable;
SELECT risk, message FROM migrate_lint('TRUNCATE secret');
RESET ROLE;
SELECT rolsuper FROM pg_roles WHERE rolname = 'regress_migrator';
SELECT version, status, applied_by FROM migrate.ledger ORDER BY id;
SELECT count(*) AS secret_rows FROM secret;
SELECT to_regclass('public.mine_too') AS mine_too;

-- A hostile search_path: functions, aggregates and operators shadowing
-- pg_catalog's, and look-alike tables, in a schema searched first.  Every
-- result is the same as with a clean path.
CREATE SCHEMA evil;
CREATE TABLE evil.ledger (LIKE migrate.ledger);
CREATE TABLE evil.ddl_log (LIKE migrate.ddl_log);
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE sql AS $$ SELECT 'hacked' $$;
CREATE FUNCTION evil.regexp_match(text, text) RETURNS text[] LANGUAGE sql AS $$ SELECT ARRAY['hacked'] $$;
CREATE FUNCTION evil.current_setting(text) RETURNS text LANGUAGE sql AS $$ SELECT 'hacked' $$;
CREATE FUNCTION evil.int8_one(bigint, bigint) RETURNS bigint LANGUAGE sql AS $$ SELECT 1::bigint $$;
CREATE AGGREGATE evil.count(*) (SFUNC = int8inc, STYPE = bigint, INITCOND = '41');
CREATE FUNCTION evil.texteq_evil(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.texteq_evil);
CREATE FUNCTION evil.int4eq_evil(int, int) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = int, RIGHTARG = int, FUNCTION = evil.int4eq_evil);
CREATE FUNCTION evil.oideq_evil(oid, oid) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR evil.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = evil.oideq_evil);
CREATE FUNCTION evil.textcat_evil(text, text) RETURNS text LANGUAGE sql AS $$ SELECT 'hacked' $$;
CREATE OPERATOR evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.textcat_evil);
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE TABLE public.events (id int, note text);
INSERT INTO public.events SELECT g, 'n' || g FROM generate_series(1, 12) g;
ALTER TABLE public.events OWNER TO regress_migrator;

SET ROLE regress_migrator;
SET search_path = evil, pg_catalog, public;
-- Lint, refusal with the exact count, the dry run's evidence, a migration,
-- the status, verification and the version all as with a clean path.
SELECT statement, risk, rule, message FROM pg_catalog.migrate_lint('DROP TABLE public.events; CREATE INDEX ON public.events (id)');
SELECT try_detail($$ SELECT pg_catalog.migrate_apply('003', 'DELETE FROM public.events') $$) AS refused;
SELECT pg_catalog.jsonb_path_query_array(report, '$.statements[*].rows') AS rows,
       report -> 'locks' AS locks
  FROM pg_catalog.migrate_apply('003', 'DELETE FROM public.events WHERE id <= 5', dry_run => true);
SELECT version, status, risk FROM pg_catalog.migrate_apply('003', 'ALTER TABLE public.events ADD COLUMN seen boolean');
SELECT version, state FROM pg_catalog.migrate_status('{"001": "x", "003": "y", "004": "z"}') ORDER BY 1;
CREATE TEMP TABLE hostile_verify AS SELECT check_name, ok, object, detail FROM pg_catalog.migrate_verify();
SELECT pg_catalog.migrate_version();
RESET search_path;
-- The same verification with a clean path (the schema evil and the tables
-- made outside migrations are drift either way).
SELECT count(*) AS checks, count(*) FILTER (WHERE NOT ok) AS failing FROM hostile_verify;
SELECT count(*) AS differences FROM (
    (SELECT check_name, ok, object, detail FROM migrate_verify() EXCEPT ALL SELECT * FROM hostile_verify)
    UNION ALL
    (SELECT * FROM hostile_verify EXCEPT ALL SELECT check_name, ok, object, detail FROM migrate_verify())) d;
RESET ROLE;
SELECT count(*) AS evil_ledger_rows FROM evil.ledger;
SELECT count(*) AS evil_ddl_log_rows FROM evil.ddl_log;
SELECT version, status, risk FROM migrate.ledger ORDER BY id;
SELECT count(*) AS events_rows FROM public.events;

DROP SCHEMA evil CASCADE;
DROP TABLE hostile_verify;
DROP TABLE public.mine, public.mine_too, public.events, secret;
DROP FUNCTION try_call(text), try_detail(text);
DROP VIEW pgm_functions, pgm_tables;
DROP EXTENSION pg_migrate;
REVOKE CREATE ON SCHEMA public FROM regress_migrator;
DROP ROLE regress_outsider;
DROP ROLE regress_migrator;
