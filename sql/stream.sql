-- Streamed migrations: migrate_apply_large_object() reads the script from a
-- large object as a stream, never whole, parsing and running it a piece at a
-- time (about a megabyte of statements); COPY data goes from the stream to
-- COPY.  What migrate_apply guarantees holds: one transaction, the checksum
-- of the whole script, statement numbers and lines in errors, the wrapper
-- BEGIN; ... COMMIT; and its refusals, skipped and cosmetic re-runs.
-- (migrate_apply_stream, the client's way, is tested with the client.)
CREATE EXTENSION pg_migrate;
CREATE FUNCTION script_object(script text) RETURNS oid LANGUAGE sql
    AS $$ SELECT pg_catalog.lo_from_bytea(0, pg_catalog.convert_to(script, 'UTF8')) $$;

-- A small script: COPY data in the stream, kept in the ledger as a summary.
SELECT script_object(E'CREATE TABLE items (id int PRIMARY KEY, name text);\n'
                     'COPY items (id, name) FROM stdin;\n1\tone\n2\tcafé\n\\.\n'
                     'INSERT INTO items VALUES (3, ''three''); -- a comment\n') AS lo \gset
SELECT version, status, statements, risk FROM migrate_apply_large_object('001', :lo, name => 'items');
SELECT * FROM items ORDER BY id;
SELECT checksum = encode(sha256(lo_get(:lo)), 'hex') AS checksum_of_the_object, script
  FROM migrate.ledger WHERE version = '001';
-- The same object again: skipped.  The same script with another comment: a
-- cosmetic change (skipped, said so).  Another script: refused (MG001).
SELECT status FROM migrate_apply_large_object('001', :lo);
SELECT script_object(E'-- items\nCREATE TABLE items (id int PRIMARY KEY, name text);\n'
                     'COPY items (id, name) FROM stdin;\n1\tone\n2\tcafé\n\\.\n'
                     'INSERT INTO items VALUES (3, ''three'');\n') AS lo \gset
SELECT status FROM migrate_apply_large_object('001', :lo);
SELECT script_object(E'CREATE TABLE items (id int PRIMARY KEY, name text);\n'
                     'COPY items (id, name) FROM stdin;\n1\tone\n2\tcafe\n\\.\n'
                     'INSERT INTO items VALUES (3, ''three'');\n') AS lo \gset
\set VERBOSITY terse
SELECT status FROM migrate_apply_large_object('001', :lo);

-- A streamed script and the same text given to migrate_apply have the same
-- fingerprint (COPY data counts by its SHA-256 either way).
SELECT script_object(E'CREATE TABLE IF NOT EXISTS same (a int);\nCOPY same FROM stdin;\n7\n\\.\n') AS lo \gset
SELECT status FROM migrate_apply_large_object('002', :lo);
SELECT status FROM migrate_apply('003', E'CREATE TABLE IF NOT EXISTS same (a int);\nCOPY same FROM stdin;\n7\n\\.\n');
SELECT count(DISTINCT fingerprint) AS fingerprints FROM migrate.ledger WHERE version IN ('002', '003');

-- Many pieces: 30,000 statements (about 1.7 MB) and COPY data of 40,000
-- lines, with characters of two bytes on every line; statement numbers
-- count through the pieces.
SELECT script_object('CREATE TABLE many (n int, t text);' || E'\n' ||
                     string_agg(format('INSERT INTO many VALUES (%s, ''été %s'');', n, n), E'\n') || E'\n' ||
                     E'COPY many FROM stdin;\n' ||
                     (SELECT string_agg(format(E'%s\tà %s', n, n), E'\n') FROM generate_series(30001, 70000) AS n) ||
                     E'\n\\.\nCREATE INDEX many_n ON many (n)') AS lo
  FROM generate_series(1, 30000) AS n \gset
SELECT version, status, statements FROM migrate_apply_large_object('004', :lo);
SELECT count(*), count(*) FILTER (WHERE t LIKE 'été %' OR t LIKE 'à %') AS accented, max(n) FROM many;
SELECT checksum = encode(sha256(lo_get(:lo)), 'hex') AS checksum_of_the_object, statements,
       length(script) < 2000000 AS summarised FROM migrate.ledger WHERE version = '004';

-- A COPY row longer than COPY's own buffer and than the stream's reads goes
-- through a part at a time.
SELECT script_object(E'CREATE TABLE wide (t text);\nCOPY wide FROM stdin;\n' || repeat('w', 300000) ||
                     E'\nshort\n\\.\nINSERT INTO wide VALUES (''after'');\n') AS lo \gset
SELECT version, status, statements FROM migrate_apply_large_object('004.5', :lo);
SELECT length(t), left(t, 5) FROM wide ORDER BY 1, 2;

-- An error in a later piece names the statement and line of the whole
-- script; nothing of the migration stays.
\set VERBOSITY default
SELECT script_object('CREATE TABLE partial (n int);' || E'\n' ||
                     string_agg(CASE WHEN n = 35000 THEN 'SELECT 1 / 0;' ELSE format('INSERT INTO partial VALUES (%s);', n) END,
                                E'\n')) AS lo
  FROM generate_series(1, 40000) AS n \gset
SELECT status FROM migrate_apply_large_object('005', :lo);
SELECT to_regclass('partial') AS partial, count(*) AS ledger_rows FROM migrate.ledger WHERE version = '005';
-- A syntax error far into the script: its line and column.
SELECT script_object(string_agg(format('SELECT %s;', n), E'\n') || E'\nSELECT 1 +;\nSELECT 2;') AS lo
  FROM generate_series(1, 80000) AS n \gset
SELECT status FROM migrate_apply_large_object('005', :lo);
-- A bad row near the end of long COPY data: the line of that row.
SELECT script_object(E'CREATE TABLE rows (n int);\nCOPY rows FROM stdin;\n' ||
                     string_agg(CASE WHEN n = 99990 THEN 'oops' ELSE n::text END, E'\n') || E'\n\\.\n') AS lo
  FROM generate_series(1, 100000) AS n \gset
SELECT status FROM migrate_apply_large_object('005', :lo);
SELECT to_regclass('rows') AS rows_table;

-- BEGIN; ... COMMIT; around the whole script is left out, as migrate_apply
-- leaves it; a COMMIT inside, or a BEGIN without its COMMIT, is refused.
SELECT script_object(E'BEGIN;\nCREATE TABLE wrapped (a int);\nINSERT INTO wrapped VALUES (1);\nCOMMIT;\n-- done\n') AS lo \gset
SELECT version, status, statements FROM migrate_apply_large_object('006', :lo);
SELECT script_object(E'CREATE TABLE inner_commit (a int);\nCOMMIT;\nINSERT INTO inner_commit VALUES (1);\n') AS lo \gset
SELECT status FROM migrate_apply_large_object('007', :lo);
SELECT script_object(E'BEGIN;\nCREATE TABLE no_commit (a int);\n') AS lo \gset
SELECT status FROM migrate_apply_large_object('007', :lo);
SELECT to_regclass('inner_commit') AS inner_commit, to_regclass('no_commit') AS no_commit;

-- What would destroy data is refused as by migrate_apply, unless allowed (a
-- "-- migrate:allow" line holds for what follows it).
INSERT INTO items VALUES (4, 'four');
SELECT script_object(E'DROP TABLE items;\n') AS lo \gset
SELECT status FROM migrate_apply_large_object('008', :lo);
SELECT script_object(E'-- migrate:allow data_loss\nDROP TABLE items;\n') AS lo \gset
SELECT version, status, risk FROM migrate_apply_large_object('008', :lo);

-- The caller reads the large object with its own rights.
CREATE ROLE regress_streamer;
GRANT EXECUTE ON FUNCTION migrate_apply_large_object(text, oid, text, text, text, boolean, text[]) TO regress_streamer;
SELECT lo_from_bytea(4242, convert_to(E'SELECT 1;\n', 'UTF8'));
SET ROLE regress_streamer;
SELECT status FROM migrate_apply_large_object('009', 4242);
RESET ROLE;
SELECT status FROM migrate_apply_large_object('009', NULL);
SELECT status FROM migrate_apply_large_object('009', 4294967295);
REVOKE ALL ON FUNCTION migrate_apply_large_object(text, oid, text, text, text, boolean, text[]) FROM regress_streamer;
DROP ROLE regress_streamer;

SELECT version, status, statements FROM migrate.ledger ORDER BY id;
-- A row whose script had COPY data keeps it summarised, and says so.
SELECT version, state, script_summarised FROM migrate_status() ORDER BY version;

DROP EXTENSION pg_migrate;
DROP TABLE same, many, wide, wrapped;
DROP FUNCTION script_object(text);
SELECT count(lo_unlink(oid)) > 0 AS large_objects_removed FROM pg_largeobject_metadata;
