# When a run's commits reach disk (client/commit_durability.hpp): a run of
# several migrations flushes the WAL once at its end, not once per
# migration, and what it reports applied is flushed when it exits, whether
# it succeeded or stopped at a failure.  --durable-each, and a
# server with synchronous standbys configured, flush each commit.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Time::HiRes qw(sleep);
use PgMigrateTest;

my $count = 60;

my $node = PostgreSQL::Test::Cluster->new('commit_durability');
$node->init;
# pg_stat_wal counts the WAL flushes that reach disk only with fsync on.  The
# WAL writer flushes (fsync) by itself only every 10 s, so the flush position
# right after a run shows what the client had flushed.
# No background worker can start, so the schema snapshot is recorded by the
# client's own session after the run (a worker recording it would write WAL
# of its own while the flush position is read).
$node->append_conf('postgresql.conf',
	"fsync = on\nwal_writer_delay = 10s\nwal_writer_flush_after = 1GB\nautovacuum = off\n"
	  . "max_worker_processes = 0\n");
$node->start;

my $dir = PostgreSQL::Test::Utils::tempdir;
write_migration($dir, sprintf('%03d_t.sql', $_), "CREATE TABLE t$_ (id int);\nINSERT INTO t$_ VALUES ($_);\n")
  for 1 .. $count;

# PostgreSQL 18 moved pg_stat_wal's counts of WAL writes and flushes to
# pg_stat_io (object "wal").
my $wal_syncs_sql =
  $node->pg_version >= 18
  ? "SELECT coalesce(sum(fsyncs), 0) FROM pg_stat_io WHERE object = 'wal'"
  : 'SELECT wal_sync FROM pg_stat_wal';

# The cluster's WAL flushes so far, once every backend has reported them
# (a backend reports its statistics when it exits, after it leaves
# pg_stat_activity): read until two readings agree.
sub wal_syncs
{
	my $last = -1;
	for (1 .. 50)
	{
		my $now = $node->safe_psql('postgres', $wal_syncs_sql);
		return $now if $now == $last;
		$last = $now;
		sleep(0.3);
	}
	return $last;
}

# Flushes during one "up" of the whole directory into a fresh database.
sub syncs_of_run
{
	my ($db, @args) = @_;
	fresh_database($node, $db);
	$node->safe_psql($db, 'CREATE EXTENSION pg_migrate');
	my $before = wal_syncs();
	my ($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir, @args);
	is($rc, 0, "up @args exits 0") or diag($out . $err);
	return wal_syncs() - $before;
}

my $deferred = syncs_of_run('deferred');
cmp_ok($deferred, '<', $count / 2, "$count migrations flush the WAL far fewer times than they commit ($deferred)");
my $each = syncs_of_run('each', '--durable-each');
cmp_ok($each, '>=', $count, "--durable-each flushes at every commit ($each)");

# Everything the run wrote is flushed when the client exits, whether the run
# succeeded or stopped at a failure (the migrations before it are durable
# before the client reports them).  Nothing else writes WAL here meanwhile.
sub all_flushed
{
	my ($db) = @_;
	return $node->safe_psql($db, 'SELECT pg_current_wal_flush_lsn() >= pg_current_wal_insert_lsn()');
}

fresh_database($node, 'success');
my ($rc, $out, $err) = run_client($node, 'success', 'up', '--dir', $dir);
is($rc, 0, 'the run succeeds') or diag($out . $err);
is(all_flushed('success'), 't', 'when it exits, the WAL of every migration it applied is flushed');

my $failing = PostgreSQL::Test::Utils::tempdir;
write_migration($failing, sprintf('%03d_t.sql', $_),
	$_ == 41 ? "CREATE TABLE t$_ (id int);\nSELECT 1 / 0;\n" : "CREATE TABLE t$_ (id int);\n")
  for 1 .. $count;
fresh_database($node, 'failure');
($rc, $out, $err) = run_client($node, 'failure', 'up', '--dir', $failing);
is($rc, 1, 'a run stops at migration 041');
like($err, qr/40 migrations were applied before it/, 'it reports the 40 before it applied');
is(all_flushed('failure'), 't', 'when it exits, the WAL of the 40 is flushed');
is($node->safe_psql('failure', 'SELECT count(*) FROM migrate.ledger'), 40, 'the 40 are recorded');

# Synchronous standbys configured: a local flush would not be enough, so
# every commit waits as configured ("local" here: there is no standby).
$node->append_conf('postgresql.conf',
	"synchronous_standby_names = 'nobody'\nsynchronous_commit = local\n");
$node->reload;
my $with_standbys = syncs_of_run('standbys');
cmp_ok($with_standbys, '>=', $count,
	"with synchronous_standby_names set, every commit is flushed ($with_standbys)");

$node->stop;
done_testing();
