-- pg_migrate 0.10 -> 0.11: the DDL log loses its partial index on the ids of
-- migrations' rows.  Every query that used it (the newest row a migration
-- logged, the rows logged since the schema snapshot was recorded) reads the
-- newest ids, which ddl_log_id_idx finds as fast; each logged DDL command
-- paid for one more index entry.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.11'" to load this file. \quit

DROP INDEX migrate.ddl_log_migration_id_idx;
