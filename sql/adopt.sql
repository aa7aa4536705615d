-- migrate_adopt(): the history other tools left, imported without running
-- anything.  Each source table is built as that tool leaves it, before
-- pg_migrate is installed; the ledger starts empty for each.
\set VERBOSITY default
\set ledger 'SELECT version, name, status, applied_at, applied_by, checksum IS NOT NULL AS has_checksum, adopted_from FROM migrate.ledger ORDER BY id'

-- Flyway: a baseline, versioned rows, an undo, a failed row, a repeatable.
CREATE TABLE flyway_schema_history (
    installed_rank integer NOT NULL,
    version character varying(50),
    description character varying(200) NOT NULL,
    type character varying(20) NOT NULL,
    script character varying(1000) NOT NULL,
    checksum integer,
    installed_by character varying(100) NOT NULL,
    installed_on timestamp without time zone DEFAULT now() NOT NULL,
    execution_time integer NOT NULL,
    success boolean NOT NULL,
    CONSTRAINT flyway_schema_history_pk PRIMARY KEY (installed_rank)
);
CREATE INDEX flyway_schema_history_s_idx ON flyway_schema_history (success);
INSERT INTO flyway_schema_history VALUES
    (1, '1', '<< Flyway Baseline >>', 'BASELINE', '<< Flyway Baseline >>', NULL, 'admin', '2024-01-10 09:00:00', 0, true),
    (2, '1.1', 'create users', 'SQL', 'V1_1__create_users.sql', 1234567, 'deploy', '2024-01-11 10:00:00', 35, true),
    (3, '1.2', 'add email', 'SQL', 'V1_2__add_email.sql', -98765, 'deploy', '2024-01-12 10:00:00', 12, true),
    (4, '1.2', 'add email', 'UNDO_SQL', 'U1_2__add_email.sql', 555, 'deploy', '2024-01-13 10:00:00', 8, true),
    (5, '1.3', 'broken index', 'SQL', 'V1_3__broken_index.sql', 777, 'deploy', '2024-01-14 10:00:00', 5, false),
    (6, NULL, 'user view', 'SQL', 'R__user_view.sql', 4242, 'deploy', '2024-01-15 10:00:00', 3, true);
CREATE TABLE users (id int PRIMARY KEY);
SET TimeZone = 'UTC';
CREATE EXTENSION pg_migrate;
SELECT * FROM migrate_adopt();
:ledger;
-- The schema as Flyway left it is what the ledger stands for now.
SELECT check_name, ok FROM migrate_verify() WHERE check_name IN ('ledger_chain', 'schema_drift');
SELECT version, state FROM migrate_status() ORDER BY version;
-- Again: nothing is adopted twice; the source table is untouched.
SELECT version, status, note FROM migrate_adopt() WHERE status <> 'skipped' OR note LIKE 'already%';
SELECT count(*) AS flyway_rows FROM flyway_schema_history;
-- The client's files give adopted rows their checksums.
SELECT version, status, note FROM migrate_adopt(known => '{"1.1": "abc123"}') WHERE version = '1.1';
SELECT version, state FROM migrate_status('{"1.1": "abc123", "1.3": "def"}') ORDER BY version;
DROP EXTENSION pg_migrate;
DROP TABLE flyway_schema_history, users;

-- golang-migrate keeps only its current version and a dirty flag.
CREATE TABLE schema_migrations (version bigint NOT NULL, dirty boolean NOT NULL, CONSTRAINT schema_migrations_pkey PRIMARY KEY (version));
INSERT INTO schema_migrations VALUES (3, true);
CREATE EXTENSION pg_migrate;
SELECT * FROM migrate_adopt();
SELECT count(*) AS nothing_adopted FROM migrate.ledger;
UPDATE schema_migrations SET dirty = false;
-- Without the files: the current version is a baseline.
SELECT source, version, status, note FROM migrate_adopt();
SELECT version, status, adopted_from FROM migrate.ledger;
SELECT version, state FROM migrate_status('{"000001": "a", "000002": "b", "000003": "c", "000004": "d"}') ORDER BY version;
DROP EXTENSION pg_migrate;
-- With the files: one adopted row per file up to it.
CREATE EXTENSION pg_migrate;
SELECT source, version, status, note FROM migrate_adopt(known => '{"000001": "a", "000002": "b", "000003": "c", "000004": "d"}');
SELECT version, state FROM migrate_status('{"000001": "a", "000002": "b", "000003": "c", "000004": "d"}') ORDER BY version;
DROP EXTENSION pg_migrate;
DROP TABLE schema_migrations;

-- dbmate (and Rails): only the versions.
CREATE TABLE schema_migrations (version character varying(128) NOT NULL PRIMARY KEY);
INSERT INTO schema_migrations VALUES ('20240102000000'), ('20240101000000'), ('not-a-version!');
CREATE EXTENSION pg_migrate;
SELECT source, version, status, applied_at, applied_by, note FROM migrate_adopt();
SELECT version, status, applied_by = current_user AS by_adopter FROM migrate.ledger ORDER BY id;
DROP EXTENSION pg_migrate;
DROP TABLE schema_migrations;

-- The hand-made table of the seed workflow.
CREATE TABLE schema_migrations (version text PRIMARY KEY, description text,
                                applied_at timestamptz NOT NULL DEFAULT now(), applied_by text NOT NULL DEFAULT current_user);
INSERT INTO schema_migrations VALUES ('001', 'initial schema', '2023-05-01 08:00:00+00', 'alice'),
                                     ('002', 'add orders', '2023-06-01 08:00:00+00', 'bob');
CREATE EXTENSION pg_migrate;
SELECT * FROM migrate_adopt(source => 'schema_migrations');
:ledger;
DROP EXTENSION pg_migrate;
DROP TABLE schema_migrations;

-- Prisma: finished, rolled back and re-applied; a migration that never
-- finished is refused.
CREATE TABLE "_prisma_migrations" (
    "id" VARCHAR(36) NOT NULL,
    "checksum" VARCHAR(64) NOT NULL,
    "finished_at" TIMESTAMPTZ,
    "migration_name" VARCHAR(255) NOT NULL,
    "logs" TEXT,
    "rolled_back_at" TIMESTAMPTZ,
    "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count" INTEGER NOT NULL DEFAULT 0,
    CONSTRAINT "_prisma_migrations_pkey" PRIMARY KEY ("id")
);
INSERT INTO "_prisma_migrations" VALUES
    ('0c1f', 'f3a1', '2024-02-01 10:00:01+00', '20240201100000_init', NULL, NULL, '2024-02-01 10:00:00+00', 1),
    ('1d2e', 'b7c2', NULL, '20240202100000_add_posts', 'Database error', '2024-02-02 11:00:00+00', '2024-02-02 10:00:00+00', 0),
    ('2e3f', 'b7c2', '2024-02-03 10:00:02+00', '20240202100000_add_posts', NULL, NULL, '2024-02-03 10:00:00+00', 1),
    ('3f40', 'c9d3', NULL, '20240204100000_add_tags', NULL, NULL, '2024-02-04 10:00:00+00', 0);
CREATE EXTENSION pg_migrate;
SELECT * FROM migrate_adopt();
UPDATE "_prisma_migrations" SET rolled_back_at = '2024-02-04 10:05:00+00' WHERE id = '3f40';
SELECT source, version, name, status, applied_at, note FROM migrate_adopt();
DROP EXTENSION pg_migrate;
DROP TABLE "_prisma_migrations";

-- Supabase.
CREATE SCHEMA supabase_migrations;
CREATE TABLE supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY, statements text[], name text);
INSERT INTO supabase_migrations.schema_migrations VALUES
    ('20240301120000', ARRAY['create table profiles (id uuid primary key)'], 'profiles'),
    ('20240302120000', ARRAY['alter table profiles add column bio text'], 'profile_bio');
CREATE EXTENSION pg_migrate;
SELECT source, version, name, status, note FROM migrate_adopt(source => 'supabase');
DROP EXTENSION pg_migrate;
DROP SCHEMA supabase_migrations CASCADE;

-- goose: a row per up and per down; the newest of each version decides.
CREATE TABLE goose_db_version (id serial NOT NULL, version_id bigint NOT NULL, is_applied boolean NOT NULL,
                               tstamp timestamp NULL DEFAULT now(), PRIMARY KEY (id));
INSERT INTO goose_db_version (version_id, is_applied, tstamp) VALUES
    (0, true, '2024-04-01 09:00:00'), (1, true, '2024-04-01 10:00:00'), (2, true, '2024-04-02 10:00:00'),
    (3, true, '2024-04-03 10:00:00'), (3, false, '2024-04-03 11:00:00'), (2, false, '2024-04-04 10:00:00'),
    (2, true, '2024-04-05 10:00:00');
CREATE EXTENSION pg_migrate;
SELECT * FROM migrate_adopt(known => '{"00001": "c1", "00002": "c2", "00003": "c3"}');
SELECT version, status, checksum, applied_at FROM migrate.ledger ORDER BY id;
SELECT version, state FROM migrate_status('{"00001": "c1", "00002": "c2", "00003": "c3"}') ORDER BY version;
DROP EXTENSION pg_migrate;
DROP TABLE goose_db_version;

-- rubenv/sql-migrate: the file names it applied, and when.
CREATE TABLE gorp_migrations (id text NOT NULL PRIMARY KEY, applied_at timestamp with time zone);
INSERT INTO gorp_migrations VALUES ('0002_add_email.sql', '2024-05-02 10:00:00+00'),
                                   ('0001_create_account.sql', '2024-05-01 10:00:00+00');
CREATE EXTENSION pg_migrate;
SELECT * FROM migrate_adopt(source => 'sql-migrate');
SELECT version, name, status, applied_at FROM migrate.ledger ORDER BY id;
DROP EXTENSION pg_migrate;
DROP TABLE gorp_migrations;

-- sqitch's registry: deployed changes in deploy order, a failed deploy reported.
CREATE SCHEMA sqitch;
CREATE TABLE sqitch.projects (project TEXT PRIMARY KEY, uri TEXT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), creator_name TEXT NOT NULL, creator_email TEXT NOT NULL);
CREATE TABLE sqitch.changes (change_id TEXT PRIMARY KEY, script_hash TEXT NULL, change TEXT NOT NULL,
    project TEXT NOT NULL REFERENCES sqitch.projects(project) ON UPDATE CASCADE, note TEXT NOT NULL DEFAULT '',
    committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), committer_name TEXT NOT NULL,
    committer_email TEXT NOT NULL, planned_at TIMESTAMPTZ NOT NULL, planner_name TEXT NOT NULL,
    planner_email TEXT NOT NULL, UNIQUE(project, script_hash));
CREATE TABLE sqitch.events (event TEXT NOT NULL CHECK (event IN ('deploy', 'revert', 'fail', 'merge')),
    change_id TEXT NOT NULL, change TEXT NOT NULL,
    project TEXT NOT NULL REFERENCES sqitch.projects(project) ON UPDATE CASCADE, note TEXT NOT NULL DEFAULT '',
    requires TEXT[] NOT NULL DEFAULT '{}', conflicts TEXT[] NOT NULL DEFAULT '{}', tags TEXT[] NOT NULL DEFAULT '{}',
    committed_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(), committer_name TEXT NOT NULL,
    committer_email TEXT NOT NULL, planned_at TIMESTAMPTZ NOT NULL, planner_name TEXT NOT NULL,
    planner_email TEXT NOT NULL, PRIMARY KEY (change_id, committed_at));
INSERT INTO sqitch.projects VALUES ('flipr', NULL, '2024-03-01 09:00:00+00', 'Marge', 'marge@example.com');
INSERT INTO sqitch.changes VALUES
    ('a1b2', 'h1', 'appschema', 'flipr', 'Add schema', '2024-03-01 10:00:00+00', 'Marge', 'marge@example.com', '2024-02-28 10:00:00+00', 'Marge', 'marge@example.com'),
    ('c3d4', 'h2', 'users', 'flipr', 'Creates table', '2024-03-01 10:00:01+00', 'Marge', 'marge@example.com', '2024-02-28 11:00:00+00', 'Marge', 'marge@example.com');
INSERT INTO sqitch.events (event, change_id, change, project, committed_at, committer_name, committer_email, planned_at, planner_name, planner_email) VALUES
    ('deploy', 'a1b2', 'appschema', 'flipr', '2024-03-01 10:00:00+00', 'Marge', 'marge@example.com', '2024-02-28 10:00:00+00', 'Marge', 'marge@example.com'),
    ('deploy', 'c3d4', 'users', 'flipr', '2024-03-01 10:00:01+00', 'Marge', 'marge@example.com', '2024-02-28 11:00:00+00', 'Marge', 'marge@example.com'),
    ('fail', 'e5f6', 'flips', 'flipr', '2024-03-01 10:00:02+00', 'Marge', 'marge@example.com', '2024-02-28 12:00:00+00', 'Marge', 'marge@example.com');
CREATE EXTENSION pg_migrate;
SELECT * FROM migrate_adopt();
:ledger;

-- Two histories at once: the caller chooses.
CREATE TABLE schema_migrations (version character varying(128) NOT NULL PRIMARY KEY);
SELECT * FROM migrate_adopt();
SELECT source, version, status FROM migrate_adopt(history => 'public.schema_migrations');
SELECT * FROM migrate_adopt(source => 'liquibase');
SELECT * FROM migrate_adopt(history => 'sqitch.projects');
DROP TABLE schema_migrations;
DROP SCHEMA sqitch CASCADE;

-- Nothing to adopt; and only roles that may migrate can adopt.
SELECT * FROM migrate_adopt();
CREATE ROLE adopt_nobody;
SET ROLE adopt_nobody;
SELECT * FROM migrate_adopt();
RESET ROLE;
DROP ROLE adopt_nobody;
DROP EXTENSION pg_migrate;
RESET TimeZone;
