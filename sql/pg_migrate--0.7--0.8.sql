-- pg_migrate 0.7 -> 0.8: a migration run outside a transaction keeps the risk
-- it was assessed with when it started, and records it in the ledger when it
-- finishes (its statements have changed the catalog by then).
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.8'" to load this file. \quit

ALTER TABLE migrate.progress ADD COLUMN risk text
    CHECK (risk IN ('safe', 'locking', 'breaking', 'data_loss'));
