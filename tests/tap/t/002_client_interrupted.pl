# A deploy interrupted at the worst moment: the applying backend terminated,
# the client killed with SIGKILL, the server stopped with an immediate
# shutdown (a crash).  After each, the ledger matches the schema exactly (a
# transactional migration left nothing, a non-transactional one says exactly
# which statement it reached), migrate_verify() is clean once the migration is
# finished, and the next `up` completes.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PgMigrateTest;

my $node = PostgreSQL::Test::Cluster->new('interrupted');
$node->init;
# A backend notices a vanished client within 200 ms even while it sleeps;
# without it the killed client's transaction would only end with pg_sleep.
$node->append_conf('postgresql.conf', "client_connection_check_interval = 200ms\n");
$node->start;

# The long migrations wait in pg_sleep(pause.seconds): the tests set the pause
# to an hour to interrupt them, then to zero for the run that completes them,
# so the files never change.
my $dir = PostgreSQL::Test::Utils::tempdir;
write_migration($dir, '001_pause.sql',
	"CREATE TABLE pause (seconds float8);\nINSERT INTO pause VALUES (3600);\nCREATE TABLE t (id int);\n");
write_migration($dir, '002_half.sql',
	"CREATE TABLE half (id int);\nINSERT INTO half SELECT generate_series(1, 1000);\nSELECT pg_sleep(seconds) FROM pause;\nCREATE TABLE half_done (id int);\n");
write_migration($dir, '003_after.sql', "CREATE TABLE after_half (id int);\n");

my $sleeping = "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE wait_event = 'PgSleep')";
my $applier_gone =
  "SELECT NOT EXISTS (SELECT 1 FROM pg_stat_activity WHERE query LIKE '%migrate_%' AND pid <> pg_backend_pid())";

sub nothing_of_002
{
	my ($db, $how) = @_;
	is(ledger_of($node, $db), '001:applied', "$how: only 001 in the ledger");
	is($node->safe_psql($db, "SELECT to_regclass('half') IS NULL AND to_regclass('half_done') IS NULL"),
		't', "$how: nothing of 002 exists");
	is($node->safe_psql($db, 'SELECT count(*) FROM migrate.progress'), '0', "$how: no progress row left");
}

sub completes
{
	my ($db, $how) = @_;
	$node->safe_psql($db, 'UPDATE pause SET seconds = 0');
	my ($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir);
	is($rc, 0, "$how: the next up completes") or diag($out . $err);
	like(ledger_of($node, $db), qr/^001:applied,002:applied,003:applied/, "$how: every migration applied once");
	($rc, $out, $err) = run_client($node, $db, 'verify');
	is($rc, 0, "$how: migrate_verify() is clean") or diag($out . $err);
}

# Applies 001, then starts an up that will sleep inside 002.
sub start_sleeping_up
{
	my ($db) = @_;
	fresh_database($node, $db);
	my ($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir, '--to', '001');
	die "001 failed: $out$err" if $rc != 0;
	my @client = start_client($node, $db, 'up', '--dir', $dir);
	$node->poll_query_until($db, $sleeping) or die "002 never reached its pg_sleep";
	return @client;
}

# --- the applying backend terminated -----------------------------------------
{
	my ($h, $out, $err) = start_sleeping_up('terminated');
	$node->safe_psql('terminated',
		"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'");
	$h->finish;
	is($? >> 8, 1, 'terminated backend: the client exits 1');
	like($$out . $$err, qr/terminat|connection/i, 'terminated backend: the client says the connection was lost');
	nothing_of_002('terminated', 'terminated backend');
	completes('terminated', 'terminated backend');
}

# --- the client killed ------------------------------------------------------
{
	my ($h, $out, $err) = start_sleeping_up('killed');
	$h->signal('KILL');
	$h->finish;
	$node->poll_query_until('killed', $applier_gone) or die "the killed client's backend never ended";
	nothing_of_002('killed', 'killed client');
	completes('killed', 'killed client');
}

# --- the server crashes during a transactional migration ---------------------
{
	my ($h, $out, $err) = start_sleeping_up('crashed');
	$node->stop('immediate');
	$h->finish;
	is($? >> 8, 1, 'crash: the client exits 1');
	$node->start;
	nothing_of_002('crashed', 'crash in a transactional migration');
	completes('crashed', 'crash in a transactional migration');
}

# --- the server crashes during a run of several migrations -------------------
# Each migration commits with its ledger row: whatever the crash left, the
# ledger and the schema agree migration by migration.
{
	my $db = fresh_database($node, 'crashed_run');
	$node->safe_psql($db, 'CREATE TABLE pause_ctl (seconds float8); INSERT INTO pause_ctl VALUES (3600)');
	my $run = PostgreSQL::Test::Utils::tempdir;
	write_migration($run, sprintf('%03d_t.sql', $_), "CREATE TABLE t$_ (id int);\nINSERT INTO t$_ VALUES ($_);\n")
	  for 1 .. 20;
	write_migration($run, '021_sleep.sql', "CREATE TABLE slept (id int);\nSELECT pg_sleep(seconds) FROM pause_ctl;\n");
	write_migration($run, '022_after.sql', "CREATE TABLE after_sleep (id int);\n");
	my ($h, $out, $err) = start_client($node, $db, 'up', '--dir', $run);
	$node->poll_query_until($db, $sleeping) or die "021 never reached its pg_sleep";
	$node->stop('immediate');
	$h->finish;
	is($? >> 8, 1, 'crash in a run: the client exits 1');
	$node->start;
	my $whole = $node->safe_psql($db,
		"SELECT count(*) FROM generate_series(1, 20) AS i "
		  . "WHERE (to_regclass('t' || i) IS NOT NULL) <> EXISTS (SELECT FROM migrate.ledger AS l "
		  . "WHERE l.version = pg_catalog.lpad(i::text, 3, '0') AND l.status = 'applied')");
	is($whole, '0', 'crash in a run: each migration is in the ledger exactly when its table exists');
	is($node->safe_psql($db, "SELECT to_regclass('slept') IS NULL AND NOT EXISTS (SELECT FROM migrate.ledger WHERE version = '021')"),
		't', 'crash in a run: nothing of the migration that was running');
	$node->safe_psql($db, 'UPDATE pause_ctl SET seconds = 0');
	my ($rc, $rout, $rerr) = run_client($node, $db, 'up', '--dir', $run);
	is($rc, 0, 'crash in a run: the next up completes') or diag($rout . $rerr);
	is($node->safe_psql($db, "SELECT count(DISTINCT version), count(*) FROM migrate.ledger"),
		'22|22', 'crash in a run: every migration applied exactly once');
	($rc, $rout, $rerr) = run_client($node, $db, 'verify');
	is($rc, 0, 'crash in a run: migrate_verify() is clean') or diag($rout . $rerr);
}

# --- the server crashes during a non-transactional migration -----------------
{
	my $db = fresh_database($node, 'crashed_steps');
	my $steps = PostgreSQL::Test::Utils::tempdir;
	write_migration($steps, '001_pause.sql',
		"CREATE TABLE pause (seconds float8);\nINSERT INTO pause VALUES (3600);\nCREATE TABLE t (id int);\n");
	write_migration($steps, '002_indexes.sql',
		"-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY t_a ON t (id);\nSELECT pg_sleep(seconds) FROM pause;\nCREATE INDEX CONCURRENTLY t_b ON t (id);\n");
	write_migration($steps, '003_after.sql', "CREATE TABLE after_steps (id int);\n");
	my ($h, $out, $err) = start_client($node, $db, 'up', '--dir', $steps);
	$node->poll_query_until($db, $sleeping) or die "002 never reached its pg_sleep";
	$node->stop('immediate');
	$h->finish;
	is($? >> 8, 1, 'crash in steps: the client exits 1');
	$node->start;

	is($node->safe_psql($db, 'SELECT version, done, statements FROM migrate.progress'),
		'002|1|3', 'crash in steps: the ledger says statement 1 of 3 was done');
	is(ledger_of($node, $db), '001:applied', 'crash in steps: 002 is not recorded as applied');
	is($node->safe_psql($db, "SELECT to_regclass('t_a') IS NOT NULL AND to_regclass('t_b') IS NULL"),
		't', 'crash in steps: the schema is exactly at statement 1');
	my ($rc, $vout, $verr) = run_client($node, $db, 'verify');
	is($rc, 3, 'crash in steps: verify reports the unfinished migration');
	like($vout, qr/incomplete_migration/, '... by name');

	$node->safe_psql($db, 'UPDATE pause SET seconds = 0');
	($rc, $vout, $verr) = run_client($node, $db, 'up', '--dir', $steps);
	is($rc, 0, 'crash in steps: the next up resumes and completes') or diag($vout . $verr);
	like($vout, qr/resum/i, 'crash in steps: the next up says it resumes');
	is(ledger_of($node, $db), '001:applied,002:applied,003:applied', 'crash in steps: every migration applied once');
	is($node->safe_psql($db,
		"SELECT string_agg(indexrelid::regclass || ':' || indisvalid, ',' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = 't'::regclass"),
		't_a:true,t_b:true', 'crash in steps: each index built once, both valid');
	($rc, $vout, $verr) = run_client($node, $db, 'verify');
	is($rc, 0, 'crash in steps: migrate_verify() is clean afterwards') or diag($vout . $verr);
}

$node->stop;
done_testing();
