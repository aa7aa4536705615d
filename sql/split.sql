-- Splitting scripts with PostgreSQL's own parser (migrate_split shows the
-- statements exactly as migrate_apply runs them).
CREATE EXTENSION pg_migrate;

-- Dollar quotes, nested comments, E'' strings, semicolons inside bodies.
SELECT statement, line, command, transactional, sql FROM migrate_split($script$
-- a leading comment; with a semicolon
CREATE FUNCTION add_one(i int) RETURNS int LANGUAGE plpgsql AS $body$
BEGIN
    RETURN i + 1;  -- ; inside the body
END
$body$;
/* a /* nested */ comment ; still a comment */
SELECT E'it''s; \' fine', 'plain ; string', $tag$ $$ ; $tag$;
CREATE FUNCTION two() RETURNS int LANGUAGE sql
BEGIN ATOMIC
    SELECT 1;
    SELECT 2;
END;
INSERT INTO "semi;colon" VALUES (1)   -- last statement, no semicolon
$script$);

-- Empty statements are skipped; CRLF line endings count as one line each.
SELECT statement, line, sql FROM migrate_split(E';;\r\nSELECT 1;\r\n\r\n;SELECT 2');

-- Which statements cannot run inside a transaction.
SELECT statement, command, transactional FROM migrate_split($$
CREATE INDEX CONCURRENTLY i ON t (x);
CREATE INDEX i2 ON t (x);
DROP INDEX CONCURRENTLY i;
REINDEX (CONCURRENTLY) INDEX i2;
REINDEX INDEX i2;
VACUUM t;
ANALYZE t;
CLUSTER;
CLUSTER t USING i2;
CREATE DATABASE d;
ALTER SYSTEM SET work_mem = '1MB';
ALTER TABLE p DETACH PARTITION c CONCURRENTLY;
ALTER TABLE p DETACH PARTITION c;
ALTER TYPE mood ADD VALUE 'sad';
COPY t FROM STDIN;
COPY t TO '/tmp/t.csv';
BEGIN;
COMMIT
$$);

-- Syntax errors point into the script.
SELECT * FROM migrate_split(E'SELECT 1;\nSELEC 2;');
SELECT * FROM migrate_split(E'SELECT $$unterminated');
SELECT * FROM migrate_split('');

DROP EXTENSION pg_migrate;
