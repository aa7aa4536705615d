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
COPY t TO STDOUT;
COPY t TO '/tmp/t.csv';
BEGIN;
COMMIT
$$);

-- Syntax errors point into the script.
SELECT * FROM migrate_split(E'SELECT 1;\nSELEC 2;');
SELECT * FROM migrate_split(E'SELECT $$unterminated');
SELECT * FROM migrate_split('');

-- A script of several megabytes is parsed in pieces of about 1 MB cut where
-- a statement ends: statements whose own ';' must not cut (BEGIN ATOMIC
-- bodies with CASE ... END, rule actions in parentheses, dollar quotes,
-- comments) are split exactly as in a small script, wherever the pieces end.
CREATE TEMP TABLE kinds (k int, sql text);
INSERT INTO kinds VALUES
  (0, 'CREATE FUNCTION f%s() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; SELECT 2; END'),
  (1, 'CREATE RULE r%s AS ON INSERT TO t DO ALSO (NOTIFY a; NOTIFY b)'),
  (2, 'DO $body$ BEGIN PERFORM 1; PERFORM 2; END $body$'),
  (3, 'SELECT ''a;b'' /* ; */ AS x%s'),
  (4, 'INSERT INTO t VALUES (%s, repeat(''x'', 60))');
CREATE TEMP TABLE big_script AS
SELECT string_agg(format(k.sql, g), E';\n' ORDER BY g) || ';' AS script, count(*) AS statements
  FROM generate_series(1, 60000) g JOIN kinds k ON k.k = g % 5;
SELECT statements, length(script) > 3 * 1024 * 1024 AS over_3_mb FROM big_script;
SELECT count(*) AS split, count(*) FILTER (WHERE s.line = s.statement) AS on_their_line,
       count(*) FILTER (WHERE s.sql = format(k.sql, s.statement)) AS as_written
  FROM big_script b, migrate_split(b.script) s JOIN kinds k ON k.k = s.statement % 5;
-- A syntax error far into it is reported at its line, as in a small script.
SELECT * FROM migrate_split((SELECT script FROM big_script) || E'\nSELEC 1;');
-- So is an error of another class (feature not supported), and a notice the
-- lexer raises comes once.
SELECT * FROM migrate_split((SELECT script FROM big_script) || E'\nSELECT UNIQUE (SELECT 1);');
SELECT count(*) FROM migrate_split('SELECT 1 AS ' || repeat('x', 70) || E';\n' || (SELECT script FROM big_script));

DROP EXTENSION pg_migrate;
