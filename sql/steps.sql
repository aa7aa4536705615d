-- Migrations outside a transaction: migrate_steps_begin / migrate_step_done /
-- migrate_step_failed / migrate_steps_finish and migrate.progress.
CREATE EXTENSION pg_migrate;
CREATE TABLE t (id int, email text);
INSERT INTO t VALUES (1, 'a'), (2, 'a');
\set script 'CREATE INDEX CONCURRENTLY t_id ON t (id);\nCREATE UNIQUE INDEX CONCURRENTLY t_email ON t (email);'

-- Start: nothing done yet.  Non-transactional statements are accepted here.
SELECT * FROM migrate_steps_begin('001', E:'script', name => 'indexes');
SELECT statement, line, command, transactional FROM migrate_split(E:'script');
CREATE INDEX CONCURRENTLY t_id ON t (id);
SELECT migrate_step_done('001', 1);
-- Steps must come in order.
SELECT migrate_step_done('001', 1);
SELECT migrate_step_done('001', 3);
-- The second statement fails; its failure is recorded.
CREATE UNIQUE INDEX CONCURRENTLY t_email ON t (email);
SELECT migrate_step_failed('001', 2, 'could not create unique index "t_email"');
-- The risk assessed before the first statement is kept for the ledger.
SELECT version, name, statements, done, last_error, risk FROM migrate.progress;
-- Not finished: no ledger row yet, and the version is not applied.
SELECT * FROM migrate_steps_finish('001', E:'script');
SELECT count(*) AS ledger_rows FROM migrate.ledger;
-- Another script for a migration under way is refused.
SELECT * FROM migrate_steps_begin('001', 'CREATE INDEX CONCURRENTLY other ON t (id)');
-- Resuming with the same script says where to continue.
SELECT * FROM migrate_steps_begin('001', E:'script');
DROP INDEX CONCURRENTLY t_email;
UPDATE t SET email = 'b' WHERE id = 2;
CREATE UNIQUE INDEX CONCURRENTLY t_email ON t (email);
SELECT migrate_step_done('001', 2);
SELECT version, name, status, statements FROM migrate_steps_finish('001', E:'script', name => 'indexes', down => 'DROP INDEX t_id; DROP INDEX t_email;');
SELECT count(*) AS progress_rows FROM migrate.progress;
SELECT version, name, state, statements FROM migrate_status();
SELECT down, risk, hash_format FROM migrate.ledger WHERE version = '001';
-- Once applied: skipped, by both paths.
SELECT * FROM migrate_steps_begin('001', E:'script');
SELECT version, status FROM migrate_steps_finish('001', E:'script');
SELECT version, status FROM migrate_apply('001', E:'script');
-- The ledger chain covers rows written by both paths.
SELECT version, status FROM migrate_apply('002', 'CREATE TABLE after_steps ()');
SELECT bool_and(prev_hash IS NOT DISTINCT FROM lag) AS chain_linked
  FROM (SELECT prev_hash, lag(hash) OVER (ORDER BY id) FROM migrate.ledger) s;

-- Refusals: transaction control, COPY FROM STDIN, unknown steps.
SELECT * FROM migrate_steps_begin('003', E'CREATE INDEX CONCURRENTLY t_x ON t (id);\nCOMMIT;');
SELECT * FROM migrate_steps_begin('003', 'COPY t FROM STDIN');
SELECT migrate_step_done('004', 1);
SELECT * FROM migrate_steps_finish('004', 'SELECT 1');
-- Out of order, as with migrate_apply.
SELECT * FROM migrate_steps_begin('1.5', 'CREATE INDEX CONCURRENTLY t_y ON t (id)');
SELECT status FROM migrate_steps_begin('1.5', 'CREATE INDEX CONCURRENTLY t_y ON t (id)', out_of_order => true);
SELECT count(*) FROM migrate.progress;

-- A breaking migration keeps the risk it was assessed with when it started,
-- although its statements have changed the catalog by the time it finishes.
SELECT status FROM migrate_steps_begin('005', 'ALTER TABLE t RENAME COLUMN email TO mail');
ALTER TABLE t RENAME COLUMN email TO mail;
SELECT migrate_step_done('005', 1);
SELECT version, status FROM migrate_steps_finish('005', 'ALTER TABLE t RENAME COLUMN email TO mail');
SELECT version, risk, hash_format FROM migrate.ledger WHERE version = '005';

-- The functions are not for PUBLIC.
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc p WHERE p.proname LIKE 'migrate\_step%' ORDER BY 1;

DROP TABLE t, after_steps;
DROP EXTENSION pg_migrate;
