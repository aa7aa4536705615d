-- Forms that PostgreSQL 17 and 18 added, as migrate_lint classifies them and
-- migrate_verify describes them.  On an older major the file stops here (its
-- expected output is new_major_forms_1.out).
SELECT current_setting('server_version_num')::int >= 180000 AS has_pg18_forms \gset
\if :has_pg18_forms
\else
\quit
\endif
CREATE EXTENSION pg_migrate;
-- Big enough (over 1 MB) that a scan or rewrite under its lock is not a moment.
CREATE TABLE orders AS SELECT g AS id, g % 100 AS account, repeat('x', 100) AS note, g * 2 AS twice
  FROM generate_series(1, 20000) g;
ALTER TABLE orders ADD COLUMN stored_total int GENERATED ALWAYS AS (id * 2) STORED,
                   ADD COLUMN virtual_total int GENERATED ALWAYS AS (id * 2) VIRTUAL;
CREATE TABLE accounts (id int PRIMARY KEY);
INSERT INTO accounts SELECT generate_series(0, 99);
CREATE TABLE staged (id int, note text);
ANALYZE;
CREATE FUNCTION lint(script text) RETURNS TABLE (statement int, risk text, rule text, object text)
    LANGUAGE sql AS $$ SELECT statement, risk, rule, object FROM migrate_lint(script) $$;

-- Generated columns: a STORED one fills every row, a VIRTUAL one (18) is
-- computed when read.
SELECT * FROM lint($$
  ALTER TABLE orders ADD COLUMN s int GENERATED ALWAYS AS (id + 1) STORED;
  ALTER TABLE orders ADD COLUMN v int GENERATED ALWAYS AS (id + 1) VIRTUAL;
  ALTER TABLE orders ADD COLUMN d int GENERATED ALWAYS AS (id + 1);
  ALTER TABLE orders ALTER COLUMN stored_total SET EXPRESSION AS (id * 3);
  ALTER TABLE orders ALTER COLUMN virtual_total SET EXPRESSION AS (id * 3);
$$);
-- NOT NULL as a constraint of its own (18): NOT VALID checks new rows only.
SELECT * FROM lint($$
  ALTER TABLE orders ADD CONSTRAINT note_present NOT NULL note NOT VALID;
  ALTER TABLE orders ADD CONSTRAINT account_present NOT NULL account;
  ALTER TABLE orders ALTER COLUMN note SET NOT NULL;
$$);
SELECT rule, hint FROM migrate_lint('ALTER TABLE orders ALTER COLUMN note SET NOT NULL');
-- NOT ENFORCED constraints (18) check nothing; enforcing one later does.
SELECT * FROM lint($$
  ALTER TABLE orders ADD CONSTRAINT positive CHECK (id > 0) NOT ENFORCED;
  ALTER TABLE orders ADD CONSTRAINT orders_account_fkey FOREIGN KEY (account) REFERENCES accounts NOT ENFORCED;
  ALTER TABLE orders ALTER CONSTRAINT orders_account_fkey ENFORCED;
  ALTER TABLE orders ALTER CONSTRAINT orders_account_fkey NOT ENFORCED;
$$);
-- MERGE: row locks like UPDATE and DELETE; WHEN NOT MATCHED BY SOURCE THEN
-- DELETE (17) deletes every row the source lacks.  RETURNING (17) changes nothing.
SELECT * FROM lint($$
  MERGE INTO orders o USING staged s ON o.id = s.id
    WHEN MATCHED THEN UPDATE SET note = s.note
    WHEN NOT MATCHED BY SOURCE THEN DELETE
    RETURNING merge_action(), o.id;
  MERGE INTO orders o USING staged s ON o.id = s.id WHEN MATCHED THEN DELETE;
$$);

-- Applied, and described by migrate_verify: the virtual column, the NOT NULL
-- NOT VALID constraint (with its column, not as a constraint of its own), the
-- NOT ENFORCED check.
SELECT status FROM migrate_apply('001', $$
  CREATE TABLE items (id int PRIMARY KEY, qty int, price numeric);
  INSERT INTO items VALUES (1, NULL, 2.5);
  ALTER TABLE items ADD COLUMN total numeric GENERATED ALWAYS AS (qty * price) VIRTUAL;
  ALTER TABLE items ADD CONSTRAINT qty_present NOT NULL qty NOT VALID;
  ALTER TABLE items ADD CONSTRAINT qty_small CHECK (qty < 100) NOT ENFORCED;
  MERGE INTO items i USING (VALUES (1, 5)) AS s (id, qty) ON i.id = s.id
    WHEN MATCHED THEN UPDATE SET qty = s.qty RETURNING merge_action(), i.id;
$$);
SELECT id, qty, total FROM items;
SELECT object_type, identity, definition FROM migrate.schema_objects
 WHERE identity LIKE '%items%' ORDER BY object_type, identity;
-- Only the NOT NULL is unvalidated: a NOT ENFORCED constraint has nothing to validate.
SELECT check_name, ok, detail FROM migrate_verify() WHERE check_name IN ('schema_drift', 'unvalidated_constraint');
-- Hidden changes to them are drift.
SET session_replication_role = replica;
ALTER TABLE items VALIDATE CONSTRAINT qty_present;
ALTER TABLE items DROP CONSTRAINT qty_small;
ALTER TABLE items ALTER COLUMN total SET EXPRESSION AS (qty * price * 2);
RESET session_replication_role;
SELECT object, detail FROM migrate_verify() WHERE check_name = 'schema_drift' AND NOT ok;

DROP FUNCTION lint(text);
DROP EXTENSION pg_migrate;
DROP TABLE orders, accounts, staged, items;
