-- A hotfix typed outside migrations (a dashboard, an SQL editor) becomes a
-- migration: migrate_out_of_band_statements() lists it statement by
-- statement, and the migration written from it ("-- migrate:pulled") is
-- recorded, not run again, on the database where the hotfix ran, leaving
-- migrate_verify() clean.
CREATE EXTENSION pg_migrate;
SELECT status FROM migrate_apply('001', $$
    CREATE TABLE accounts (id bigint PRIMARY KEY, email text);
$$);
SELECT count(*) FROM migrate_out_of_band_statements();

-- The hotfix: two statements sent as one query, then one more.
ALTER TABLE accounts ADD COLUMN plan text DEFAULT 'free'; CREATE INDEX accounts_email ON accounts (email);
COMMENT ON COLUMN accounts.plan IS 'billing plan';
SELECT statement, role, command, objects, sql, cardinality(ddl_log_ids) AS logged_rows
  FROM migrate_out_of_band_statements() ORDER BY statement;
SELECT check_name, ok FROM migrate_verify() WHERE check_name IN ('schema_drift', 'out_of_band_ddl') AND NOT ok
 ORDER BY check_name, object;

-- The pulled migration, written from those rows: on this database each
-- statement is recognised by its record and not run again (an index built
-- twice would fail: "already exists").
-- (VERBOSITY terse: the NOTICEs' DETAIL has when the statement ran.)
SELECT string_agg(sql || ';', E'\n' ORDER BY statement) AS script FROM migrate_out_of_band_statements() \gset
\set VERBOSITY terse
SELECT status, statements FROM migrate_apply('002', E'-- migrate:pulled\n' || :'script');
SELECT version, statement, command_tag, object_identity FROM migrate.ddl_log
 WHERE object_identity LIKE 'public.accounts%' AND command_tag <> 'CREATE TABLE' ORDER BY id;
SELECT count(*) AS problems FROM migrate_verify() WHERE NOT ok;
SELECT count(*) FROM migrate_out_of_band_statements();

-- Without the directive the same statements run as any migration's do.
ALTER TABLE accounts ADD COLUMN note text;
SELECT status FROM migrate_apply('003', 'ALTER TABLE accounts ADD COLUMN note text');

-- Only statements that match a record, in order, are recorded; the others
-- run: here the second one was never run by hand.
ALTER TABLE accounts ADD COLUMN seats integer;
SELECT status FROM migrate_apply('004', $$
-- migrate:pulled
ALTER TABLE accounts ADD COLUMN seats integer;
ALTER TABLE accounts ADD COLUMN region text;
$$);
SELECT version, statement, command_tag, object_identity FROM migrate.ddl_log
 WHERE version = '004' ORDER BY id;
SELECT count(*) AS problems FROM migrate_verify() WHERE NOT ok;

-- A directive inside a string is not one.
\set VERBOSITY default
ALTER TABLE accounts ADD COLUMN flag boolean;
SELECT status FROM migrate_apply('005', $$
ALTER TABLE accounts ADD COLUMN flag boolean;
SELECT '
-- migrate:pulled
';
$$);

DROP EXTENSION pg_migrate;
DROP TABLE accounts;
