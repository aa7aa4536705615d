# Hostile input through SQL: every case gives a clear error naming the problem
# (or succeeds), leaves nothing applied when it fails, and the backend
# survives.  Sizes are the ones issue "under fire" names; timings are in
# bench/, not here.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;

my $node = PostgreSQL::Test::Cluster->new('hostile');
$node->init;
$node->start;
$node->safe_psql('postgres', 'CREATE EXTENSION pg_migrate');

sub fails_with
{
	my ($sql, $pattern, $what) = @_;
	my ($rc, $out, $err) = $node->psql('postgres', $sql);
	isnt($rc, 0, "$what: refused");
	like($err, $pattern, "$what: says why");
}

# 100,000 statements on one line: split and applied (each statement's line
# and column found without rescanning the line).
is($node->safe_psql('postgres', "SELECT count(*), max(line) FROM migrate_split(repeat('SELECT 1; ', 100000))"),
	'100000|1', '100,000 statements on one line split');
is($node->safe_psql('postgres', "SELECT statements FROM migrate_apply('100', repeat('SELECT 1; ', 100000))"),
	'100000', '100,000 statements applied as one migration');

# Deep nesting: the parser's and the executor's own limits, as errors.
fails_with("SELECT migrate_apply('101', 'SELECT ' || repeat('(', 100000) || '1' || repeat(')', 100000))",
	qr/memory exhausted at or near "\(".*migration 101, statement 1, line 1, column/s, '100,000 nested parentheses');
fails_with("SELECT migrate_apply('102', 'SELECT ' || repeat('1 + ', 100000) || '1')",
	qr/stack depth limit exceeded.*migration 102, statement 1/s, '100,000 chained operators');

# Versions and names carrying SQL.
fails_with(q{SELECT migrate_apply($v$1'; DROP TABLE migrate.ledger; --$v$, 'SELECT 1')},
	qr/invalid migration version/, 'a version with SQL in it');
is($node->safe_psql('postgres',
	q{SELECT name FROM migrate_apply('103', 'SELECT 1', name => $n$it's "x"; DROP TABLE migrate.ledger; --$n$)}),
	q{it's "x"; DROP TABLE migrate.ledger; --}, 'a name with SQL in it is stored as text');

# Unterminated literals, comments and dollar quotes; meta-commands; COPY FROM STDIN.
fails_with(q{SELECT migrate_apply('104', $s$SELECT 1; SELECT 'open$s$)}, qr/unterminated quoted string/, 'an unterminated string');
fails_with(q{SELECT migrate_apply('105', $s$SELECT 1; /* open$s$)}, qr/unterminated \/\* comment/, 'an unterminated comment');
fails_with(q{SELECT migrate_apply('106', 'SELECT $x$ open')}, qr/unterminated dollar-quoted string/, 'an unterminated dollar quote');
fails_with(q{SELECT migrate_apply('107', E'SELECT 1;\n\\\\set x 1\n')}, qr/meta-command/, 'a psql meta-command');
fails_with(q{SELECT migrate_apply('108', 'CREATE TABLE c (i int); COPY c FROM STDIN')}, qr/COPY/, 'COPY FROM STDIN');

# Transaction control in odd places.
fails_with(q{SELECT migrate_apply('109', 'SELECT 1; COMMIT; SELECT 2')}, qr/COMMIT is not allowed/, 'COMMIT in the middle');
fails_with(q{SELECT migrate_apply('110', 'SAVEPOINT a; SELECT 1')}, qr/SAVEPOINT is not allowed/, 'a SAVEPOINT');

is($node->safe_psql('postgres', "SELECT string_agg(version, ',' ORDER BY id) FROM migrate.ledger"),
	'100,103', 'only the accepted migrations are in the ledger');
is($node->safe_psql('postgres', "SELECT to_regclass('c') IS NULL"), 't', 'the refused COPY migration left nothing');
ok(slurp_file($node->logfile) !~ /terminated by signal/, 'no backend crashed');

$node->stop;
done_testing();
