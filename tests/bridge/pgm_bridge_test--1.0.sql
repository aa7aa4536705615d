\echo Use "CREATE EXTENSION pgm_bridge_test" to load this file. \quit
CREATE FUNCTION bridge_throw(kind text) RETURNS text LANGUAGE c STRICT AS 'MODULE_PATHNAME', 'bridge_throw';
CREATE FUNCTION bridge_destructor_runs() RETURNS int LANGUAGE c AS 'MODULE_PATHNAME', 'bridge_destructor_runs';
