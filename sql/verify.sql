-- migrate_verify(): one row per check (ok) or per problem, each check passing
-- and failing, every run recorded in migrate.verify_log.
CREATE EXTENSION pg_migrate;
\set VERBOSITY default
-- Failing checks, times masked.
CREATE VIEW problems AS
    SELECT check_name, object,
           regexp_replace(detail, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d[-+]\d\d', '<time>', 'g') AS detail
      FROM migrate_verify() WHERE NOT ok;

SELECT status FROM migrate_apply('001', $$
    CREATE TABLE accounts (id int PRIMARY KEY, email text, balance int);
$$, verify => 'SELECT count(*) >= 0 FROM accounts');

-- A clean database: every check passes.
SELECT * FROM migrate_verify();

-- out_of_band_ddl: DDL outside migrations since the last migration.
ALTER TABLE accounts ADD COLUMN note text;
SELECT * FROM problems;
SELECT status FROM migrate_apply('002', 'ALTER TABLE accounts DROP COLUMN note');

-- invalid_index: a concurrent build that failed leaves an INVALID index.
INSERT INTO accounts VALUES (1, 'a@example.com', 0), (2, 'a@example.com', 0);
SELECT status FROM migrate_steps_begin('003', 'CREATE UNIQUE INDEX CONCURRENTLY accounts_email ON accounts (email)');
CREATE UNIQUE INDEX CONCURRENTLY accounts_email ON accounts (email);
SELECT migrate_step_failed('003', 1, 'could not create unique index "accounts_email"');
-- ... and incomplete_migration: that migration stopped half-way.
SELECT * FROM problems;
-- migrate.schemas limits the catalog checks to the schemas named.
CREATE SCHEMA elsewhere;
SET migrate.schemas = 'elsewhere';
SELECT * FROM problems;
RESET migrate.schemas;
SET migrate.schemas = 'no such schema, ';
SELECT * FROM problems;
RESET migrate.schemas;
DROP SCHEMA elsewhere;
-- Fixed by hand (which is itself out-of-band DDL) and by finishing the migration.
DROP INDEX CONCURRENTLY accounts_email;
UPDATE accounts SET email = 'b@example.com' WHERE id = 2;
SELECT status FROM migrate_steps_begin('003', 'CREATE UNIQUE INDEX CONCURRENTLY accounts_email ON accounts (email)');
CREATE UNIQUE INDEX CONCURRENTLY accounts_email ON accounts (email);
SELECT migrate_step_done('003', 1);
SELECT status FROM migrate_steps_finish('003', 'CREATE UNIQUE INDEX CONCURRENTLY accounts_email ON accounts (email)');
SELECT * FROM problems;

-- unvalidated_constraint: NOT VALID, never validated.
SELECT status FROM migrate_apply('004', $$
    ALTER TABLE accounts ADD CONSTRAINT balance_positive CHECK (balance >= 0) NOT VALID;
$$);
SELECT * FROM problems;
SELECT status FROM migrate_apply('005', 'ALTER TABLE accounts VALIDATE CONSTRAINT balance_positive');
SELECT count(*) AS problems FROM problems;

-- verify_query: each applied migration's verify query must still return true.
SELECT status FROM migrate_apply('006', 'CREATE TABLE settings (key text PRIMARY KEY, value text)',
                                 verify => $$SELECT value = 'on' FROM settings WHERE key = 'feature'$$);
SELECT * FROM problems;
INSERT INTO settings VALUES ('feature', 'off');
SELECT * FROM problems;
UPDATE settings SET value = 'on';
SELECT count(*) AS problems FROM problems;
-- raise => true: a failing run raises an ERROR (a pg_cron job fails) and is
-- still recorded, although the ERROR rolls the caller's transaction back.
TRUNCATE migrate.verify_log;
ALTER TABLE accounts ADD COLUMN hotfix int;
BEGIN;
SELECT * FROM migrate_verify(raise => true);
ROLLBACK;
SELECT ok, jsonb_path_query_array(failures, '$[*].check_name') AS failing
  FROM migrate.verify_log;
-- A clean run with raise => true returns its rows like any other.
SELECT status FROM migrate_apply('007', 'ALTER TABLE accounts DROP COLUMN hotfix');
SELECT count(*) FILTER (WHERE ok) AS ok, count(*) AS checks FROM migrate_verify(raise => true);

-- Verify queries that fail, return something else than a boolean, or write.
SELECT status FROM migrate_apply('008', 'CREATE TABLE t7 (id int)', verify => 'SELECT 1/0 = 1');
SELECT status FROM migrate_apply('009', 'CREATE TABLE t8 (id int)', verify => 'SELECT 42');
SELECT status FROM migrate_apply('010', 'CREATE TABLE t9 (id int)', verify => 'DELETE FROM settings RETURNING true');
SELECT * FROM problems;

-- A verify query runs with the rights of the role that applied the migration,
-- not those of whoever runs migrate_verify (a superuser's scheduled job).
CREATE ROLE regress_verify_deployer;
GRANT CREATE ON SCHEMA public TO regress_verify_deployer;
GRANT EXECUTE ON FUNCTION migrate_apply(text, text, text, text, text, boolean, boolean, text[]),
                          migrate_verify(boolean) TO regress_verify_deployer;
SET ROLE regress_verify_deployer;
SELECT status FROM migrate_apply('011', 'CREATE TABLE t10 (id int)',
                                 verify => $$SELECT pg_catalog.pg_read_file('PG_VERSION') <> ''$$);
SELECT check_name, object, ok FROM migrate_verify() WHERE check_name = 'verify_query';
RESET ROLE;
SELECT * FROM problems WHERE object = 'migration 011';
-- A role without EXECUTE cannot run it.
CREATE ROLE regress_verify_nobody;
SET ROLE regress_verify_nobody;
SELECT * FROM migrate_verify();
RESET ROLE;

-- Every run is in migrate.verify_log: ok, how many checks, the failures.
SELECT ok, checks, jsonb_array_length(failures) AS failures, verified_by
  FROM migrate.verify_log ORDER BY id DESC LIMIT 3;

-- ledger_chain: history edited behind the append-only trigger's back (a
-- superuser disabling it) is found, with the first row that no longer matches.
ALTER TABLE migrate.ledger DISABLE TRIGGER ledger_no_update_delete;
UPDATE migrate.ledger SET script = 'CREATE TABLE accounts ()' WHERE version = '001';
SELECT check_name, object, detail FROM problems WHERE check_name = 'ledger_chain';
DELETE FROM migrate.ledger WHERE version = '001';
SELECT check_name, object, detail FROM problems WHERE check_name = 'ledger_chain';
ALTER TABLE migrate.ledger ENABLE TRIGGER ledger_no_update_delete;

DROP VIEW problems;
DROP EXTENSION pg_migrate;
DROP TABLE accounts, settings, t7, t8, t9, t10;
REVOKE CREATE ON SCHEMA public FROM regress_verify_deployer;
DROP ROLE regress_verify_deployer, regress_verify_nobody;
