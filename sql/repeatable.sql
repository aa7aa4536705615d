-- Repeatable migrations (Flyway's R__name.sql): version "R__" || name, applied
-- again whenever the script changes, sorted after every versioned migration.
CREATE EXTENSION pg_migrate;
SELECT version, status FROM migrate_apply('001', 'CREATE TABLE t (id int)');
SELECT version, name, status, statements FROM migrate_apply_repeatable('views', 'CREATE OR REPLACE VIEW v AS SELECT id FROM t');
-- Unchanged: skipped.  Cosmetically changed: skipped with a NOTICE.
SELECT version, status FROM migrate_apply_repeatable('views', 'CREATE OR REPLACE VIEW v AS SELECT id FROM t');
SELECT version, status FROM migrate_apply_repeatable('views', 'create or replace view V as select ID from T -- tidy');
-- Changed: applied again, a new row in the ledger.
SELECT version, status FROM migrate_apply_repeatable('views', 'CREATE OR REPLACE VIEW v AS SELECT id, id * 2 AS twice FROM t');
SELECT pg_get_viewdef('v'::regclass);
SELECT version, name, status FROM migrate.ledger ORDER BY id;
-- Repeatables are not versions: versioned migrations after them are not out of order,
-- and migrate_version() ignores them.
SELECT version, status, out_of_order FROM migrate_apply('002', 'ALTER TABLE t ADD COLUMN note text');
SELECT migrate_version();
SELECT version, state FROM migrate_status();
-- Against files on disk: a changed repeatable is pending (to apply again), not "changed".
SELECT version, state FROM migrate_status(jsonb_build_object(
    '001', (SELECT checksum FROM migrate.ledger WHERE version = '001'),
    '002', (SELECT checksum FROM migrate.ledger WHERE version = '002'),
    'R__views', 'a-new-checksum'));
-- "R__" versions are kept for repeatables.
SELECT * FROM migrate_apply('R__views', 'SELECT 1');
SELECT * FROM migrate_apply_repeatable('', 'SELECT 1');
-- A failing repeatable leaves the previous state.
SELECT * FROM migrate_apply_repeatable('views', 'CREATE OR REPLACE VIEW v AS SELECT nosuch FROM t');
SELECT count(*) FROM migrate.ledger WHERE version = 'R__views';
DROP VIEW v;
DROP TABLE t;
DROP EXTENSION pg_migrate;
