# The client against a real server started by PostgreSQL::Test::Cluster:
# a fresh apply of the examples, a no-op re-run, and a server restart in
# between that changes nothing the client sees.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use File::Copy qw(copy);
use PgMigrateTest;

my $node = PostgreSQL::Test::Cluster->new('client_runs');
$node->init;
$node->start;
my $db = fresh_database($node, 'runs');

# The repository's example migrations, copied to a scratch directory.
my $dir = PostgreSQL::Test::Utils::tempdir;
my @examples = glob("$ENV{PGM_SOURCE_DIR}/examples/migrations/*.sql");
ok(@examples >= 5, 'the examples are there');
copy($_, $dir) or die "copy $_: $!" for @examples;
my $expected = join(',', map { /\/(\d+)_[^\/]*$/ ? "$1:applied" : () } sort @examples);

my ($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir);
is($rc, 0, 'up applies the examples') or diag($out . $err);
like($out, qr/installed the pg_migrate extension/, 'up installs the extension on first use');
is(ledger_of($node, $db), $expected, 'every example recorded once');

($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir);
is($rc, 0, 'a second up exits 0');
like($out, qr/up to date/, 'a second up applies nothing');

$node->restart;

($rc, $out, $err) = run_client($node, $db, 'status', '--dir', $dir, '--json');
is($rc, 0, 'status after a server restart exits 0') or diag($out . $err);
like($out, qr/"applied":\s*5\b/, 'status --json counts the five applied migrations');

($rc, $out, $err) = run_client($node, $db, 'verify', '--json');
is($rc, 0, 'verify after a restart finds nothing wrong') or diag($out . $err);

# A migration added after the restart is the only thing the next up applies.
write_migration($dir, '900_after_restart.sql', "CREATE TABLE after_restart (id int);\n");
($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir);
is($rc, 0, 'up after a restart applies the new migration') or diag($out . $err);
is(ledger_of($node, $db), "$expected,900:applied", 'only the new migration was added');

# The client reads the connection from the libpq variables too.
{
	local $ENV{PGHOST} = $node->host;
	local $ENV{PGPORT} = $node->port;
	local $ENV{PGDATABASE} = $db;
	my ($o, $e) = ('', '');
	IPC::Run::run([ client(), 'status', '--dir', $dir ], '>', \$o, '2>', \$e);
	is($? >> 8, 0, 'status from PGHOST/PGPORT/PGDATABASE exits 0') or diag($o . $e);
	like($o, qr/900/, '... and lists the migrations');
}

$node->stop;
done_testing();
