-- One SQL call for any migration: migrate_submit hands it to the server's
-- runner (a background worker), migrate_wait waits for its outcome.
CREATE EXTENSION pg_migrate;
CREATE TABLE t (id int, email text);
INSERT INTO t VALUES (1, 'a'), (2, 'a');

-- A migration that cannot run in a transaction: queued at once, then run
-- statement by statement at top level by the runner.
SELECT version, status, statements, done FROM migrate_submit('001',
  E'CREATE INDEX CONCURRENTLY t_id ON t (id);\nCREATE INDEX CONCURRENTLY t_email ON t (email);', name => 'indexes');
SELECT version, status, statements, done, statement, line, error FROM migrate_wait('001', timeout => '1 min');
SELECT indexrelid::regclass AS index, indisvalid FROM pg_index WHERE indrelid = 't'::regclass ORDER BY 1;
-- Its DDL is the migration's, statement by statement; the ledger has it, the
-- progress row is gone, the submission says how it ran.
SELECT version, statement, command_tag, object_identity FROM migrate.ddl_log ORDER BY id;
SELECT version, name, status, statements FROM migrate.ledger;
SELECT count(*) AS under_way FROM migrate.progress;
SELECT version, in_transaction, status, done, submitted_by, worker_pid, resumes FROM migrate.submissions;

-- The same script again: skipped, nothing queued.  Another script: refused
-- at once, as migrate_apply refuses it.
SELECT version, status FROM migrate_submit('001',
  E'CREATE INDEX CONCURRENTLY t_id ON t (id);\nCREATE INDEX CONCURRENTLY t_email ON t (email);');
\set VERBOSITY terse
SELECT version, status FROM migrate_submit('001', 'CREATE INDEX CONCURRENTLY t_other ON t (id)');
\set VERBOSITY default
SELECT version, status FROM migrate_submit('0001', 'SELECT 1');

-- A script that runs in a transaction is applied in one, by migrate_apply.
SELECT version, status FROM migrate_submit('002', 'CREATE TABLE u (id int); INSERT INTO u VALUES (1);');
SELECT version, status, statements, done FROM migrate_wait('002');
SELECT version, in_transaction, status FROM migrate.submissions WHERE version = '002';
-- ... and when it fails, nothing of it stays; the wait names the statement.
SELECT version, status FROM migrate_submit('003', E'CREATE TABLE v (id int);\nINSERT INTO v VALUES (''x'');');
SELECT version, status, done, statement, line, error, sqlstate FROM migrate_wait('003');
SELECT to_regclass('v') AS v, count(*) AS ledger_rows FROM migrate.ledger WHERE version = '003';

-- Refused at once, before anything is queued: out of order, a risk nobody
-- allowed, a psql meta-command.
SELECT version, status FROM migrate_submit('000', 'CREATE TABLE w (id int)');
SELECT version, status FROM migrate_submit('004', 'DROP TABLE u');
SELECT version, status FROM migrate_submit('004', E'\\set x 1\nCREATE TABLE w (id int);');
SELECT count(*) AS submissions FROM migrate.submissions;

-- A statement fails half-way: the statements before it stay applied and
-- recorded; the unique build left its index INVALID.
SELECT version, status FROM migrate_submit('004',
  E'CREATE INDEX CONCURRENTLY t_id2 ON t (id);\n\nCREATE UNIQUE INDEX CONCURRENTLY t_email_key\n  ON t (email);');
SELECT version, status, statements, done, statement, line, error, sqlstate, detail, invalid_indexes
  FROM migrate_wait('004');
SELECT version, done, statements, last_error FROM migrate.progress;
-- Another script for it is refused; the same one resumes at statement 2.
SELECT version, status FROM migrate_submit('004', 'CREATE INDEX CONCURRENTLY t_x ON t (id)');
DROP INDEX t_email_key;
UPDATE t SET email = 'b' WHERE id = 2;
SELECT version, status FROM migrate_submit('004',
  E'CREATE INDEX CONCURRENTLY t_id2 ON t (id);\n\nCREATE UNIQUE INDEX CONCURRENTLY t_email_key\n  ON t (email);');
SELECT version, status, statements, done, error FROM migrate_wait('004');
SELECT version, statement, command_tag, object_identity FROM migrate.ddl_log
 WHERE version = '004' ORDER BY id;

-- While the submitting transaction is open the migration shows as queued,
-- and waiting inside a transaction block is refused: a concurrent index
-- build would wait for the waiting transaction's snapshot.
BEGIN;
SELECT version, status FROM migrate_submit('005', 'CREATE INDEX CONCURRENTLY t_id3 ON t (id)');
SELECT version, name, state FROM migrate_status() WHERE version = '005';
SELECT version, status FROM migrate_wait('005');
ROLLBACK;
SELECT version, status FROM migrate_wait('005');
SELECT version, status FROM migrate_wait('001', timeout => NULL);

-- A deploy role that cannot log in, taken with SET ROLE: the runner logs in
-- as the session's user and takes the same role, so the migration runs with
-- that role's rights (it needs EXECUTE on the functions the runner calls).
CREATE ROLE regress_submitter NOLOGIN;
GRANT EXECUTE ON FUNCTION migrate_submit(text, text, text, text, text, boolean, text[]),
                          migrate_wait(text, interval),
                          migrate_steps_begin(text, text, text, boolean, text[]),
                          migrate_step_done(text, integer), migrate_step_failed(text, integer, text),
                          migrate_steps_finish(text, text, text, text, text) TO regress_submitter;
GRANT CREATE ON SCHEMA public TO regress_submitter;
SET ROLE regress_submitter;
CREATE TABLE owned (id int);
SELECT version, status FROM migrate_submit('006', 'CREATE INDEX CONCURRENTLY owned_id ON owned (id)');
SELECT version, status, error FROM migrate_wait('006', timeout => '1 min');
-- ... not another role's table.
SELECT version, status FROM migrate_submit('007', 'CREATE INDEX CONCURRENTLY t_id4 ON t (id)');
SELECT version, status, error, sqlstate FROM migrate_wait('007', timeout => '1 min');
RESET ROLE;
SELECT version, role, session_role, object_identity FROM migrate.ddl_log WHERE version = '006';
SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'owned_id';
SELECT version, submitted_by FROM migrate.submissions WHERE version IN ('006', '007') ORDER BY 1;

-- The functions are not for PUBLIC; the submissions table is the ledger owner's.
SELECT p.proname, has_function_privilege('public', p.oid, 'EXECUTE') AS public_may_execute
  FROM pg_proc p WHERE p.proname IN ('migrate_submit', 'migrate_wait') ORDER BY 1;
SELECT has_table_privilege('public', 'migrate.submissions', 'SELECT') AS public_may_read;

DROP TABLE t, u, owned;
DROP EXTENSION pg_migrate;
REVOKE CREATE ON SCHEMA public FROM regress_submitter;
DROP ROLE regress_submitter;
