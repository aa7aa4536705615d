# Crashes at random points of a long deploy: PGM_TAP_CRASHES rounds (default
# 6), each a fresh database and a run of 30 migrations (the 15th outside a
# transaction, statement by statement) cut after a random delay by an
# immediate shutdown of the server, pg_terminate_backend of the applying
# backend or SIGKILL of the client.  After each: every transactional migration
# is in the ledger exactly when its table exists; the non-transactional one
# is either recorded whole or has a progress row saying how far it got; the
# next up completes and migrate_verify() is clean.  The seed is printed
# (PGM_TAP_SEED replays it).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);
use PgMigrateTest;

my $rounds = $ENV{PGM_TAP_CRASHES} // 6;
my $seed = $ENV{PGM_TAP_SEED} // time;
srand($seed);
note("seed $seed");

my $node = PostgreSQL::Test::Cluster->new('random_crashes');
$node->init;
$node->append_conf('postgresql.conf', "client_connection_check_interval = 100ms\n");
$node->start;

my $dir = PostgreSQL::Test::Utils::tempdir;
for my $i (1 .. 30)
{
	my $v = sprintf('%03d', $i);
	my $sql =
	  $i == 15
	  ? "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY t001_a ON t001 (id);\nSELECT pg_sleep(0.05);\nCREATE INDEX CONCURRENTLY t001_b ON t001 (id);\n"
	  : "CREATE TABLE t$v (id int);\nINSERT INTO t$v SELECT generate_series(1, 1000);\nSELECT pg_sleep(0.04);\n";
	write_migration($dir, "${v}_m.sql", $sql);
}

my $applier = "SELECT pid FROM pg_stat_activity WHERE query LIKE '%migrate_%' AND pid <> pg_backend_pid()";
my %kinds_seen;
for my $round (1 .. $rounds)
{
	my $db = fresh_database($node, "crash$round");
	my ($h) = start_client($node, $db, 'up', '--dir', $dir);
	my $delay = rand(1.5);
	sleep($delay);
	my $kind = (qw(immediate terminate kill))[ int(rand(3)) ];
	$kinds_seen{$kind}++;
	note(sprintf('round %d: %s after %.2f s', $round, $kind, $delay));
	if ($kind eq 'immediate')
	{
		$node->stop('immediate');
		$node->start;
	}
	elsif ($kind eq 'terminate')
	{
		$node->safe_psql($db, "SELECT pg_terminate_backend(pid) FROM ($applier) AS a");
	}
	else
	{
		$h->signal('KILL');
	}
	$h->finish;
	$node->poll_query_until($db, "SELECT NOT EXISTS ($applier)") or die "the applying backend never ended";

	my $has_ledger = $node->safe_psql($db, "SELECT to_regclass('migrate.ledger') IS NOT NULL") eq 't';
	if ($has_ledger)
	{
		my $mismatch = $node->safe_psql($db,
			"SELECT string_agg(lpad(i::text, 3, '0'), ',') FROM generate_series(1, 30) AS i WHERE i <> 15 "
			  . "AND (to_regclass('t' || lpad(i::text, 3, '0')) IS NOT NULL) <> EXISTS (SELECT FROM migrate.ledger AS l "
			  . "WHERE l.version = lpad(i::text, 3, '0') AND l.status = 'applied')");
		is($mismatch, '', "round $round ($kind): ledger and tables agree migration by migration");
		my $steps = $node->safe_psql($db,
			"SELECT (EXISTS (SELECT FROM migrate.ledger WHERE version = '015'))::int + "
			  . "(SELECT count(*) FROM migrate.progress WHERE version = '015')::int");
		ok($steps <= 1, "round $round ($kind): 015 is recorded whole, or has one progress row, not both");
		note("round $round: cut with "
			  . $node->safe_psql($db, "SELECT count(*) FROM migrate.ledger") . ' of 30 migrations recorded'
			  . ($node->safe_psql($db, 'SELECT count(*) FROM migrate.progress') ? ', 015 part-way' : ''));
	}
	else
	{
		pass("round $round ($kind): cut before the extension was installed");
		pass("round $round ($kind): nothing to check for 015");
	}

	my ($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir);
	if ($rc != 0 && ($out . $err) =~ /INVALID/)
	{
		# A concurrent index build cut in the middle stays INVALID: dropped as
		# the client says, then the run resumes.
		for my $index ($node->safe_psql($db,
			"SELECT indexrelid::regclass FROM pg_index WHERE NOT indisvalid") =~ /(\S+)/g)
		{
			$node->safe_psql($db, "DROP INDEX CONCURRENTLY $index");
		}
		($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir);
	}
	is($rc, 0, "round $round ($kind): the next up completes") or diag($out . $err);
	is($node->safe_psql($db, "SELECT count(DISTINCT version) || '/' || count(*) FROM migrate.ledger WHERE status = 'applied'"),
		'30/30', "round $round ($kind): every migration applied exactly once");
	($rc, $out, $err) = run_client($node, $db, 'verify');
	is($rc, 0, "round $round ($kind): migrate_verify() is clean") or diag($out . $err);
}
note('crash kinds: ' . join(', ', map { "$_ x$kinds_seen{$_}" } sort keys %kinds_seen));

$node->stop;
done_testing();
