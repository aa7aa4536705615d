-- What only B has: dropped only in comments, never run.
CREATE TABLE shop.audit (id bigint GENERATED ALWAYS AS IDENTITY, what text);
CREATE INDEX customers_name ON shop.customers (name);
CREATE FUNCTION shop.old_helper() RETURNS integer LANGUAGE sql AS $$ SELECT 1 $$;
ALTER TABLE shop.orders ADD COLUMN coupon text;
