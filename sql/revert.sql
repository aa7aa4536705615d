-- Going back: migrate_revert() runs the stored down scripts, newest first,
-- all or nothing; migrate_baseline() records an existing database without
-- running anything; migrate_repair() accepts a reviewed script change.
-- History only grows: every event is a new ledger row.
CREATE EXTENSION pg_migrate;
\set VERBOSITY default
CREATE TEMP VIEW history AS
    SELECT id, version, status, hash_format, reason, previous_checksum IS NOT NULL AS has_previous
      FROM migrate.ledger ORDER BY id;

SELECT status FROM migrate_apply('001', 'CREATE TABLE accounts (id int PRIMARY KEY)',
                                 down => 'DROP TABLE accounts');
SELECT status FROM migrate_apply('002', $$
    CREATE TABLE orders (id int PRIMARY KEY, account int REFERENCES accounts);
    INSERT INTO orders VALUES (1, NULL);
$$, down => 'DROP TABLE orders');
SELECT status FROM migrate_apply('003', 'ALTER TABLE accounts ADD COLUMN email text',
                                 down => 'ALTER TABLE accounts DROP COLUMN email');
SELECT status FROM migrate_apply('004', 'CREATE INDEX accounts_email ON accounts (email)');

-- Refused before anything runs when a migration has no down script: all of
-- them are named.
SELECT * FROM migrate_revert('001');
SELECT count(*) AS nothing_reverted FROM migrate.ledger WHERE status = 'reverted';

-- A down script that would destroy data is refused before anything runs
-- (orders has a row), even in a dry run, unless allowed.
SELECT * FROM migrate_revert('001', down => '{"4": "DROP INDEX accounts_email"}', dry_run => true);

-- A down script can be given for one that has none stored (the client passes
-- the files' down sections); a stored one is used first.
SELECT version, name, status, statements FROM migrate_revert('001', down => '{"4": "DROP INDEX accounts_email", "002": "SELECT 1/0"}', dry_run => true, allow => '{data_loss}');
SELECT to_regclass('orders') IS NOT NULL AS dry_run_changed_nothing;
-- The dry run reports what each down script did, as migrate_apply's does:
-- statements with their rows, the locks taken, the tables rewritten.
SELECT version, status, jsonb_path_query_array(report, '$.statements[*].command') AS commands,
       jsonb_path_query_array(report, '$.statements[*].locks[*].mode') AS lock_modes
  FROM migrate_revert('001', down => '{"4": "DROP INDEX accounts_email"}', dry_run => true, allow => '{data_loss}');

-- All or nothing: a failing down script undoes the reverts before it.
SELECT status FROM migrate_apply('005', 'CREATE VIEW account_emails AS SELECT email FROM accounts',
                                 down => 'DROP VIEW no_such_view');
SELECT * FROM migrate_revert('001', down => '{"004": "DROP INDEX accounts_email"}', allow => '{data_loss}');
SELECT to_regclass('account_emails') IS NOT NULL AS still_there, count(*) AS reverted_rows
  FROM migrate.ledger WHERE status = 'reverted';
SELECT status FROM migrate_repair('005', 'CREATE VIEW account_emails AS SELECT email FROM accounts',
                                  reason => 'the down script named the wrong view',
                                  down => 'DROP VIEW account_emails');

-- Newest first, each with a "reverted" row; the schema follows.
SELECT version, status, statements FROM migrate_revert('001', down => '{"004": "DROP INDEX accounts_email"}',
                                                       reason => 'release 2 rolled back', allow => '{data_loss}');
SELECT to_regclass('orders') AS orders, to_regclass('accounts_email') AS accounts_email,
       (SELECT count(*) FROM pg_attribute WHERE attrelid = 'accounts'::regclass AND attname = 'email') AS email_columns;
SELECT version, status, hash_format, reason FROM history WHERE status = 'reverted';
SELECT version, state FROM migrate_status() ORDER BY version;
SELECT migrate_version();

-- The down scripts' DDL is attributed to the revert in migrate.ddl_log.
SELECT version, statement, command_tag, object_identity, reverting
  FROM migrate.ddl_log WHERE reverting ORDER BY id;

-- Reverting nothing is not an error.
SELECT count(*) AS reverted_now FROM migrate_revert('001');

-- A reverted version can be applied again.
SELECT status FROM migrate_apply('002', $$
    CREATE TABLE orders (id int PRIMARY KEY, account int REFERENCES accounts);
    INSERT INTO orders VALUES (1, NULL);
$$, down => 'DROP TABLE orders');
SELECT version, state FROM migrate_status() ORDER BY version;
SELECT check_name, ok, detail FROM migrate_verify() WHERE check_name IN ('ledger_chain', 'schema_drift');

-- A down script that cannot run in a transaction is refused before anything runs.
SELECT status FROM migrate_apply('006', 'CREATE TABLE notes (id int)',
                                 down => 'DROP INDEX CONCURRENTLY nothing');
SELECT * FROM migrate_revert('001', allow => '{data_loss}');
SELECT to_regclass('orders') IS NOT NULL AS orders_kept;

-- Repair: a reviewed change to an applied script is a new row, with the
-- checksum it replaces; the original row stays.
SELECT status FROM migrate_repair('006', 'CREATE TABLE notes (id int)', reason => 'down fixed',
                                  down => 'DROP TABLE notes');
SELECT version, status, previous_checksum = (SELECT checksum FROM migrate.ledger WHERE version = '001' AND status = 'applied') AS previous_is_old,
       checksum <> previous_checksum AS changed
  FROM migrate_repair('001', E'-- accounts\nCREATE TABLE accounts (id int PRIMARY KEY);', reason => 'comment added');
SELECT status FROM migrate_apply('001', E'-- accounts\nCREATE TABLE accounts (id int PRIMARY KEY);');
SELECT status FROM migrate_repair('001', E'-- accounts\nCREATE TABLE accounts (id int PRIMARY KEY);', reason => 'again');
SELECT * FROM migrate_repair('001', 'CREATE TABLE accounts (id int PRIMARY KEY);', reason => '');
SELECT * FROM migrate_repair('099', 'SELECT 1', reason => 'not applied');
SELECT * FROM migrate_repair('001', 'CREATE TABLE (', reason => 'does not parse');
SELECT version, status, has_previous FROM history WHERE status = 'repaired';
-- The repaired script's down is used by a revert.
SELECT version, status FROM migrate_revert('005');
SELECT to_regclass('notes') AS notes;

-- Baseline: refused at or below an applied version; above them it records
-- the database as it is, and every version up to it counts as applied.
SELECT * FROM migrate_baseline('002');
CREATE TABLE made_by_hand (id int);
SELECT version, name, status, objects > 0 AS snapshot_taken FROM migrate_baseline('010', name => 'production as of today');
SELECT version, state FROM migrate_status('{"001": "x", "002": "v", "007": "y", "010": "z", "011": "w"}') ORDER BY version;
SELECT status FROM migrate_apply('010', 'SELECT 1');
SELECT count(*) AS drift_rows FROM migrate_verify() WHERE check_name = 'schema_drift' AND NOT ok;
SELECT * FROM migrate_revert('005');
SELECT * FROM migrate_baseline('R__views');

-- Every row written here is chained and hashed with its reason.
SELECT check_name, ok, detail FROM migrate_verify() WHERE check_name = 'ledger_chain';
SELECT count(*) AS format_2_rows FROM migrate.ledger WHERE hash_format = 2;
SET session_replication_role = replica;
UPDATE migrate.ledger SET reason = 'edited' WHERE status = 'repaired' AND version = '001';
RESET session_replication_role;
SELECT ok, object, detail FROM migrate_verify() WHERE check_name = 'ledger_chain';

-- Only roles that may migrate can revert, baseline or repair.
CREATE ROLE history_nobody;
SET ROLE history_nobody;
SELECT * FROM migrate_revert('001');
SELECT * FROM migrate_baseline('100');
SELECT * FROM migrate_repair('001', 'SELECT 1', reason => 'x');
RESET ROLE;
DROP ROLE history_nobody;

DROP VIEW history;
DROP EXTENSION pg_migrate;
DROP TABLE orders, accounts, made_by_hand;
