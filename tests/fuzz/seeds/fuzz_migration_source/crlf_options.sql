-- migrate:up transaction:false
SELECT $$ -- migrate:down $$;
