# Many deployers at once: PGM_TAP_CLIENTS clients (default 16) run
# `pg_migrate up` on the same fresh database at the same moment, repeated
# PGM_TAP_ROUNDS times (default 20).  Every migration is applied exactly
# once, every client exits 0, and the ledger's hash chain is intact.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PgMigrateTest;

my $clients = $ENV{PGM_TAP_CLIENTS} // 16;
my $rounds = $ENV{PGM_TAP_ROUNDS} // 20;

my $node = PostgreSQL::Test::Cluster->new('concurrent');
$node->init;
$node->append_conf('postgresql.conf', "max_connections = " . ($clients + 20) . "\n");
$node->start;

# 24 migrations: tables, data, a function, and one applied outside a
# transaction (CREATE INDEX CONCURRENTLY) in the middle.
my $dir = PostgreSQL::Test::Utils::tempdir;
my @versions;
for my $i (1 .. 24)
{
	my $v = sprintf('%03d', $i);
	push @versions, $v;
	my $sql =
	    $i == 12 ? "CREATE INDEX CONCURRENTLY t001_id ON t001 (id);\n"
	  : $i == 18 ? "CREATE FUNCTION f018() RETURNS int LANGUAGE sql AS \$\$ SELECT count(*)::int FROM t001 \$\$;\n"
	  :            "CREATE TABLE t$v (id int);\nINSERT INTO t$v SELECT generate_series(1, 100);\n";
	write_migration($dir, "${v}_step.sql", $sql);
}
my $expected = join(',', map { "$_:applied" } @versions);

my ($all_exit_zero, $all_once, $chains_intact) = (1, 1, 1);
for my $round (1 .. $rounds)
{
	my $db = fresh_database($node, "round$round");
	# Odd rounds start from a database without the extension: the clients
	# race to install it too.
	$node->safe_psql($db, 'CREATE EXTENSION pg_migrate') if $round % 2 == 0;
	my @running = map { [ start_client($node, $db, 'up', '--dir', $dir, '--lock-wait', '300') ] } 1 .. $clients;
	for my $c (@running)
	{
		my ($h, $out, $err) = @$c;
		$h->finish;
		if ($? >> 8 != 0)
		{
			$all_exit_zero = 0;
			diag("round $round: a client exited " . ($? >> 8) . ": $$out$$err");
		}
	}
	my $ledger = ledger_of($node, $db);
	if ($ledger ne $expected)
	{
		$all_once = 0;
		diag("round $round: ledger $ledger");
	}
	my $chain = $node->safe_psql($db,
		"SELECT ok FROM migrate_verify() WHERE check_name = 'ledger_chain'");
	if ($chain !~ /^t(\nt)*$/)
	{
		$chains_intact = 0;
		diag("round $round: ledger_chain $chain");
	}
	$node->safe_psql('postgres', "DROP DATABASE $db");
}
ok($all_exit_zero, "$clients clients x $rounds rounds: every client exited 0");
ok($all_once, "$clients clients x $rounds rounds: every migration applied exactly once");
ok($chains_intact, "$clients clients x $rounds rounds: the ledger chain is intact");

$node->stop;
done_testing();
