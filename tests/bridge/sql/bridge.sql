-- The C++/PostgreSQL bridge on every path.  Each error must come out as a
-- normal PostgreSQL error, the C++ objects of the failing call must have been
-- destroyed (no longjmp across C++ frames), and the session must stay usable.
CREATE EXTENSION pgm_bridge_test;
\set VERBOSITY default
\set SHOW_CONTEXT always

SELECT bridge_throw('none');
SELECT bridge_destructor_runs();

-- C++ exceptions become PostgreSQL errors.
SELECT bridge_throw('runtime');
SELECT bridge_throw('bad_alloc');
SELECT bridge_throw('int');
SELECT bridge_throw('user');
SELECT bridge_destructor_runs();  -- 1 + 4: every failing call unwound

-- A PostgreSQL error raised below live C++ objects keeps all its fields.
SELECT bridge_throw('pg');
DO $$
DECLARE code text; detail text; hint text; con text;
BEGIN
    PERFORM bridge_throw('pg');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS code = RETURNED_SQLSTATE, detail = PG_EXCEPTION_DETAIL,
                            hint = PG_EXCEPTION_HINT, con = CONSTRAINT_NAME;
    RAISE NOTICE 'sqlstate %, detail "%", hint "%", constraint %', code, detail, hint, con;
END
$$;
SELECT bridge_throw('second');
SELECT bridge_destructor_runs();  -- + 3

-- Errors are catchable by PL/pgSQL, many times over, with their SQLSTATE.
DO $$
DECLARE
    state text;
    caught int := 0;
BEGIN
    FOR i IN 1..300 LOOP
        BEGIN
            PERFORM bridge_throw((ARRAY['runtime', 'bad_alloc', 'int', 'user', 'pg', 'second'])[i % 6 + 1]);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE;
            caught := caught + 1;
        END;
    END LOOP;
    RAISE NOTICE 'caught % errors, last SQLSTATE %', caught, state;
END
$$;
SELECT bridge_destructor_runs();  -- + 300 = 308

-- After all that, the session works normally, errors included.
SELECT 1/0;
SELECT bridge_throw('none');
DROP EXTENSION pgm_bridge_test;
