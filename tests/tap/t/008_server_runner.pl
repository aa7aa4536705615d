# The server's runner (migrate_submit) killed by an immediate shutdown while
# it builds an index, then resumed by the next migrate_wait: the statements
# recorded as done are not run again, the index the killed build left
# INVALID is dropped and built again, and the migration is applied once.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PgMigrateTest;

my $node = PostgreSQL::Test::Cluster->new('server_runner');
$node->init;
# A prepared transaction holds its locks across the crash: the build waits
# for it before and after.
$node->append_conf('postgresql.conf', "max_prepared_transactions = 5\n");
$node->start;
my $db = fresh_database($node, 'runner');
$node->safe_psql($db, q{
	CREATE EXTENSION pg_migrate;
	CREATE TABLE t AS SELECT g AS id, g::text AS v FROM generate_series(1, 100000) g;
	CREATE TABLE done_before (id int);
});
$node->safe_psql($db, q{BEGIN; INSERT INTO t VALUES (0, 'x'); PREPARE TRANSACTION 'hold';});

my $script = "CREATE TABLE u (id int);\nCREATE INDEX CONCURRENTLY t_id ON t (id);\n"
  . "CREATE INDEX CONCURRENTLY t_v ON t (v);\n";
is($node->safe_psql($db, "SELECT status FROM migrate_submit('001', \$m\$$script\$m\$)"),
	'queued', 'submitted: queued at once');

# migrate_wait, called again while it returns "running", as README tells SQL
# users: it returns early when the runner's concurrent index build waits for
# the call's own transaction (a window of milliseconds when the build starts).
sub wait_while_running {
	my ($dbname, $sql, $user) = @_;
	my $out = '';
	for (1 .. 20) {
		my ($rc, $err);
		($rc, $out, $err) = $node->psql($dbname, $sql, $user ? (extra_params => [ '-U', $user ]) : ());
		diag($err) if $rc != 0;
		last unless $out =~ /^running/;
	}
	return $out;
}

# The runner ran statement 1 and waits, in statement 2, for the prepared
# transaction; migrate_status says so.
ok( $node->poll_query_until($db,
		q{SELECT count(*) = 1 FROM migrate_status() WHERE state = 'running' AND name LIKE 'statement 2 of 3 (line 2)%waiting for ShareLock%'}),
	'migrate_status shows the runner on statement 2, waiting for a lock');
is($node->safe_psql($db, q{SELECT indisvalid FROM pg_index WHERE indexrelid = 't_id'::regclass}),
	'f', 'the build has made its index, INVALID so far');
is($node->safe_psql($db, q{SELECT done FROM migrate.progress}), '1', 'statement 1 is recorded as done');

$node->stop('immediate');
$node->start;
$node->safe_psql($db, q{COMMIT PREPARED 'hold'});

is(wait_while_running($db, q{SELECT status || ':' || done FROM migrate_wait('001', timeout => '2 min')}),
	'applied:3', 'migrate_wait resumes the run and returns it applied');
is($node->safe_psql($db, q{SELECT resumes FROM migrate.submissions}), '1', 'the run was resumed once');
is( $node->safe_psql($db,
		q{SELECT string_agg(indexrelid::regclass::text || ':' || indisvalid, ',' ORDER BY 1) FROM pg_index WHERE indrelid = 't'::regclass}),
	't_id:true,t_v:true', 'both indexes built and valid');
is($node->safe_psql($db, q{SELECT count(*) FROM pg_class WHERE relname = 'u'}), '1',
	'statement 1 ran once (its table is there; running it again would have failed)');
is( $node->safe_psql($db,
		q{SELECT string_agg(statement || ':' || command_tag || ':' || object_identity, ',' ORDER BY id) FROM migrate.ddl_log WHERE version = '001'}),
	'1:CREATE TABLE:public.u,2:DROP INDEX:public.t_id,2:CREATE INDEX:public.t_id,3:CREATE INDEX:public.t_v',
	'every change is the migration\'s, the dropped leftover included');
is($node->safe_psql($db, q{SELECT count(*) FROM migrate.ddl_log WHERE version IS NULL AND object_identity <> 'public.done_before' AND object_identity <> 'public.t'}),
	'0', 'nothing out of band');
is($node->safe_psql($db, q{SELECT status || ':' || statements FROM migrate.ledger}), 'applied:3',
	'the ledger has it once');
like(slurp_file($node->logfile), qr/dropping index public\.t_id, left INVALID by the interrupted run of migration 001/,
	'the server log says why the index was dropped');

# A role that owns its database but is no superuser (the "postgres" role of
# managed services) uses all of it once a superuser has created the extension
# and granted it the functions: the client's up with a migration outside a
# transaction, and migrate_submit / migrate_wait from SQL.
$node->safe_psql('postgres', q{CREATE ROLE app_owner LOGIN; CREATE DATABASE appdb OWNER app_owner;});
$node->safe_psql('appdb', q{
	CREATE EXTENSION pg_migrate;
	DO $$ DECLARE f regprocedure; BEGIN
	  FOR f IN SELECT objid::regprocedure FROM pg_depend
	            WHERE refobjid = (SELECT oid FROM pg_extension WHERE extname = 'pg_migrate')
	              AND classid = 'pg_proc'::regclass AND deptype = 'e' LOOP
	    EXECUTE format('GRANT EXECUTE ON ROUTINE %s TO app_owner', f);
	  END LOOP;
	END $$;
});
my $dir = PostgreSQL::Test::Utils::tempdir;
write_migration($dir, '001_orders.sql', "CREATE TABLE orders (id int, customer int);\n");
write_migration($dir, '002_orders_customer.sql',
	"-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY orders_customer ON orders (customer);\n");
my ($o, $e) = ('', '');
IPC::Run::run([ client(), 'up', '--dir', $dir, '-d', $node->connstr('appdb') . ' user=app_owner' ],
	'>', \$o, '2>', \$e);
is($? >> 8, 0, 'the database owner (no superuser) applies a no-transaction migration with the client')
  or diag($o . $e);
is( $node->safe_psql('appdb', q{SELECT string_agg(version || ':' || applied_by, ',' ORDER BY version) FROM migrate.ledger}),
	'001:app_owner,002:app_owner', '... recorded as applied by it');
my ($rc, $out, $err) = $node->psql('appdb',
	q{SELECT status FROM migrate_submit('003', 'CREATE INDEX CONCURRENTLY orders_id ON orders (id)')},
	extra_params => [ '-U', 'app_owner' ]);
is($out, 'queued', '... submits a migration from SQL') or diag($err);
is(wait_while_running('appdb', q{SELECT status FROM migrate_wait('003', timeout => '1 min')}, 'app_owner'),
	'applied', '... and the runner applies it');
is($node->safe_psql('appdb', q{SELECT submitted_by || ':' || applied_by FROM migrate.submissions JOIN migrate.ledger USING (version)}),
	'app_owner:app_owner', '... with its rights');
is($node->safe_psql('appdb', q{SELECT pg_get_userbyid(relowner) FROM pg_class WHERE relname = 'orders_id'}),
	'app_owner', '... the index is the owner\'s');

$node->stop;
done_testing();
