-- migrate_apply: applying, skipping, refusing, and the ledger it writes.
CREATE EXTENSION pg_migrate;
\set VERBOSITY default
-- Runs a statement and shows the error it raised, times masked.
CREATE FUNCTION try(sql text, OUT code text, OUT message text, OUT detail text, OUT hint text)
LANGUAGE plpgsql AS $f$
BEGIN
    EXECUTE sql;
    code := '00000';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                            detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    detail := regexp_replace(detail, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC', '<time>', 'g');
END
$f$;
\x auto

SELECT version, name, status, statements, out_of_order
  FROM migrate_apply('001', $$ CREATE TABLE t (id int primary key); $$, name => 'create_t');

-- Same version and script again: a no-op.
SELECT version, status, statements FROM migrate_apply('001', $$ CREATE TABLE t (id int primary key); $$);

-- Only cosmetic changes (comments, whitespace, keyword and identifier case,
-- CRLF, a missing final semicolon): skipped with a NOTICE.
SELECT version, status FROM migrate_apply('001',
  E'-- create the table\r\ncreate   TABLE T (ID INT Primary   KEY)');

-- A real change: refused with both checksums and when it was applied.
\x on
SELECT * FROM try($$ SELECT migrate_apply('001', 'CREATE TABLE t (id bigint primary key);') $$);
\x auto

-- Two spellings of the same version number conflict.
SELECT * FROM migrate_apply('1', $$ CREATE TABLE t1 (); $$);

-- A script may be wrapped in one BEGIN; ... COMMIT; and may lack a final semicolon.
SELECT version, status, statements FROM migrate_apply('002', $$
BEGIN;
CREATE TABLE u (id int);
INSERT INTO u VALUES (1), (2)
;COMMIT;
$$);
SELECT version, status, statements FROM migrate_apply('003', 'ALTER TABLE u ADD COLUMN note text');

-- Versions are ordered naturally: 10 comes after 3, so 4 is now out of order.
SELECT version, status FROM migrate_apply('10', 'CREATE TABLE ten ()');
SELECT * FROM migrate_apply('4', 'CREATE TABLE four ()');
SELECT version, status, out_of_order FROM migrate_apply('4', 'CREATE TABLE four ()', out_of_order => true);

-- Atomic in the caller's transaction: nothing remains after ROLLBACK.
BEGIN;
SELECT version, status FROM migrate_apply('11', 'CREATE TABLE rolled_back ()');
SELECT migrate_version();
ROLLBACK;
SELECT to_regclass('rolled_back') AS table_after_rollback, migrate_version();

-- A failing statement leaves nothing of the migration behind.
SELECT * FROM migrate_apply('11', $$
CREATE TABLE half (id int);
INSERT INTO half VALUES (1);
INSERT INTO half VALUES (1/0);
$$);
SELECT to_regclass('half') AS half_table, count(*) AS ledger_rows_for_11
  FROM migrate.ledger WHERE version = '11';

-- A dry run executes, reports, and rolls back.
SELECT version, status, statements FROM migrate_apply('11', 'CREATE TABLE dry (id int); INSERT INTO dry VALUES (1)', dry_run => true);
SELECT to_regclass('dry') AS dry_table, count(*) AS ledger_rows_for_11
  FROM migrate.ledger WHERE version = '11';
-- A failing dry run reports the failure and leaves nothing either.
SELECT * FROM migrate_apply('11', 'CREATE TABLE dry (id int); SELECT 1/0', dry_run => true);

-- Settings a migration changes apply to that migration only.
SET timezone = 'America/New_York';
SHOW search_path;
SELECT version, status FROM migrate_apply('12', $$
SET timezone = 'UTC';
SET search_path = pg_temp, pg_catalog;
SET LOCAL statement_timeout = '5min';
CREATE TABLE public.tz_check AS SELECT current_setting('TimeZone') AS tz, current_setting('search_path') AS path;
$$);
SELECT * FROM tz_check;
SHOW timezone;
SHOW search_path;
SHOW statement_timeout;
RESET timezone;

-- down and verify are stored with the migration.
SELECT version, status FROM migrate_apply('13', 'CREATE TABLE v13 (id int)',
  name => 'v13', down => 'DROP TABLE v13', verify => 'SELECT to_regclass(''v13'') IS NOT NULL');
SELECT version, name, down, verify FROM migrate.ledger WHERE version = '13';

-- Rows of a SELECT in a migration are computed (functions run) but not kept.
CREATE FUNCTION bump() RETURNS int LANGUAGE sql AS 'UPDATE u SET id = id + 100 RETURNING 1';
SELECT version, status FROM migrate_apply('14', 'SELECT bump() FROM generate_series(1, 3)');
SELECT id FROM u ORDER BY id;

-- The ledger: one row per event, who, from where, how long.
SELECT id, version, name, status, statements, out_of_order,
       checksum ~ '^[0-9a-f]{64}$' AS checksum_ok, fingerprint ~ '^[0-9a-f]{64}$' AS fingerprint_ok,
       applied_by = current_user AS by_me, application_name, duration >= '0'::interval AS timed
  FROM migrate.ledger ORDER BY id;
-- The checksum is SHA-256 of the script with line endings normalised.
SELECT checksum = encode(sha256(convert_to(script, 'UTF8')), 'hex') AS checksum_is_sha256
  FROM migrate.ledger WHERE version = '003';
-- Each row's prev_hash is the previous row's hash.
SELECT bool_and(prev_hash IS NOT DISTINCT FROM lag) AS chain_linked, count(*) AS rows
  FROM (SELECT prev_hash, lag(hash) OVER (ORDER BY id) FROM migrate.ledger) s;

-- History is append-only.
UPDATE migrate.ledger SET name = 'edited' WHERE version = '001';
DELETE FROM migrate.ledger;
TRUNCATE migrate.ledger;

SELECT version, name, state, statements, out_of_order FROM migrate_status();
SELECT migrate_version();

-- What a client has on disk, in one call: applied, changed, pending, missing.
SELECT version, state, file_checksum IS NOT NULL AS on_disk
  FROM migrate_status(jsonb_build_object(
    '001', (SELECT checksum FROM migrate.ledger WHERE version = '001' ORDER BY id LIMIT 1),
    '002', 'deadbeef',
    '15', 'feed',
    '0016', '{"checksum": "cafe"}'::jsonb));
SELECT * FROM migrate_status('{"not a version": "x"}');
SELECT * FROM migrate_status('["001"]');

-- The chain links to the newest row that exists: rows of a rolled-back
-- transaction or savepoint (the newest this session saw among them) are not
-- linked to.
BEGIN;
SELECT version, status FROM migrate_apply('20', 'SELECT 1');
SELECT version, status FROM migrate_apply('21', 'SELECT 1');
ROLLBACK;
SELECT version, status FROM migrate_apply('22', 'SELECT 1');
BEGIN;
SAVEPOINT s;
SELECT version, status FROM migrate_apply('23', 'SELECT 1');
SELECT version, status FROM migrate_apply('24', 'SELECT 1');
ROLLBACK TO SAVEPOINT s;
SELECT version, status FROM migrate_apply('25', 'SELECT 1');
COMMIT;
SELECT string_agg(version, ' ' ORDER BY id) AS versions FROM migrate.ledger WHERE version LIKE '2_';
SELECT bool_and(prev_hash IS NOT DISTINCT FROM lag) AS chain_linked, count(*) AS rows
  FROM (SELECT prev_hash, lag(hash) OVER (ORDER BY id) FROM migrate.ledger) s;
SELECT check_name, ok FROM migrate_verify() WHERE check_name = 'ledger_chain';

DROP EXTENSION pg_migrate;
DROP TABLE t, u, ten, four, tz_check, v13;
DROP FUNCTION try(text), bump();
