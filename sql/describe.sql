-- migrate_describe(): the live schema as schema_drift describes it, one row
-- per object, for any role that may connect, whatever its search_path,
-- within migrate.schemas.
CREATE EXTENSION pg_migrate;
SELECT status FROM migrate_apply('001', $$
    CREATE SCHEMA shop;
    CREATE TYPE shop.state AS ENUM ('open', 'paid');
    CREATE TABLE shop.orders (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        customer text NOT NULL COLLATE "C",
        state shop.state NOT NULL DEFAULT 'open',
        total numeric(12, 2) CHECK (total >= 0));
    CREATE INDEX orders_customer ON shop.orders (customer) WHERE state = 'open';
    CREATE FUNCTION shop.double_it(n int) RETURNS int LANGUAGE sql IMMUTABLE RETURN n * 2;
    CREATE TABLE public.notes (id int);
$$);

-- Every object, its table for the parts of a table.
SELECT object_type, identity, schema_name, parent, definition
  FROM migrate_describe() WHERE object_type NOT IN ('function', 'extension') ORDER BY identity, object_type;
SELECT object_type, identity, definition ~ 'RETURN \(n \* 2\)' AS body_described
  FROM migrate_describe() WHERE object_type = 'function';

-- The same description schema_drift keeps: right after a migration the
-- snapshot and migrate_describe() agree row for row.
SELECT count(*) AS objects,
       count(*) FILTER (WHERE s.definition IS DISTINCT FROM d.definition) AS differing
  FROM migrate_describe() AS d
  FULL JOIN migrate.schema_objects AS s USING (object_type, identity);

-- migrate.schemas limits it as it limits migrate_verify().
SET migrate.schemas = 'public';
SELECT object_type, identity FROM migrate_describe() ORDER BY 1, 2;
RESET migrate.schemas;

-- Anyone who may connect, with a search_path whose concat_ws beats the
-- catalog's (exact argument types): unpinned, every column would read "evil".
CREATE ROLE regress_describe_nobody;
CREATE SCHEMA evil;
CREATE FUNCTION evil.concat_ws(text, VARIADIC text[]) RETURNS text LANGUAGE sql AS $$ SELECT 'evil' $$;
GRANT USAGE ON SCHEMA evil TO regress_describe_nobody;
SET ROLE regress_describe_nobody;
SET search_path = evil, pg_catalog, public;
SELECT count(*) AS objects, count(*) FILTER (WHERE definition ~ 'evil' AND schema_name <> 'evil') AS tricked
  FROM pg_catalog.migrate_describe();
-- ... and the ledger stays closed to it.
SELECT count(*) FROM migrate.ledger;
RESET search_path;
RESET ROLE;

DROP EXTENSION pg_migrate;
DROP SCHEMA shop, evil CASCADE;
DROP TABLE public.notes;
DROP ROLE regress_describe_nobody;
