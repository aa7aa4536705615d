-- pg_migrate 0.9 -> 0.10: the scripts a ledger row keeps are compressed with
-- lz4 where the server was built with it: pglz took most of the time
-- pg_migrate adds to a data migration of hundreds of megabytes (a 200 MB
-- script: about 2.5 s of pglz, a few tenths of a second with lz4).  Small
-- scripts are not compressed either way.  Rows already written keep their
-- compression; a server without lz4 keeps pglz.
\echo Use "ALTER EXTENSION pg_migrate UPDATE TO '0.10'" to load this file. \quit

DO $$
BEGIN
    IF EXISTS (SELECT FROM pg_catalog.pg_settings
                WHERE name OPERATOR(pg_catalog.=) 'default_toast_compression'
                  AND 'lz4' OPERATOR(pg_catalog.=) ANY (enumvals)) THEN
        ALTER TABLE migrate.ledger ALTER COLUMN script SET COMPRESSION lz4,
                                   ALTER COLUMN down SET COMPRESSION lz4,
                                   ALTER COLUMN verify SET COMPRESSION lz4;
    END IF;
END
$$;
