-- DDL provenance: every schema change is logged in migrate.ddl_log with the
-- migration and statement that made it (version NULL: outside migrations), and
-- migrate.guard can warn about or refuse changes made outside migrations.
CREATE EXTENSION pg_migrate;
\set VERBOSITY default
-- Installing the extension logs nothing.
SELECT count(*) FROM migrate.ddl_log;
SELECT evtname, evtevent, evtenabled FROM pg_event_trigger ORDER BY evtname;

-- Test helpers (their own DDL is logged too, then marked as seen).
CREATE VIEW log AS
    SELECT id, event, version, statement, command_tag, object_type, object_identity, detail,
           role, session_role, statement_text
      FROM migrate.ddl_log ORDER BY id;
-- Rows logged since the last call.
CREATE TABLE seen (id bigint);
INSERT INTO seen VALUES (0);
CREATE FUNCTION new_log() RETURNS SETOF log LANGUAGE sql AS $$
    SELECT * FROM log WHERE id > (SELECT max(id) FROM seen)
$$;
CREATE FUNCTION mark() RETURNS void LANGUAGE sql AS $$
    INSERT INTO seen SELECT coalesce(max(id), 0) FROM migrate.ddl_log
$$;
SELECT mark();

-- Inside migrate_apply: each object with its migration and statement number,
-- the statement's own text, and the table rewrite of statement 3.
SELECT version, status FROM migrate_apply('001', $$
    CREATE TABLE accounts (id int PRIMARY KEY, email varchar(100));
    CREATE INDEX accounts_email_idx ON accounts (email);
    ALTER TABLE accounts ALTER COLUMN email TYPE text, ALTER COLUMN id TYPE bigint;
$$, name => 'accounts');
SELECT * FROM new_log();
SELECT mark();

-- Outside any migration: version NULL.  One row per statement of a
-- multi-statement query, each with its own text.
CREATE TABLE hotfix (id int); ALTER TABLE hotfix ADD COLUMN note text;
SELECT * FROM new_log();
SELECT mark();

-- A failed migration, and a dry run, leave no log rows.
SELECT * FROM migrate_apply('002', $$ CREATE TABLE orders (id int); SELECT 1/0; $$);
SELECT status FROM migrate_apply('002', $$ CREATE TABLE orders (id int) $$, dry_run => true);
SELECT count(*) AS rows_after_failure FROM new_log();

-- Renames, GRANT, COMMENT; CASCADE drops name what went with the table.
CREATE TABLE parent (id int PRIMARY KEY);
CREATE TABLE child (parent_id int REFERENCES parent);
CREATE VIEW parent_view AS SELECT * FROM parent;
ALTER TABLE parent RENAME TO parent_renamed;
GRANT SELECT ON parent_renamed TO PUBLIC;
COMMENT ON TABLE child IS 'children';
DROP TABLE parent_renamed CASCADE;
SELECT event, command_tag, object_type, object_identity, detail FROM new_log();
SELECT mark();

-- Refreshing a materialized view changes data, not the schema: not logged.
CREATE MATERIALIZED VIEW totals AS SELECT count(*) AS n FROM child;
REFRESH MATERIALIZED VIEW totals;
DROP MATERIALIZED VIEW totals;
SELECT command_tag, object_identity FROM new_log();
SELECT mark();

-- Temporary objects are not logged.
CREATE TEMP TABLE scratch (id serial PRIMARY KEY);
CREATE INDEX ON scratch (id);
ALTER TABLE scratch ADD COLUMN x int;
DROP TABLE scratch;
SELECT count(*) AS temp_rows FROM new_log();

-- Another extension: the command is logged, not the objects of its script.
CREATE SCHEMA ext;
CREATE EXTENSION pg_trgm SCHEMA ext;
ALTER EXTENSION pg_trgm UPDATE;
DROP EXTENSION pg_trgm;
DROP SCHEMA ext;
SELECT event, command_tag, object_type, object_identity FROM new_log();
SELECT mark();

-- migrate_status() reports the out-of-band changes since the last migration
-- as drift; migrate_out_of_band_ddl() lists them object by object.
SELECT version, name, state, applied_by, statements FROM migrate_status();
SELECT object_type, object_identity, changes, last_command, roles, last_statement
  FROM migrate_out_of_band_ddl();
-- A migration draws the line: no drift after it.
SELECT status FROM migrate_apply('002', $$ CREATE TABLE orders (id int) $$);
SELECT version, state FROM migrate_status();
SELECT count(*) FROM migrate_out_of_band_ddl();
SELECT mark();

-- Roles.  A role with no access to the ledger still has its DDL logged, as
-- itself; a deployer's migration is attributed to the migration.
CREATE ROLE regress_ddl_user;
CREATE ROLE regress_ddl_deployer;
GRANT CREATE ON SCHEMA public TO regress_ddl_user, regress_ddl_deployer;
GRANT EXECUTE ON FUNCTION migrate_apply(text, text, text, text, text, boolean, boolean, text[])
   TO regress_ddl_deployer;
SET ROLE regress_ddl_user;
CREATE TABLE user_table (id int);
SELECT * FROM migrate.ddl_log;
INSERT INTO migrate.ddl_log (event, command_tag, role, session_role, backend_pid, xid)
     VALUES ('ddl_command_end', 'CREATE TABLE', 'nobody', 'nobody', 0, '0');
RESET ROLE;
SET ROLE regress_ddl_deployer;
SELECT status FROM migrate_apply('003', 'CREATE TABLE deployer_table (id int)');
RESET ROLE;
SELECT version, statement, command_tag, object_identity, role FROM new_log();
SELECT mark();

-- Attribution cannot be faked or hidden with a setting: only the extension's
-- own functions set it.
SET migrate.attribution = '999';
SET migrate.version = '999';
CREATE TABLE not_a_migration (id int);
SELECT version, object_identity FROM new_log();
SELECT mark();

-- A hostile search_path (look-alike objects in a schema searched first)
-- changes neither the log nor what it records.
CREATE SCHEMA hostile;
CREATE TABLE hostile.ddl_log (LIKE migrate.ddl_log);
CREATE FUNCTION hostile.current_setting(text) RETURNS text LANGUAGE sql AS $$ SELECT 'forged' $$;
CREATE FUNCTION hostile.eq(text, text) RETURNS boolean LANGUAGE sql AS $$ SELECT true $$;
CREATE OPERATOR hostile.= (LEFTARG = text, RIGHTARG = text, FUNCTION = hostile.eq);
SET search_path = hostile, public, pg_catalog;
CREATE TABLE public.under_hostile_path (id int);
RESET search_path;
SELECT count(*) AS forged_rows FROM hostile.ddl_log;
SELECT object_identity, role FROM new_log() WHERE object_identity = 'public.under_hostile_path';
DROP SCHEMA hostile CASCADE;
SELECT mark();

-- No recursion: DDL run by something the log itself triggers is not handled again.
CREATE FUNCTION copy_log() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    CREATE TABLE IF NOT EXISTS public.log_copies (id bigint);
    INSERT INTO public.log_copies VALUES (NEW.id);
    RETURN NEW;
END
$$;
CREATE TRIGGER copy_log AFTER INSERT ON migrate.ddl_log FOR EACH ROW EXECUTE FUNCTION copy_log();
CREATE TABLE triggers_a_copy (id int);
SELECT object_identity FROM new_log();
SELECT count(*) AS copies FROM log_copies;
DROP TRIGGER copy_log ON migrate.ddl_log;
DROP TABLE log_copies;
SELECT mark();

-- Log rows are written as the log's owner, whoever ran the DDL, and a
-- trigger on the log runs with search_path pinned, not the caller's.
CREATE TABLE log_writers (writer name, path text);
CREATE FUNCTION note_log_writer() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.log_writers VALUES (current_user, current_setting('search_path'));
    RETURN NEW;
END
$$;
CREATE TRIGGER note_log_writer AFTER INSERT ON migrate.ddl_log FOR EACH ROW EXECUTE FUNCTION note_log_writer();
SET ROLE regress_ddl_user;
SET search_path = public;
CREATE TABLE written_by_owner (id int);
RESET search_path;
RESET ROLE;
SELECT w.writer = c.relowner::regrole::name AS as_log_owner, w.path
FROM log_writers AS w, pg_class AS c WHERE c.oid = 'migrate.ddl_log'::regclass;
SELECT object_identity, role FROM new_log();
DROP TRIGGER note_log_writer ON migrate.ddl_log;
DROP TABLE log_writers, written_by_owner;
DROP FUNCTION note_log_writer();
SELECT mark();

-- Log rows are inserted like any INSERT (without one): the table's CHECK
-- constraints and column defaults apply as they are now, also after the
-- session has written rows with the old ones.
CREATE TABLE before_constraint (id int);
ALTER TABLE migrate.ddl_log ADD CONSTRAINT no_sequences CHECK (object_type <> 'sequence');
ALTER TABLE migrate.ddl_log ALTER COLUMN detail SET DEFAULT 'default detail';
\set VERBOSITY terse
CREATE SEQUENCE refused_by_the_log;
\set VERBOSITY default
CREATE TABLE after_constraint (id int);
SELECT object_identity, detail FROM new_log() WHERE object_type = 'table';
ALTER TABLE migrate.ddl_log DROP CONSTRAINT no_sequences;
ALTER TABLE migrate.ddl_log ALTER COLUMN detail DROP DEFAULT;
CREATE SEQUENCE accepted_by_the_log;
SELECT object_identity, detail FROM new_log() WHERE object_type = 'sequence';
DROP TABLE before_constraint, after_constraint;
DROP SEQUENCE accepted_by_the_log;
SELECT mark();

CREATE MATERIALIZED VIEW routine_refresh AS SELECT 1 AS one;
SELECT mark();

-- The guard.  migrate.guard is superuser-only.
SET ROLE regress_ddl_user;
SET migrate.guard = off;
RESET ROLE;
SHOW migrate.guard;
-- warn: the change is made, with a WARNING, and logged.
SET migrate.guard = warn;
CREATE TABLE warned (id int);
SELECT object_identity FROM new_log();
-- block: refused before it runs, naming the statement and the way to do it.
SET migrate.guard = block;
CREATE TABLE blocked (id int);
ALTER TABLE warned ADD COLUMN x int;
DROP TABLE warned;
SET ROLE regress_ddl_user;
CREATE TABLE blocked_for_users_too (id int);
RESET ROLE;
-- ... but migrations, temporary objects, and the extension itself go through.
SELECT status FROM migrate_apply('004', 'ALTER TABLE warned ADD COLUMN y int');
CREATE TEMP TABLE scratch (id int);
ALTER TABLE scratch ADD COLUMN x int;
CREATE INDEX ON scratch (x);
DROP TABLE scratch;
CREATE TEMP VIEW scratch_view AS SELECT 1 AS one;
DROP VIEW scratch_view;
REFRESH MATERIALIZED VIEW routine_refresh;
SET client_min_messages = warning;  -- (the NOTICE names the current version)
ALTER EXTENSION pg_migrate UPDATE;
RESET client_min_messages;
SELECT version, command_tag, object_identity FROM new_log();
SELECT mark();
-- A non-transactional migration's statements, run at top level by a client
-- between migrate_steps_begin and migrate_step_done, are attributed to it;
-- any other statement of that session is not.
SELECT status, done, statements FROM migrate_steps_begin('005', $$
    CREATE INDEX CONCURRENTLY warned_y_idx ON warned (y);
    ALTER TABLE warned ADD COLUMN z int;
$$);
CREATE TABLE not_the_expected_statement (id int);
CREATE INDEX CONCURRENTLY warned_y_idx ON warned (y);
SELECT migrate_step_done('005', 1);
ALTER TABLE warned ADD COLUMN z int;
SELECT migrate_step_done('005', 2);
SELECT status FROM migrate_steps_finish('005', $$
    CREATE INDEX CONCURRENTLY warned_y_idx ON warned (y);
    ALTER TABLE warned ADD COLUMN z int;
$$);
-- Once finished, the same text is no longer attributed.
ALTER TABLE warned ADD COLUMN z int;
SELECT version, statement, command_tag, object_identity FROM new_log();
SELECT mark();
RESET migrate.guard;

-- DROP EXTENSION works from any state, the guard on included; the guard and
-- the log go with it.
DROP VIEW log CASCADE;
SET migrate.guard = block;
DROP EXTENSION pg_migrate;
CREATE TABLE after_drop (id int);
RESET migrate.guard;
SELECT count(*) FROM pg_event_trigger;
DROP TABLE accounts, hotfix, child, orders, user_table, deployer_table, not_a_migration,
    under_hostile_path, triggers_a_copy, warned, after_drop CASCADE;
DROP MATERIALIZED VIEW routine_refresh;
DROP TABLE seen;
DROP FUNCTION mark(), copy_log();
REVOKE CREATE ON SCHEMA public FROM regress_ddl_user, regress_ddl_deployer;
DROP ROLE regress_ddl_user, regress_ddl_deployer;
