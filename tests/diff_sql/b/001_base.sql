-- The history both databases start from.
CREATE SCHEMA shop;
CREATE TYPE shop.state AS ENUM ('open', 'paid');
CREATE DOMAIN shop.amount AS numeric(12, 2) CHECK (VALUE >= 0);
CREATE TABLE shop.customers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL,
    name text,
    phone varchar(20),
    score integer DEFAULT 0,
    code text,
    legacy text);
CREATE TABLE shop.orders (
    id bigint PRIMARY KEY,
    customer_id bigint NOT NULL,
    state shop.state NOT NULL DEFAULT 'open',
    total shop.amount DEFAULT 0,
    created timestamptz NOT NULL DEFAULT now(),
    ref integer,
    old_total bigint GENERATED ALWAYS AS ((total * 10)::bigint) STORED);
CREATE SEQUENCE shop.invoice_numbers START 1000;
CREATE FUNCTION shop.order_count(c bigint) RETURNS bigint LANGUAGE sql STABLE
    AS $$ SELECT count(*) FROM shop.orders WHERE customer_id = c $$;
CREATE FUNCTION shop.touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER orders_touch BEFORE UPDATE ON shop.orders FOR EACH ROW EXECUTE FUNCTION shop.touch();
CREATE VIEW shop.open_orders AS SELECT id, customer_id FROM shop.orders WHERE state = 'open';
CREATE INDEX orders_created ON shop.orders (created);
CREATE TABLE shop.events (id bigint, at timestamptz NOT NULL, kind text) PARTITION BY RANGE (at);
CREATE TABLE shop.events_2026 PARTITION OF shop.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
INSERT INTO shop.customers (email, name, phone, code) VALUES ('a@example.com', 'Ann', '555', 'A1'), ('b@example.com', NULL, '556', 'B2');
INSERT INTO shop.orders (id, customer_id, total, ref) VALUES (1, 1, 10, 7), (2, 2, 20, 8);
INSERT INTO shop.events VALUES (1, '2026-03-01', 'signup');
