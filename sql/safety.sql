-- Safety: migrate_lint classifies every statement with the real parse tree and
-- the live catalog; migrate_apply refuses to destroy data unless allowed.
CREATE EXTENSION pg_migrate;
CREATE TABLE users (id int PRIMARY KEY, legacy text, nothing text, price numeric,
                    name varchar(500), code varchar(10), n int);
INSERT INTO users SELECT g, 'x', NULL, g / 3.0, 'n', 'c', g FROM generate_series(1, 3000) g;
CREATE TABLE old_events (id int);
INSERT INTO old_events SELECT generate_series(1, 12345);
CREATE TABLE empty_events (id int);
CREATE TABLE accounts (id int PRIMARY KEY);
-- Big enough (over 1 MB) that a scan or rewrite under its lock is not a moment.
CREATE TABLE orders AS SELECT g AS id, g % 100 AS account, repeat('x', 100) AS note
  FROM generate_series(1, 20000) g;
CREATE UNIQUE INDEX orders_id ON orders (id);
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE VIEW user_names AS SELECT name FROM users;
ANALYZE;
CREATE FUNCTION lint(script text) RETURNS TABLE (statement int, risk text, rule text, object text)
    LANGUAGE sql AS $$ SELECT statement, risk, rule, object FROM migrate_lint(script) $$;

-- Every column of a finding.
SELECT * FROM migrate_lint($$ ALTER TABLE users DROP COLUMN legacy; CREATE INDEX ON orders (account); $$);

-- Dropping and destroying: data_loss by the statistics, exact when applied.
SELECT * FROM lint($$
  DROP TABLE old_events;
  DROP TABLE empty_events;
  DROP TABLE IF EXISTS no_such_table;
  DROP TABLE not_in_this_database;
  ALTER TABLE users DROP COLUMN legacy;
  TRUNCATE old_events;
  TRUNCATE accounts CASCADE;
  DELETE FROM old_events;
  DELETE FROM old_events WHERE id < 10;
  UPDATE users SET legacy = 'y';
  DROP SCHEMA app CASCADE;
  DROP TYPE mood CASCADE;
$$);
-- Near misses: what the migration itself created holds no stored data.
SELECT * FROM lint($$
  CREATE TABLE scratch (id int, note text);
  CREATE INDEX ON scratch (note);
  ALTER TABLE scratch ALTER COLUMN id TYPE bigint;
  ALTER TABLE scratch DROP COLUMN note;
  DROP TABLE scratch;
  ALTER TABLE users ADD COLUMN tmp int;
  UPDATE users SET tmp = n * 2;
  ALTER TABLE users DROP COLUMN tmp;
  ALTER TABLE old_events RENAME TO archived_events;
  DROP TABLE archived_events;
$$);

-- Locking: scans, rewrites and index builds under a strong lock.
SELECT * FROM lint($$
  CREATE INDEX ON orders (account);
  CREATE INDEX ON users (n);
  CREATE INDEX CONCURRENTLY ON orders (note);
  CREATE INDEX ON not_in_this_database (x);
  ALTER TABLE orders ADD COLUMN token uuid DEFAULT gen_random_uuid();
  ALTER TABLE orders ADD COLUMN flag boolean DEFAULT false;
  ALTER TABLE orders ADD COLUMN seen timestamptz DEFAULT now();
  ALTER TABLE orders ADD COLUMN serial_no bigserial;
  ALTER TABLE orders ALTER COLUMN id SET NOT NULL;
  ALTER TABLE users ALTER COLUMN n SET NOT NULL;
  ALTER TABLE orders ADD CONSTRAINT orders_account_fk FOREIGN KEY (account) REFERENCES accounts (id);
  ALTER TABLE orders ADD CONSTRAINT orders_account_fk2 FOREIGN KEY (account) REFERENCES accounts (id) NOT VALID;
  ALTER TABLE orders VALIDATE CONSTRAINT orders_account_fk2;
  ALTER TABLE orders ADD CONSTRAINT positive CHECK (id > 0);
  ALTER TABLE orders ADD CONSTRAINT positive2 CHECK (id > 0) NOT VALID;
  ALTER TABLE orders ADD CONSTRAINT orders_note_key UNIQUE (note);
  ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id;
  UPDATE orders SET note = 'y' WHERE id < 100;
  REFRESH MATERIALIZED VIEW some_view;
  LOCK TABLE orders IN SHARE MODE;
  CLUSTER orders USING orders_id;
  REINDEX TABLE orders;
  ALTER TABLE orders SET ACCESS METHOD heap;
  MERGE INTO orders o USING accounts a ON o.account = a.id WHEN MATCHED THEN DELETE;
$$);
-- Strong locks that have a CONCURRENTLY form, and a constraint validated in
-- the migration that added it NOT VALID (a migration is one transaction: the
-- first statement's lock is held through the validating scan).
CREATE TABLE events (id int, at date) PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events SELECT g, date '2025-01-01' + (g % 300) FROM generate_series(1, 60000) g;
ANALYZE events, events_2025;
SELECT * FROM lint($$
  DROP INDEX orders_id;
  DROP INDEX CONCURRENTLY orders_id;
  DROP INDEX IF EXISTS no_such_index;
  DROP INDEX index_not_in_this_database;
  CREATE INDEX fresh ON orders (note);
  DROP INDEX fresh;
  ALTER TABLE events DETACH PARTITION events_2025;
  ALTER TABLE events DETACH PARTITION events_2025 CONCURRENTLY;
  ALTER TABLE orders ADD CONSTRAINT id_positive CHECK (id > 0) NOT VALID;
  ALTER TABLE orders VALIDATE CONSTRAINT id_positive;
  ALTER TABLE orders VALIDATE CONSTRAINT added_by_an_earlier_migration;
  ALTER TABLE users ADD CONSTRAINT n_positive CHECK (n > 0) NOT VALID;
  ALTER TABLE users VALIDATE CONSTRAINT n_positive;
$$);

-- Type changes: binary-coercible ones are safe; the rest rewrite, break
-- readers, and may lose values.
SELECT * FROM lint($$
  ALTER TABLE users ALTER COLUMN name TYPE text;
  ALTER TABLE users ALTER COLUMN code TYPE varchar(20);
  ALTER TABLE users ALTER COLUMN code TYPE varchar(5);
  ALTER TABLE orders ALTER COLUMN account TYPE bigint;
  ALTER TABLE users ALTER COLUMN price TYPE numeric(5,2);
  ALTER TABLE users ALTER COLUMN n TYPE text USING n::text;
$$);

-- Breaking changes for code already running.
SELECT * FROM lint($$
  ALTER TABLE users ADD COLUMN required int NOT NULL;
  ALTER TABLE users ADD COLUMN defaulted int NOT NULL DEFAULT 0;
  ALTER TABLE users ALTER COLUMN name DROP NOT NULL;
  ALTER TABLE users RENAME COLUMN name TO full_name;
  ALTER TABLE accounts RENAME TO customers;
  ALTER SCHEMA public RENAME TO main;
  ALTER TABLE accounts SET SCHEMA archive;
  ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';
  ALTER TYPE mood ADD VALUE 'angry';
  ALTER TYPE mood ADD VALUE 'calm' BEFORE 'happy';
  DROP VIEW user_names;
  DROP FUNCTION lint(text);
$$);

-- Advice on new columns (risk safe: nothing is at stake now).
SELECT * FROM lint($$
  CREATE TABLE events (id serial PRIMARY KEY, code char(3), at timestamp, payload json, fine jsonb, ok timestamptz);
$$);

-- What migrate_apply would refuse is a row of risk "error" (the same decision
-- as apply's): transaction control, a statement that cannot run in a
-- transaction (unless the migration runs outside one), no statements at all.
SELECT statement, line, risk, rule, message FROM migrate_lint($$
BEGIN;
CREATE TABLE t1 (id int);
COMMIT;
COMMIT;
$$);
SELECT statement, risk, rule FROM migrate_lint('START TRANSACTION; CREATE TABLE t2 (id int);');
SELECT statement, risk, rule FROM migrate_lint('BEGIN; CREATE INDEX CONCURRENTLY ON orders (note); COMMIT;');
SELECT statement, risk, rule FROM migrate_lint('CREATE INDEX CONCURRENTLY ON orders (note); VACUUM orders;',
                                               in_transaction => false);
SELECT statement, risk, rule, message FROM migrate_lint('-- only a comment');
-- REINDEX of a schema, or of a partitioned table or index, runs a
-- transaction per partition or table: never inside a migration's.
SELECT statement, risk, rule, message FROM migrate_lint($$
  REINDEX SCHEMA public;
  REINDEX TABLE events;
  REINDEX TABLE events_2025;
  REINDEX TABLE not_in_this_database;
$$);
-- Near misses: one BEGIN ... COMMIT around the whole script is accepted.
SELECT statement, risk, rule FROM migrate_lint('BEGIN; CREATE TABLE t3 (id int); COMMIT;');
-- Apply refuses with the first of them.
SELECT status FROM migrate_apply('900', 'BEGIN; CREATE TABLE t4 (id int); COMMIT; COMMIT;');

-- Applying: data loss is refused before anything runs, with what would be lost.
SELECT * FROM migrate_apply('001', $$ DROP TABLE old_events $$);
SELECT count(*) AS old_events_rows FROM old_events;
SELECT count(*) AS ledger_rows FROM migrate.ledger;
SELECT * FROM migrate_apply('001', $$
  CREATE TABLE kept (id int);
  ALTER TABLE users DROP COLUMN legacy;
  UPDATE users SET price = 0;
  ALTER TABLE users ALTER COLUMN price TYPE numeric(5,2);
$$);
SELECT to_regclass('kept') AS nothing_ran;
-- Allowed by the caller, by a directive, or not data loss at all.
SELECT version, status, risk FROM migrate_apply('001', $$ DROP TABLE old_events $$, allow => '{data_loss}');
SELECT version, status, risk FROM migrate_apply('002', $$
-- migrate:allow data_loss
ALTER TABLE users DROP COLUMN legacy;
$$);
SELECT version, status, risk FROM migrate_apply('003', $$ DROP TABLE empty_events $$);
SELECT version, status, risk FROM migrate_apply('004', $$ ALTER TABLE users DROP COLUMN nothing $$);
SELECT version, status, risk FROM migrate_apply('005', $$
  ALTER TABLE users ADD COLUMN doubled int;
  UPDATE users SET doubled = n * 2;
$$);
SELECT version, status, risk FROM migrate_apply('006', $$ ALTER TABLE users ALTER COLUMN n TYPE bigint $$);
-- A type change is data loss only when a stored value changes; one that fails
-- on a stored value fails by itself, losing nothing.
SELECT * FROM migrate_apply('007', $$ ALTER TABLE users ALTER COLUMN price TYPE numeric(7,2) $$);
SELECT * FROM migrate_apply('007', $$ ALTER TABLE users ALTER COLUMN price TYPE numeric(3,1) $$);
UPDATE users SET price = round(price, 2);
SELECT version, status, risk FROM migrate_apply('007', $$ ALTER TABLE users ALTER COLUMN price TYPE numeric(7,2) $$);
SELECT version, status, risk FROM migrate_apply('007a', $$ ALTER TABLE users ALTER COLUMN code TYPE varchar(1) $$);
-- Rows the migration inserts itself are not stored data: checked before it runs.
SELECT version, status, risk FROM migrate_apply('008', $$
INSERT INTO accounts VALUES (1);
DELETE FROM accounts;
$$);
-- A directive inside a statement (a function body) allows nothing.
INSERT INTO accounts VALUES (1);
SELECT * FROM migrate_apply('008a', $$
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1
-- migrate:allow data_loss
';
DELETE FROM accounts;
$$);
SELECT * FROM migrate_apply('008a', $$
-- migrate:allow everything
SELECT 1;
$$);
SELECT * FROM migrate_apply('008a', 'SELECT 1', allow => '{data-loss}');

-- Policy: migrate.refuse names the risks that need allowing.
SET migrate.refuse = 'breaking, data_loss';
SELECT * FROM migrate_apply('008a', 'ALTER TABLE users RENAME COLUMN name TO full_name');
SELECT version, status, risk FROM migrate_apply('008a', 'ALTER TABLE users RENAME COLUMN name TO full_name',
                                                allow => '{breaking}');
SET migrate.refuse = 'locking';
SELECT * FROM migrate_apply('009', 'CREATE INDEX ON orders (account)');
SET migrate.refuse = '';
SELECT version, status, risk FROM migrate_apply('009', 'CREATE INDEX ON orders (account)');
SET migrate.refuse = 'everything';
RESET migrate.refuse;

-- Non-transactional migrations are refused before their first statement.
SELECT * FROM migrate_steps_begin('010', 'TRUNCATE orders; CREATE INDEX CONCURRENTLY ON users (n)');
SELECT count(*) AS progress_rows FROM migrate.progress;

-- The risk is in the ledger, covered by the hash chain (format 3).
SELECT version, status, risk, hash_format FROM migrate.ledger ORDER BY id;
SELECT check_name, ok FROM migrate_verify() WHERE check_name = 'ledger_chain';
SET session_replication_role = replica;
UPDATE migrate.ledger SET risk = 'safe' WHERE version = '001';
RESET session_replication_role;
SELECT check_name, ok, object FROM migrate_verify() WHERE check_name = 'ledger_chain';

-- Anybody may lint (it only reads); applying needs EXECUTE.
CREATE ROLE regress_linter;
SET ROLE regress_linter;
SELECT count(*) > 0 AS linted FROM migrate_lint('DROP TABLE orders');
SELECT * FROM migrate_apply('011', 'SELECT 1');
RESET ROLE;
DROP ROLE regress_linter;

DROP FUNCTION lint(text);
DROP VIEW IF EXISTS user_names;
DROP TABLE users, accounts, orders, events;
DROP TYPE mood;
DROP EXTENSION pg_migrate;
