-- A schema that uses most of what PostgreSQL can declare: diff --sql makes it in
-- an empty database, and diff then finds the two the same.
CREATE SCHEMA app;
CREATE SCHEMA "Mixed Case";
CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy', 'it''s');
CREATE DOMAIN app.tags AS text[] CHECK (cardinality(VALUE) < 10);
CREATE DOMAIN app.pos AS integer NOT NULL DEFAULT 1 CONSTRAINT pos_positive CHECK (VALUE > 0);
CREATE TYPE app.pair AS (a integer, b text);
CREATE SEQUENCE app.tickets START 100 INCREMENT 5 CACHE 10 CYCLE;
CREATE TABLE app.people (
    id integer GENERATED ALWAYS AS IDENTITY (START WITH 100) PRIMARY KEY,
    name text COLLATE "C" NOT NULL,
    mood app.mood DEFAULT 'ok',
    tags app.tags,
    rank app.pos,
    ticket bigint DEFAULT nextval('app.tickets'),
    lower_name text GENERATED ALWAYS AS (lower(name)) STORED,
    born date CHECK (born > '1900-01-01') NO INHERIT,
    data jsonb,
    UNIQUE (name) DEFERRABLE INITIALLY DEFERRED);
CREATE TABLE app.employees (salary numeric(10,2)) INHERITS (app.people);
CREATE TABLE "Mixed Case"."Odd Table" ("Weird Col" int, "select" text);
CREATE TABLE app.links (
    src integer REFERENCES app.people (id) ON DELETE CASCADE DEFERRABLE,
    dst integer,
    CONSTRAINT links_dst FOREIGN KEY (dst) REFERENCES app.people (id) ON UPDATE SET NULL,
    PRIMARY KEY (src, dst)) WITH (fillfactor = 70, autovacuum_enabled = false);
CREATE UNIQUE INDEX people_lower ON app.people (lower(name)) WHERE mood <> 'sad';
CREATE INDEX people_data ON app.people USING gin (data jsonb_path_ops);
CREATE TABLE app.events (id bigint, at date NOT NULL, kind text) PARTITION BY LIST (kind);
CREATE TABLE app.events_a PARTITION OF app.events FOR VALUES IN ('a', 'b') PARTITION BY RANGE (at);
CREATE TABLE app.events_a_2026 PARTITION OF app.events_a FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE TABLE app.events_other PARTITION OF app.events DEFAULT;
CREATE INDEX events_at ON app.events (at);
ALTER TABLE app.events ADD PRIMARY KEY (id, at, kind);
CREATE TABLE app.h (k int) PARTITION BY HASH (k);
CREATE TABLE app.h0 PARTITION OF app.h FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE app.h1 PARTITION OF app.h FOR VALUES WITH (MODULUS 2, REMAINDER 1);
CREATE UNLOGGED TABLE app.cache (k text PRIMARY KEY, v bytea);
CREATE FUNCTION app.greet(who text DEFAULT 'world', OUT msg text) LANGUAGE sql IMMUTABLE AS $$ SELECT 'hi ' || who $$;
CREATE FUNCTION app.count_people() RETURNS bigint LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog
    AS $$ SELECT count(*) FROM app.people $$;
CREATE FUNCTION app.audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;
CREATE FUNCTION app.add_pair(s app.pair, v integer) RETURNS app.pair LANGUAGE sql AS $$ SELECT ROW(s.a + v, s.b)::app.pair $$;
CREATE FUNCTION app.pair_final(s app.pair) RETURNS integer LANGUAGE sql AS $$ SELECT s.a $$;
CREATE AGGREGATE app.pair_sum(integer) (SFUNC = app.add_pair, STYPE = app.pair, FINALFUNC = app.pair_final, INITCOND = '(0,x)');
CREATE PROCEDURE app.cleanup(days int) LANGUAGE plpgsql AS $$ BEGIN DELETE FROM app.cache; END $$;
CREATE TRIGGER people_audit AFTER INSERT ON app.people REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION app.audit();
CREATE TRIGGER people_when BEFORE UPDATE ON app.people FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name) EXECUTE FUNCTION app.audit();
CREATE VIEW app.happy AS SELECT id, name FROM app.people WHERE mood = 'happy' WITH CHECK OPTION;
CREATE VIEW app.happy_names WITH (security_invoker = true) AS SELECT name FROM app.happy;
CREATE MATERIALIZED VIEW app.mood_counts AS SELECT mood, count(*) AS n FROM app.people GROUP BY mood;
CREATE UNIQUE INDEX mood_counts_mood ON app.mood_counts (mood);
ALTER TABLE app.people ENABLE ROW LEVEL SECURITY;
ALTER TABLE app.people FORCE ROW LEVEL SECURITY;
CREATE POLICY people_read ON app.people AS RESTRICTIVE FOR SELECT TO PUBLIC USING (mood <> 'sad');
CREATE POLICY people_write ON app.people FOR INSERT WITH CHECK (rank > 0);
CREATE RULE cache_no_delete AS ON DELETE TO app.cache DO INSTEAD NOTHING;
CREATE TABLE app.excl (r int4range, EXCLUDE USING gist (r WITH &&));
CREATE TABLE app.seq_owner (id serial, other smallserial);
CREATE INDEX ON app.links (dst) INCLUDE (src);
CREATE TABLE app.aaa_refs (person integer REFERENCES app.people (id));
