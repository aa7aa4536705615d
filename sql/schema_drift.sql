-- migrate_verify()'s schema_drift check: after each migration the objects it
-- touched are recorded (migrate.schema_objects); verify describes the live
-- schema the same way and names every object added, removed or changed,
-- including changes the event triggers never saw.
CREATE EXTENSION pg_migrate;
\set VERBOSITY default
CREATE TEMP VIEW drift AS
    SELECT object, detail FROM migrate_verify() WHERE check_name = 'schema_drift' AND NOT ok;
CREATE TEMP VIEW recorded AS
    SELECT object_type, identity, version FROM migrate.schema_objects;

-- Before any migration there is nothing to compare with.
SELECT check_name, ok, detail FROM migrate_verify() WHERE check_name = 'schema_drift';
-- A table made before the first migration is recorded by it.
CREATE TABLE legacy (id int PRIMARY KEY);

SELECT status FROM migrate_apply('001', $$
    CREATE SCHEMA app;
    CREATE TYPE app.mood AS ENUM ('happy', 'sad');
    CREATE DOMAIN app.email AS text CHECK (VALUE LIKE '%@%');
    CREATE TABLE app.users (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        email app.email NOT NULL UNIQUE,
        mood app.mood DEFAULT 'happy',
        created timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX users_created ON app.users (created);
    CREATE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $f$
    BEGIN NEW.created := now(); RETURN NEW; END $f$;
    CREATE TRIGGER users_touch BEFORE UPDATE ON app.users FOR EACH ROW EXECUTE FUNCTION app.touch();
    ALTER TABLE app.users ENABLE ROW LEVEL SECURITY;
    CREATE POLICY own_rows ON app.users USING (email = current_user);
    CREATE VIEW app.happy AS SELECT id, email FROM app.users WHERE mood = 'happy';
    CREATE SEQUENCE app.tickets START 100;
$$);
SELECT object_type, identity, version FROM recorded ORDER BY 1, 2;
SELECT definition FROM migrate.schema_objects WHERE identity IN ('app.users.email', 'app.users.id', 'app.email', 'app.tickets', 'users_touch on app.users') ORDER BY identity;
SELECT check_name, ok, detail FROM migrate_verify() WHERE check_name = 'schema_drift';

-- Hidden changes: with session_replication_role = replica no event trigger
-- fires, so migrate.ddl_log sees none of this; schema_drift sees all of it.
SET session_replication_role = replica;
ALTER TABLE app.users ALTER COLUMN created DROP NOT NULL;
ALTER TABLE app.users ADD COLUMN note text;
DROP INDEX app.users_created;
CREATE INDEX users_email_lower ON app.users (lower(email));
ALTER TABLE app.users DISABLE TRIGGER users_touch;
DROP POLICY own_rows ON app.users;
CREATE OR REPLACE FUNCTION app.touch() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN NEW.created := clock_timestamp(); RETURN NEW; END $f$;
ALTER TYPE app.mood ADD VALUE 'angry';
ALTER DOMAIN app.email SET DEFAULT 'nobody@example.com';
CREATE OR REPLACE VIEW app.happy AS SELECT id, email, mood FROM app.users WHERE mood = 'happy';
ALTER SEQUENCE app.tickets INCREMENT 10;
DROP TABLE legacy;
RESET session_replication_role;
SELECT count(*) AS ddl_logged_outside_migrations FROM migrate.ddl_log WHERE version IS NULL;
SELECT * FROM drift;
-- migrate.schemas narrows the check like the others.
SET migrate.schemas = 'public';
SELECT * FROM drift;
RESET migrate.schemas;

-- Changes made with the event triggers disabled are found the same way.
ALTER EVENT TRIGGER pg_migrate_log_ddl DISABLE;
ALTER TABLE app.users ALTER COLUMN mood SET DEFAULT 'sad';
ALTER EVENT TRIGGER pg_migrate_log_ddl ENABLE;
SELECT * FROM drift WHERE object = 'column app.users.mood';
-- The run is recorded as failing.
SELECT ok, failures @> '[{"check_name": "schema_drift"}]' AS schema_drift_failed
  FROM migrate.verify_log ORDER BY id DESC LIMIT 1;

-- A migration records only what it touched: the hidden changes to
-- app.users are absorbed when a migration changes app.users (it leaves the
-- table as it is), the others stay reported.
SELECT status FROM migrate_apply('002', 'CREATE TABLE app.orders (id int PRIMARY KEY, user_id bigint REFERENCES app.users)');
SELECT object_type, identity FROM recorded WHERE version = '002' ORDER BY 1, 2;
SELECT count(*) AS still_reported FROM drift;
SELECT status FROM migrate_apply('003', 'ALTER TABLE app.users DROP COLUMN note');
SELECT object_type, identity FROM recorded WHERE version = '003' ORDER BY 1, 2;
SELECT * FROM drift;

-- Renames: what names the renamed object (a view, a foreign key, an index
-- definition) is recorded again too, so a migration's rename is no drift.
SELECT status FROM migrate_apply('004', 'ALTER TABLE app.users RENAME TO members');
SELECT object_type, identity FROM recorded WHERE version = '004' ORDER BY 1, 2;
SELECT status FROM migrate_apply('005', 'ALTER SCHEMA app RENAME TO shop');
SELECT count(*) AS recorded_in_shop FROM migrate.schema_objects WHERE schema_name = 'shop' AND version = '005';
SELECT count(*) AS left_in_app FROM migrate.schema_objects WHERE schema_name = 'app';
-- Drops by a migration leave nothing behind, CASCADE included.
SELECT status FROM migrate_apply('006', 'DROP TABLE shop.members CASCADE');
SELECT count(*) AS members_rows FROM migrate.schema_objects WHERE identity LIKE '%members%';
SELECT * FROM drift;

-- The non-transactional path (statements run one by one by a client) records
-- what it touched when it finishes.
SELECT status FROM migrate_steps_begin('006.1', 'CREATE INDEX CONCURRENTLY orders_user ON shop.orders (user_id)');
CREATE INDEX CONCURRENTLY orders_user ON shop.orders (user_id);
SELECT migrate_step_done('006.1', 1);
SELECT status FROM migrate_steps_finish('006.1', 'CREATE INDEX CONCURRENTLY orders_user ON shop.orders (user_id)');
SELECT object_type, identity FROM recorded WHERE version = '006.1' ORDER BY 1, 2;
SELECT status FROM migrate_steps_begin('006.2', 'DROP INDEX CONCURRENTLY shop.orders_user');
DROP INDEX CONCURRENTLY shop.orders_user;
SELECT migrate_step_done('006.2', 1);
SELECT status FROM migrate_steps_finish('006.2', 'DROP INDEX CONCURRENTLY shop.orders_user');
SELECT count(*) AS orders_user_rows FROM recorded WHERE identity = 'shop.orders_user';
SELECT count(*) AS drift_rows FROM drift;

-- DDL a migration runs under session_replication_role = replica is unseen by
-- the event triggers: the migration records the whole schema instead.
SELECT status FROM migrate_apply('007', $$
    SET session_replication_role = replica;
    CREATE TABLE shop.unseen (id int);
$$);
SELECT object_type, identity FROM recorded WHERE identity LIKE 'shop.unseen%' ORDER BY 1, 2;
SELECT reason FROM migrate.schema_snapshot;

-- migrate_snapshot() accepts the live schema as it is.
CREATE TABLE hotfix (id int);
SELECT * FROM drift;
SELECT migrate_snapshot('hotfix accepted') > 0 AS recorded;
SELECT count(*) AS drift_left FROM drift;
SELECT taken_by, reason FROM migrate.schema_snapshot;
SELECT version IS NULL AS by_snapshot FROM migrate.schema_objects WHERE identity = 'public.hotfix';

-- A function is named as pg_identify_object names it (argument types only).
SELECT status FROM migrate_apply('008', 'CREATE FUNCTION shop.add(a int, b shop.email) RETURNS int LANGUAGE sql AS ''SELECT a''');
SELECT s.identity, s.identity = o.identity AS as_pg_identify_object
  FROM migrate.schema_objects AS s, pg_identify_object('pg_proc'::regclass, 'shop.add'::regproc, 0) AS o
 WHERE s.object_type = 'function' AND s.identity LIKE 'shop.add%';

-- Extensions are one object (name, version, schema); their members are not
-- described.
SELECT object_type, definition FROM migrate.schema_objects WHERE object_type = 'extension';

-- migrate.defer_schema_snapshot: a batch of migrations leaves the recording to
-- its end (the client does this); what they logged is owed until then.
SET migrate.defer_schema_snapshot = on;
SELECT status FROM migrate_apply('009', 'CREATE TABLE shop.later (id int)');
SELECT status FROM migrate_apply('010', $$
    ALTER TABLE shop.later ADD COLUMN note text;
    CREATE VIEW shop.later_notes AS SELECT note FROM shop.later;
$$);
SELECT count(*) AS recorded_yet FROM recorded WHERE identity LIKE 'shop.later%';
SELECT migrate_record_schema() > 0 AS recorded_owed;
-- Each object is recorded with the newest migration that named it.
SELECT object_type, identity, version FROM recorded WHERE identity LIKE 'shop.later%' ORDER BY 1, 2;
SELECT migrate_record_schema() AS nothing_owed;
-- migrate_verify() records what is owed before comparing (a run cut short).
SELECT status FROM migrate_apply('011', 'ALTER TABLE shop.later ADD COLUMN owed int');
SELECT count(*) AS recorded_yet FROM recorded WHERE identity = 'shop.later.owed';
SELECT * FROM drift;
SELECT identity, version FROM recorded WHERE identity = 'shop.later.owed';
-- DDL unseen by the event triggers is never left for later: recorded whole, now.
SELECT status FROM migrate_apply('012', $$
    SET session_replication_role = replica;
    ALTER TABLE shop.later ADD COLUMN unseen int;
$$);
SELECT identity, version FROM recorded WHERE identity = 'shop.later.unseen';
-- migrate_record_schema_in_background(): a background worker records what is
-- owed, after this statement, under the ledger lock.
SELECT status FROM migrate_apply('013', 'ALTER TABLE shop.later ADD COLUMN later_still int');
SELECT count(*) AS recorded_yet FROM recorded WHERE identity = 'shop.later.later_still';
SELECT migrate_record_schema_in_background() AS worker_started;
DO $$
BEGIN
    FOR i IN 1 .. 600 LOOP
        IF (SELECT recorded_through FROM migrate.schema_snapshot)
           = (SELECT max(id) FROM migrate.ddl_log WHERE version IS NOT NULL) THEN
            RETURN;
        END IF;
        PERFORM pg_sleep(0.05);
    END LOOP;
    RAISE EXCEPTION 'the background worker did not record the schema snapshot in 30 s';
END $$;
SELECT identity, version FROM recorded WHERE identity = 'shop.later.later_still';
SELECT migrate_record_schema() AS nothing_owed;
-- A migration run while a logging event trigger is disabled is not deferred
-- either: recorded whole, now.
ALTER EVENT TRIGGER pg_migrate_log_ddl DISABLE;
SELECT status FROM migrate_apply('014', 'ALTER TABLE shop.later ADD COLUMN while_disabled int');
ALTER EVENT TRIGGER pg_migrate_log_ddl ENABLE;
SELECT identity, version FROM recorded WHERE identity = 'shop.later.while_disabled';
RESET migrate.defer_schema_snapshot;

-- Only roles that may migrate can accept drift.
CREATE ROLE drift_nobody;
SET ROLE drift_nobody;
SELECT migrate_snapshot();
SELECT migrate_record_schema();
SELECT migrate_record_schema_in_background();
RESET ROLE;
DROP ROLE drift_nobody;

DROP VIEW drift, recorded;
DROP EXTENSION pg_migrate;
DROP SCHEMA shop CASCADE;
DROP TABLE hotfix;
