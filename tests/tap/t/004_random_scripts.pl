# Random scripts fed to the server's statement splitter (migrate_split) and to
# migrate_apply's dry run: PGM_TAP_SCRIPTS scripts (default 400) built from
# fragments that stress the splitter (quotes, dollar quotes with tags,
# nested comments, semicolons inside literals, escapes, transaction control,
# psql meta-commands, statements that refuse a transaction, unfinished
# literals).  For every script: either it splits, and each statement is a
# piece of the script, numbered 1..n with lines in order; or it fails with a
# user-facing SQLSTATE, never an internal error (XX...).  The backend never
# crashes.  The seed is printed so a failure can be replayed (PGM_TAP_SEED).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $count = $ENV{PGM_TAP_SCRIPTS} // 400;
my $seed = $ENV{PGM_TAP_SEED} // time;
srand($seed);
note("seed $seed");

my $node = PostgreSQL::Test::Cluster->new('random_scripts');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_migrate');

my @fragments = (
	'SELECT 1', "SELECT ';'", 'SELECT $$ ; $$', 'SELECT $tag$ $$ ; $tag$', "SELECT E'\\'';'",
	'/* a ; /* nested ; */ still comment */ SELECT 2', "-- comment ; with semicolon\nSELECT 3",
	'CREATE TABLE t_RAND (id int PRIMARY KEY, note text DEFAULT \';\')', 'DROP TABLE IF EXISTS t_RAND',
	'CREATE FUNCTION f_RAND() RETURNS int LANGUAGE sql AS $f$ SELECT 1; $f$',
	'CREATE FUNCTION g_RAND() RETURNS int LANGUAGE sql BEGIN ATOMIC SELECT 1; SELECT 2; END',
	'DO $do$ BEGIN PERFORM 1; END $do$', 'BEGIN', 'COMMIT', 'ROLLBACK', 'SAVEPOINT s',
	'CREATE INDEX CONCURRENTLY i_RAND ON t_RAND (id)', 'VACUUM', "COPY t_RAND FROM STDIN",
	"COPY t_RAND (id) FROM STDIN;\n1\n\\N\n\\.\n", "COPY t_RAND FROM STDIN (FORMAT csv);\n1,\"a\nb\"\n\\.\n",
	"\\restrict k_RAND\n", "\\unrestrict k_RAND\n",
	'SELECT "quoted ; ident"', "SELECT U&'\\0041'", "SELECT 'caf\xc3\xa9'", ';', ';;',
	'SELECT (((((((((1)))))))))', 'SET search_path = public', 'SET LOCAL statement_timeout = 1000',
	'SELECT 1/0', 'SELECT repeat(\'x\', 3)', "COMMENT ON TABLE t_RAND IS 'a ; b'",
	'CREATE VIEW v_RAND AS SELECT 1 AS one', 'ALTER TABLE t_RAND ADD COLUMN c_RAND int',
	"SELECT \$q\$it's\$q\$", 'SELECT 1 -- trailing', "\n\n\t ", "SELECT\r\n1");

# Broken on purpose: each script has one of these with probability 1/5.
my @broken = ('\\set x 1', '\\i other.sql', "SELECT 'unterminated", 'SELECT $$ unterminated',
	'/* unterminated', 'SELECT 1 +', "SELECT E'\\", 'SELECT $a$ $b$ $a');

sub random_script
{
	my $n = 1 + int(rand(8));
	my @parts;
	for (1 .. $n)
	{
		my $f = $fragments[ int(rand(@fragments)) ];
		$f = $broken[ int(rand(@broken)) ] if rand() < 0.2 / $n;
		my $id = int(rand(1000));
		$f =~ s/RAND/$id/g;
		push @parts, $f;
	}
	my @separators = (";\n", '; ', ";\r\n", "\n", ' ; -- x' . "\n");
	return join('', map { $_ . $separators[ int(rand(@separators)) ] } @parts);
}

# Scripts go in as dollar-quoted literals with a tag they cannot contain.
my $sql = "CREATE TABLE scripts (id int PRIMARY KEY, body text NOT NULL);\n";
for my $i (1 .. $count)
{
	my $body = random_script();
	my $tag = 'pgmrnd';
	$tag .= 'x' while $body =~ /\$$tag\$/;
	$sql .= "INSERT INTO scripts VALUES ($i, \$$tag\$$body\$$tag\$);\n";
}
$node->safe_psql('postgres', $sql);

# Each script in its own subtransaction: the split, its properties, then a
# dry run of it as a migration; any error is recorded with its SQLSTATE.
my $outcomes = $node->safe_psql('postgres', q{
CREATE TABLE outcomes (id int, phase text, ok boolean, sqlstate text, message text);
DO $run$
DECLARE
    s record;
    state text;
    msg text;
    good boolean;
BEGIN
    FOR s IN SELECT * FROM scripts ORDER BY id LOOP
        BEGIN
            SELECT COALESCE(bool_and(strpos(s.body, p.sql) > 0), true)
                   AND COALESCE(bool_and(p.statement = p.n), true)
                   AND COALESCE(bool_and(p.line >= p.prev_line), true)
              INTO good
              FROM (SELECT m.*, row_number() OVER (ORDER BY m.statement) AS n,
                           COALESCE(lag(m.line) OVER (ORDER BY m.statement), 1) AS prev_line
                      FROM migrate_split(s.body) AS m) AS p;
            INSERT INTO outcomes VALUES (s.id, 'split', good, NULL, NULL);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
            INSERT INTO outcomes VALUES (s.id, 'split', NULL, state, msg);
        END;
        BEGIN
            PERFORM migrate_apply('1', s.body, dry_run => true);
            INSERT INTO outcomes VALUES (s.id, 'dry_run', true, NULL, NULL);
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, msg = MESSAGE_TEXT;
            INSERT INTO outcomes VALUES (s.id, 'dry_run', NULL, state, msg);
        END;
    END LOOP;
END
$run$;
SELECT o.phase || ' ' || o.result || ' ' || count(*)
  FROM (SELECT phase, CASE WHEN sqlstate IS NULL THEN 'ok' ELSE 'error ' || sqlstate END AS result
          FROM outcomes) AS o
 GROUP BY o.phase, o.result ORDER BY o.phase, o.result;
});
note($outcomes);

is($node->safe_psql('postgres', 'SELECT count(*) FROM outcomes'), 2 * $count, "all $count scripts were tried twice");
is($node->safe_psql('postgres', "SELECT string_agg(id::text, ',') FROM outcomes WHERE ok = false"),
	'', 'every split statement is a piece of its script, numbered in order, lines in order');
is($node->safe_psql('postgres',
	"SELECT string_agg(id || ' ' || phase || ' ' || sqlstate || ' ' || message, E'\\n') FROM outcomes WHERE sqlstate LIKE 'XX%'"),
	'', 'no internal error (XX) from any script');
like($node->safe_psql('postgres',
	"SELECT count(DISTINCT sqlstate) FROM outcomes WHERE sqlstate IS NOT NULL"), qr/^[1-9]\d*$/,
	'the generator reaches error paths too');
ok($node->safe_psql('postgres', "SELECT count(*) FROM outcomes WHERE sqlstate IS NULL AND phase = 'dry_run'") > 0,
	'... and scripts that run');
is($node->safe_psql('postgres', 'SELECT count(*) FROM migrate.ledger'), '0', 'dry runs left no ledger row');
my $log = slurp_file($node->logfile);
unlike($log, qr/terminated by signal|server process .* was terminated/, 'no backend crashed');

$node->stop;
done_testing();
