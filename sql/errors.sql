-- Errors: PostgreSQL's own report is kept, with the migration's version,
-- statement and line; whatever cannot run in a migration is refused before
-- anything runs.
CREATE EXTENSION pg_migrate;
CREATE FUNCTION try(sql text, OUT code text, OUT message text, OUT detail text,
                    OUT hint text, OUT context text, OUT constraint_name text)
LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE sql;
    code := '00000';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT,
                            context = PG_EXCEPTION_CONTEXT, constraint_name = CONSTRAINT_NAME;
    context := regexp_replace(context, E'\nPL/pgSQL function try\\(text\\) line \\d+ at EXECUTE$', '');
END
$f$;
\x on

CREATE TABLE accounts (id int PRIMARY KEY, email text);
INSERT INTO accounts VALUES (1, 'a@example.com');

-- The original SQLSTATE, DETAIL and constraint survive; the context names the
-- migration, the statement number and the line in the script.
SELECT * FROM try($q$ SELECT migrate_apply('001', $m$
CREATE TABLE orders (id int);

INSERT INTO accounts VALUES (1, 'dup@example.com');
$m$) $q$);

-- A RAISE with DETAIL and HINT.
SELECT * FROM try($q$ SELECT migrate_apply('001', $m$
DO $$ BEGIN RAISE EXCEPTION 'custom failure' USING DETAIL = 'the detail', HINT = 'the hint', ERRCODE = '22023'; END $$;
$m$) $q$);

-- An error position inside a multi-line statement gives that exact line.
SELECT * FROM try($q$ SELECT migrate_apply('001', $m$
CREATE TABLE ok (id int);
SELECT id,
       nosuchcol
  FROM ok;
$m$) $q$);

-- The same for DDL, which runs from the tree the split parsed: the error's
-- position is moved into the statement (line 5), and an error without one
-- names the statement as SPI would.
SELECT * FROM try($q$ SELECT migrate_apply('001', $m$
CREATE TABLE ok (id int);

CREATE TABLE bad (id int,
    amount nosuchtype);
$m$) $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'CREATE TABLE ok (id int);\nCREATE TABLE ok (id int);') $q$);

-- Syntax errors: the statement number, line and column in the script.
SELECT * FROM try($q$ SELECT migrate_apply('001', E'CREATE TABLE a (id int);\n\nCREATE TABLEE b ();') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'SELECT 1;\nSELECT $x$ never closed') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'SELECT 1;\n/* never closed') $q$);

-- The error position is drawn under the statement, not under the caller's query.
\x off
\set VERBOSITY default
SELECT migrate_apply('001', E'CREATE TABLE a (id int);\n\nCREATE TABLEE b ();');
SELECT migrate_apply('001', E'CREATE TABLE a (id int);\nCREATE TABLE b (id int,\n  amount nosuchtype);');
\x on

-- Refused before anything runs: transaction control other than one wrapper,
-- psql meta-commands, statements that cannot run in a transaction, COPY FROM STDIN
-- with no data after it (psql_scripts.sql has COPY with its data).
SELECT * FROM try($q$ SELECT migrate_apply('001', E'CREATE TABLE x1 ();\nCOMMIT;\nCREATE TABLE x2 ();') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'CREATE TABLE x1 ();\nROLLBACK;') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'CREATE TABLE x1 ();\nSAVEPOINT s;') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'BEGIN ISOLATION LEVEL SERIALIZABLE;\nCREATE TABLE x1 ();\nCOMMIT;') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'BEGIN;\nCREATE TABLE x1 ();') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'CREATE TABLE x1 ();\n\\set ON_ERROR_STOP on\nSELECT 1;') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'\\connect other\nCREATE TABLE x1 ();') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'CREATE TABLE x1 (id int);\nCREATE INDEX CONCURRENTLY ON x1 (id);') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'VACUUM accounts;') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'ALTER SYSTEM SET work_mem = ''8MB'';') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', E'CREATE TABLE x1 (id int);\nCOPY x1 FROM STDIN;') $q$);
SELECT to_regclass('x1') AS x1, to_regclass('orders') AS orders, to_regclass('ok') AS ok;

-- Bad versions, NULL arguments.
SELECT * FROM try($q$ SELECT migrate_apply('', 'SELECT 1') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('1; DROP TABLE accounts', 'SELECT 1') $q$);
SELECT * FROM try($q$ SELECT migrate_apply(repeat('9', 129), 'SELECT 1') $q$);
SELECT * FROM try($q$ SELECT migrate_apply(NULL, 'SELECT 1') $q$);
SELECT * FROM try($q$ SELECT migrate_apply('001', NULL) $q$);

-- A script without statements is no error: a placeholder that keeps version
-- numbers dense is recorded as a no-op, with a notice (rolled back here).
BEGIN;
SELECT version, status, statements FROM migrate_apply('001', '');
SELECT version, status, statements FROM migrate_apply('002', E'-- only a comment\n/* and another */ ;;');
SELECT version, status, statements FROM migrate_apply('003', 'BEGIN; COMMIT;');
SELECT status, done, statements FROM migrate_steps_begin('004', '-- Replaced by 005');
SELECT version, status, statements FROM migrate_steps_finish('004', '-- Replaced by 005');
SELECT version, status, statements FROM migrate.ledger ORDER BY id;
ROLLBACK;

-- None of the above left a trace.
SELECT count(*) AS ledger_rows FROM migrate.ledger;
SELECT count(*) AS accounts FROM accounts;

-- Errors are catchable, and the session stays usable afterwards.
SELECT version, status FROM migrate_apply('001', 'CREATE TABLE fine (id int)');

-- A read-only transaction: the ledger is not written either, even when the
-- migration itself writes nothing.
BEGIN READ ONLY;
SELECT * FROM try($q$ SELECT migrate_apply('009', 'SELECT 1') $q$);
ROLLBACK;
SELECT count(*) AS ledger_rows FROM migrate.ledger;

\x off
DROP EXTENSION pg_migrate;
DROP TABLE accounts, fine;
DROP FUNCTION try(text);
