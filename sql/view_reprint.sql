-- A schema snapshot recorded by another major describes an unchanged view in
-- other words (PostgreSQL 16 stopped qualifying the columns of a one-table
-- query with the table's name).  migrate_verify compiles the recorded and the
-- live query on this server and compares them printed the same way.
CREATE EXTENSION pg_migrate;
SELECT status FROM migrate_apply('001', $$
CREATE TABLE t (id int, note text);
CREATE VIEW v AS SELECT id, id * 2 AS twice FROM t WHERE note IS NOT NULL;
CREATE MATERIALIZED VIEW mv AS SELECT count(*) AS n FROM t;
$$);
CREATE TEMP VIEW drift AS SELECT object, detail FROM migrate_verify() WHERE check_name = 'schema_drift' AND NOT ok;

-- As PostgreSQL 15 printed them: columns qualified with their table.
UPDATE migrate.schema_objects
   SET definition = E'view\n SELECT t.id,\n    (t.id * 2) AS twice\n   FROM public.t\n  WHERE (t.note IS NOT NULL);'
 WHERE identity = 'public.v';
UPDATE migrate.schema_objects
   SET definition = E'materialized view\n SELECT count(*) AS n\n   FROM public.t;'
 WHERE identity = 'public.mv';
SELECT * FROM drift;

-- Another layout of the same query.
UPDATE migrate.schema_objects
   SET definition = E'view\nSELECT id, id*2 AS twice FROM public.t WHERE note IS NOT NULL;'
 WHERE identity = 'public.v';
SELECT * FROM drift;

-- Another query is drift: another expression, another condition ...
UPDATE migrate.schema_objects
   SET definition = E'view\n SELECT t.id,\n    (t.id * 3) AS twice\n   FROM public.t\n  WHERE (t.note IS NOT NULL);'
 WHERE identity = 'public.v';
SELECT object FROM drift;
UPDATE migrate.schema_objects
   SET definition = E'view\n SELECT t.id,\n    (t.id * 2) AS twice\n   FROM public.t;'
 WHERE identity = 'public.v';
SELECT object FROM drift;
-- ... other options around the same query ...
UPDATE migrate.schema_objects
   SET definition = E'view\n SELECT t.id,\n    (t.id * 2) AS twice\n   FROM public.t\n  WHERE (t.note IS NOT NULL);\nwith (security_barrier=true)'
 WHERE identity = 'public.v';
SELECT object FROM drift;
-- ... a query that no longer compiles (a column gone), or is not a query.
UPDATE migrate.schema_objects SET definition = E'view\n SELECT t.gone\n   FROM public.t;' WHERE identity = 'public.v';
SELECT object FROM drift;
UPDATE migrate.schema_objects SET definition = E'view\n DROP TABLE public.t;' WHERE identity = 'public.v';
SELECT object FROM drift;
UPDATE migrate.schema_objects SET definition = E'materialized view\n SELECT sum(t.id) AS n\n   FROM public.t;' WHERE identity = 'public.mv';
SELECT object FROM drift;
SELECT count(*) AS tables FROM pg_class WHERE relname = 't';

DROP VIEW drift;
DROP EXTENSION pg_migrate;
DROP VIEW v;
DROP MATERIALIZED VIEW mv;
DROP TABLE t;
