-- Dry run with evidence: migrate_apply(..., dry_run => true) runs the
-- migration, reports what each statement did (rows, locks taken, tables
-- rewritten, the classifier's findings), then rolls everything back.
CREATE EXTENSION pg_migrate;
CREATE TABLE users (id int PRIMARY KEY, email varchar(40), n int);
INSERT INTO users SELECT g, 'User' || g || '@example.com', g FROM generate_series(1, 2000) g;
CREATE TABLE old_events (id int);
CREATE TABLE audit (id int);
ANALYZE;
-- One row per statement of a report, durations left out.
CREATE FUNCTION evidence(report jsonb)
    RETURNS TABLE (statement int, command text, rows bigint, locks text, rewrites text, findings text)
    LANGUAGE sql AS $$
    SELECT (s ->> 'statement')::int, s ->> 'command', (s ->> 'rows')::bigint,
           (SELECT string_agg((l ->> 'mode') || ' ' || (l ->> 'relation'), ', ') FROM jsonb_array_elements(s -> 'locks') l),
           (SELECT string_agg((w ->> 'relation') || ' (' || (w ->> 'reason') || ')', ', ')
              FROM jsonb_array_elements(s -> 'rewrites') w),
           (SELECT string_agg((f ->> 'risk') || ' ' || (f ->> 'rule'), ', ') FROM jsonb_array_elements(s -> 'findings') f)
      FROM jsonb_array_elements(report -> 'statements') s
     ORDER BY 1 $$;

-- Each statement's evidence: the type change rewrites users under ACCESS
-- EXCLUSIVE, the UPDATE hits 9 rows, the INSERT reads users; t2 is created
-- by the migration, so neither its locks nor its rewrite are evidence (no
-- other session can see it); old_events is named although it is dropped.
CREATE TEMP TABLE report AS
SELECT status, risk, report FROM migrate_apply('001', $$
ALTER TABLE users ALTER COLUMN n TYPE bigint;
UPDATE users SET email = lower(email) WHERE id < 10;
CREATE TABLE t2 (id int);
INSERT INTO t2 SELECT id FROM users;
ALTER TABLE t2 ADD COLUMN x float8 DEFAULT random();
DROP TABLE old_events;
$$, dry_run => true);
SELECT status, risk, report -> 'rolled_back' AS rolled_back FROM report;
SELECT e.* FROM report, evidence(report) e;
-- The whole migration: the strongest lock per relation and where it was taken.
SELECT report -> 'tables_rewritten' AS tables_rewritten, report -> 'locks' AS locks FROM report;
-- Every statement's duration is measured.
SELECT bool_and((s ->> 'duration_ms')::numeric >= 0) AS timed
  FROM report, jsonb_array_elements(report -> 'statements') s;
-- Nothing was kept.
SELECT count(*) AS ledger_rows FROM migrate.ledger;
SELECT format_type(atttypid, atttypmod) AS n_type FROM pg_attribute WHERE attrelid = 'users'::regclass AND attname = 'n';
SELECT to_regclass('t2') AS t2, to_regclass('old_events') AS old_events;
SELECT count(*) AS lowered FROM users WHERE email = lower(email);

-- CREATE INDEX holds SHARE on the table (the index itself is not reported).
-- A lock held already counts for a statement that needs it (the INSERT into
-- audit), not for one that does not (the SELECT, for audit).
BEGIN;
LOCK TABLE audit IN ROW EXCLUSIVE MODE;
SELECT e.* FROM migrate_apply('002', $$
  CREATE INDEX users_email ON users (email);
  INSERT INTO audit VALUES (1);
  SELECT * FROM users WHERE id <= 3;
$$, dry_run => true) a, evidence(a.report) e;
ROLLBACK;

-- A column added with a volatile default rewrites an existing table.
SELECT e.* FROM migrate_apply('003', $$ ALTER TABLE users ADD COLUMN token float8 DEFAULT random(); $$,
                              dry_run => true) a, evidence(a.report) e;

-- A real apply returns no report unless migrate.report is on; then it is
-- the same evidence, not rolled back.
SELECT status, report FROM migrate_apply('004', $$ CREATE INDEX users_n ON users (n); $$);
SET migrate.report = on;
SELECT status, report -> 'rolled_back' AS rolled_back, report -> 'locks' AS locks
  FROM migrate_apply('005', $$ CREATE INDEX users_id_n ON users (id, n); $$);
RESET migrate.report;
SELECT version, status FROM migrate.ledger ORDER BY id;

-- Two migrations in one transaction (as pg_migrate up --dry-run runs them):
-- the second shows the lock it needs although the first took it already.
BEGIN;
SET LOCAL migrate.report = on;
SELECT version, report -> 'locks' AS locks FROM migrate_apply('010', $$ ALTER TABLE users ADD COLUMN a int; $$);
SELECT version, report -> 'locks' AS locks FROM migrate_apply('011', $$ ALTER TABLE users ADD COLUMN b int; $$);
ROLLBACK;

-- A long migration: the first 1,000 statements are listed one by one; the
-- totals (rows, locks, rewrites) cover all 1,201.
SELECT report -> 'statements_total' AS total, report -> 'statements_listed' AS listed,
       jsonb_array_length(report -> 'statements') AS statements, report -> 'rows_total' AS rows_total,
       report -> 'locks' AS locks
  FROM migrate_apply('020', (SELECT string_agg(format('UPDATE users SET n = n WHERE id = %s;', g), E'\n')
                               FROM generate_series(1, 1200) g) || E'\nALTER TABLE users ADD COLUMN late int;',
                     dry_run => true);

-- A repeatable migration's dry run has the report too.
SELECT status, e.* FROM migrate_apply_repeatable('audit_view', $$ CREATE VIEW audit_ids AS SELECT id FROM audit; $$,
                                                 dry_run => true) a, evidence(a.report) e;

-- A dry run of a migration that would destroy data is refused like the
-- real run (the refusal names what would be lost); allowed, it reports.
INSERT INTO audit SELECT generate_series(1, 10);
SELECT status FROM migrate_apply('006', $$ DROP TABLE audit; $$, dry_run => true);
SELECT e.* FROM migrate_apply('006', $$ DROP TABLE audit; $$, dry_run => true, allow => '{data_loss}') a,
                evidence(a.report) e;
SELECT count(*) AS audit_rows FROM audit;

-- A dry run that fails reports the error, and nothing is kept.
SELECT status FROM migrate_apply('007', $$ CREATE TABLE t3 (id int); INSERT INTO t3 VALUES ('x'); $$, dry_run => true);
SELECT to_regclass('t3') AS t3;

-- No migration of another session runs now: migrate_status() has no
-- 'running' row (tests/isolation/specs/running_status.spec has them).
SELECT count(*) AS running FROM migrate_status() WHERE state = 'running';

DROP FUNCTION evidence(jsonb);
DROP TABLE users, old_events, audit;
DROP EXTENSION pg_migrate;
