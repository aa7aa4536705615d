-- Scripts as psql and pg_dump write them: COPY ... FROM STDIN followed by
-- its data up to a line "\.", and the \restrict / \unrestrict lines of
-- current pg_dump output.  Other meta-commands stay refused.
CREATE EXTENSION pg_migrate;

-- A dump's shape: \restrict first, settings, tables, data, \unrestrict last.
SELECT E'\\restrict Ab3dEf9\n\n'
    || E'SET client_encoding = ''UTF8'';\n'
    || E'SELECT pg_catalog.set_config(''search_path'', '''', false);\n\n'
    || E'CREATE TABLE public.people (id int PRIMARY KEY, name text, note text);\n'
    || E'CREATE TABLE public.empty (id int);\n\n'
    || E'COPY public.people (id, name, note) FROM stdin;\n'
    || E'1\tAda\t\\N\n'
    || E'2\tBo\\tB\tsemi; colon\n'
    || E'3\tCé\tback\\\\slash and ''quote\n'
    || E'4\tDe\tline\\nbreak\n'
    || E'\\.\n\n'
    || E'COPY public.empty (id) FROM stdin;\n\\.\n\n'
    || E'\\unrestrict Ab3dEf9\n' AS dump \gset
SELECT statement, line, command, transactional, sql FROM migrate_split(:'dump');
SELECT version, status, statements FROM migrate_apply('001', :'dump', name => 'baseline');
SELECT id, name, note, note IS NULL AS null_note FROM people ORDER BY id;
SELECT count(*) AS empty_rows FROM empty;
-- The dump's set_config(..., false) was undone when the migration ended.
SHOW search_path;

-- A new dump of the same data differs only in its \restrict key: cosmetic.
SELECT version, status FROM migrate_apply('001', replace(:'dump', 'Ab3dEf9', 'Zz0Yy1X'), name => 'baseline');
-- A changed row is not.
\set VERBOSITY terse
SELECT version, status FROM migrate_apply('001', replace(:'dump', 'Ada', 'Ida'), name => 'baseline');
\set VERBOSITY default

-- Formats and options: CSV with a header and a quoted newline, a column list
-- in another order, a WHERE clause, CRLF line ends, data running to the end
-- of the script without "\.".
SELECT version, status, statements FROM migrate_apply('002',
       E'CREATE TABLE pairs (k text, v int);\n'
    || E'COPY pairs (v, k) FROM STDIN WITH (FORMAT csv, HEADER);\nv,k\n1,"two\nlines"\n2,plain\n\\.\n'
    || E'COPY pairs FROM STDIN WHERE v > 10;\r\nskip\t5\r\nkeep\t50\r\n\\.\r\n'
    || E'SELECT 1;\nCOPY pairs FROM STDIN;\nlast\t7\nto the end\t8\n');
SELECT k, v FROM pairs ORDER BY v;
SELECT version, statements FROM migrate.ledger WHERE version = '002';

-- A bad row: the server's own message and line in the data, where the data
-- begins in the script, and the statement with the bad row's line in the
-- script (4).  Nothing of the migration stays.
SELECT version, status FROM migrate_apply('003', E'CREATE TABLE nums (n int);\nCOPY nums FROM stdin;\n1\nnot a number\n\\.\n');
SELECT to_regclass('nums') AS nums;
-- The same 2,000 rows in: the row's line is the script's line 2002.
SELECT version, status FROM migrate_apply('003', E'CREATE TABLE nums (n int);\nCOPY nums FROM stdin;\n'
    || (SELECT string_agg(CASE WHEN i = 2000 THEN 'x' ELSE i::text END, E'\n') FROM generate_series(1, 2001) AS i)
    || E'\n\\.\n');
-- A syntax error after the data is placed by statement and line.
SELECT version, status FROM migrate_apply('003', E'COPY pairs FROM stdin;\nx\t1\n\\.\nSELEC 2;');

-- A dry run loads the rows and rolls them back.
SELECT version, status FROM migrate_apply('003', E'COPY pairs FROM stdin;\ndry\t99\n\\.\n', dry_run => true);
SELECT count(*) AS dry_rows FROM pairs WHERE k = 'dry';

-- Refused before anything runs: a COPY with no lines after it, COPY TO
-- STDOUT, other meta-commands, an ENCODING other than the database's.
SELECT version, status FROM migrate_apply('003', E'CREATE TABLE x (i int);\nCOPY x FROM STDIN;');
SELECT version, status FROM migrate_apply('003', E'CREATE TABLE x (i int);\nCOPY x TO STDOUT;');
SELECT version, status FROM migrate_apply('003', E'\\restrict k\nCREATE TABLE x (i int);\n\\set ON_ERROR_STOP 1\n');
SELECT version, status FROM migrate_apply('003', E'CREATE TABLE x (i int);\nCOPY x FROM STDIN (ENCODING ''LATIN1'');\n1\n\\.\n');
-- Outside a transaction each statement goes to the server on its own.
SELECT * FROM migrate_steps_begin('003', E'CREATE INDEX CONCURRENTLY pairs_k ON pairs (k);\nCOPY pairs FROM STDIN;\nz\t1\n\\.\n');
SELECT to_regclass('x') AS x;

-- The rows are loaded with the caller's rights: INSERT on the columns, no
-- row-level security to bypass.
CREATE ROLE regress_loader;
DO $$
DECLARE f regprocedure;
BEGIN
    FOR f IN SELECT p.oid FROM pg_proc p JOIN pg_depend d ON d.classid = 'pg_proc'::regclass AND d.objid = p.oid
              AND d.deptype = 'e' JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'pg_migrate'
             WHERE p.prorettype <> 'event_trigger'::regtype LOOP
        EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO regress_loader', f);
    END LOOP;
END $$;
CREATE TABLE guarded (id int, secret text);
GRANT SELECT, INSERT (id) ON guarded TO regress_loader;
CREATE TABLE policed (id int);
ALTER TABLE policed ENABLE ROW LEVEL SECURITY;
GRANT INSERT ON policed TO regress_loader;
SET ROLE regress_loader;
SELECT version, status FROM migrate_apply('004', E'COPY guarded (id) FROM stdin;\n1\n\\.\n');
SELECT version, status FROM migrate_apply('005', E'COPY guarded (id, secret) FROM stdin;\n2\ts\n\\.\n');
SELECT version, status FROM migrate_apply('005', E'COPY policed FROM stdin;\n1\n\\.\n');
RESET ROLE;
SELECT id, secret FROM guarded;
SELECT count(*) AS policed_rows FROM policed;

-- In a read-only transaction the data is refused like any write.
BEGIN READ ONLY;
SELECT version, status FROM migrate_apply('005', E'COPY guarded (id) FROM stdin;\n3\n\\.\n');
ROLLBACK;

-- A fingerprint is a stored format: a ledger's rows are compared with files by
-- it for as long as they exist.  A script with COPY data, and its fingerprint
-- as 0.16 computes it (COPY data by its SHA-256, as a streamed script's; rows
-- of 0.10 to 0.15 kept the data's length and bytes, and still compare).
SELECT version, status FROM migrate_apply('006', E'CREATE TABLE fixed (n int, t text);\nCOPY fixed (n, t) FROM stdin;\n1\tone\n2\ttwo\\ttab\n\\.\nCREATE INDEX ON fixed (n);\nCOPY fixed FROM stdin WITH (FORMAT csv);\n3,"three"\n\\.');
SELECT fingerprint FROM migrate.ledger WHERE version = '006';
SELECT n, t FROM fixed ORDER BY n;
-- The same script as 0.10 to 0.15 recorded it (a row written here as they
-- wrote it, with their fingerprint): the same script with a comment more is
-- still a cosmetic change.
INSERT INTO migrate.ledger (version, version_key, status, checksum, fingerprint, applied_at, applied_by, hash)
VALUES ('006.1', migrate.version_key('006.1'), 'applied', 'a checksum of 0.15', '81a63315444974038a2031a261c3823c354d435eda2e0289e349c686244024c9', now(), current_user, 'a hash');
SELECT version, status FROM migrate_apply('006.1', E'-- as before\nCREATE TABLE fixed (n int, t text);\nCOPY fixed (n, t) FROM stdin;\n1\tone\n2\ttwo\\ttab\n\\.\nCREATE INDEX ON fixed (n);\nCOPY fixed FROM stdin WITH (FORMAT csv);\n3,"three"\n\\.');
-- The same on every major: words that later majors made keywords (FORMAT
-- above, PATH, VIRTUAL, ... as column names) or stopped being one (RECHECK)
-- count as PostgreSQL 15 read them.  The literal is 15's.
SELECT version, status FROM migrate_apply('007', E'CREATE TABLE words (absent int, format int, path text, plan int, "recheck" int, virtual int, source int, target int, string text, keys int, json_value int);\nSELECT recheck FROM words;');
SELECT fingerprint = 'f9589a06067aa1bc5032fa51fbce6e19ef173159a08018b38d00e2b369a261cc' AS as_on_15 FROM migrate.ledger WHERE version = '007';

SELECT version, name, status, statements FROM migrate.ledger ORDER BY id;

DROP EXTENSION pg_migrate;
DROP TABLE people, empty, pairs, guarded, policed, fixed, words;
DROP OWNED BY regress_loader;
DROP ROLE regress_loader;
