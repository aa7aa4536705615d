# A Citus cluster (a coordinator and two workers on this machine) migrated
# from its coordinator: distributed and reference tables created and altered
# by the client and by migrate_apply, a concurrent index built by the client
# and by the server's runner, every shard on every worker changed with the
# ledger row or not at all (a worker that refuses, a worker killed
# mid-migration), Citus's own propagation kept out of the workers' DDL logs
# while DDL typed on a worker is logged there, and migrate_verify on the
# coordinator finding a shard that differs from its table.
#
# tests/citus_test.sh runs it when Citus is installed for the major
# (scripts/citus.sh).
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PgMigrateTest;
use IPC::Run;

my $db = 'postgres';

sub citus_node {
	my ($name) = @_;
	my $node = PostgreSQL::Test::Cluster->new($name);
	$node->init;
	# Citus connects to the nodes by host name and port: TCP on localhost.
	$node->append_conf('postgresql.conf', qq{
shared_preload_libraries = 'citus'
listen_addresses = 'localhost'
max_prepared_transactions = 50
citus.shard_replication_factor = 1
});
	$node->start;
	$node->safe_psql($db, 'CREATE EXTENSION citus');
	return $node;
}

my $coordinator = citus_node('coordinator');
my @workers = (citus_node('worker1'), citus_node('worker2'));
$coordinator->safe_psql($db, "SELECT citus_set_coordinator_host('localhost', " . $coordinator->port . ')');
$coordinator->safe_psql($db, "SELECT citus_add_node('localhost', " . $_->port . ')') for @workers;
is($coordinator->safe_psql($db, 'SELECT count(*) FROM citus_get_active_worker_nodes()'), '2',
	'a coordinator and two workers');

$coordinator->safe_psql($db, 'CREATE EXTENSION pg_migrate');
is($_->safe_psql($db, q{SELECT extversion IS NOT NULL FROM pg_extension WHERE extname = 'pg_migrate'}),
	't', 'Citus created the extension on ' . $_->name) for @workers;

# On every placement of every shard of $table, the result of $query (%s is the shard).
sub on_shards {
	my ($table, $query) = @_;
	return $coordinator->safe_psql($db,
		"SELECT string_agg(result, ',' ORDER BY shardid, nodeport) FROM run_command_on_placements('$table', \$q\$$query\$q\$)");
}
sub column_on_shards {
	my ($table, $column) = @_;
	return on_shards($table,
		"SELECT count(*) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attname = '$column' AND NOT attisdropped");
}
sub ledger { return ledger_of($coordinator, $db); }
# migrate_wait, called again while it says "running", as README tells SQL
# users: a concurrent build waits for the call's own transaction too, so the
# call can return early.
sub wait_for_runner {
	my ($sql) = @_;
	my $out = '';
	for (1 .. 20) {
		$out = $coordinator->safe_psql($db, $sql);
		last unless $out =~ /^running/;
	}
	return $out;
}
sub up {
	my ($dir) = @_;
	return run_client($coordinator, $db, 'up', '--dir', $dir);
}

my $dir = "$PostgreSQL::Test::Utils::tmp_check/citus_migrations";
write_migration($dir, '001_tenants.sql', q{
CREATE TABLE countries (code text PRIMARY KEY, name text NOT NULL);
SELECT create_reference_table('countries');
CREATE TABLE items (tenant int NOT NULL, id bigint NOT NULL, country text REFERENCES countries (code),
                    name text, PRIMARY KEY (tenant, id));
SELECT create_distributed_table('items', 'tenant', shard_count => 8);
});
write_migration($dir, '002_prices.sql', q{
-- Citus wants one connection per node for DDL mixed with a distributed function.
SET LOCAL citus.multi_shard_modify_mode TO sequential;
ALTER TABLE items ADD COLUMN price numeric;
ALTER TABLE items ADD CONSTRAINT items_price_positive CHECK (price >= 0);
CREATE INDEX items_name ON items (name);
CREATE FUNCTION item_count(t int) RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM items WHERE tenant = t $$;
SELECT create_distributed_function('item_count(int)', 't', colocate_with => 'items');
});
write_migration($dir, '003_price_index.sql', q{-- pg_migrate: no-transaction
CREATE INDEX CONCURRENTLY items_price ON items (price);
});

my ($rc, $out, $err) = up($dir);
is($rc, 0, 'up applies three migrations through the coordinator') or diag($err);
is(ledger(), '001:applied,002:applied,003:applied', 'the ledger has them');
is(column_on_shards('items', 'price'), join(',', ('1') x 8), 'every shard of items has the new column');
is( on_shards('items',
		q{SELECT string_agg(indisvalid::text, '/' ORDER BY indexrelid::regclass::text) FROM pg_index WHERE indrelid = '%s'::regclass AND indexrelid::regclass::text LIKE 'items_%%'}),
	join(',', ('true/true/true') x 8),
	'every shard has the unique, the plain and the concurrent index, valid');
is($coordinator->safe_psql($db, q{SELECT count(*) FROM pg_dist_object WHERE objid = 'item_count(int)'::regprocedure}),
	'1', 'the function is distributed');
is( $coordinator->safe_psql($db,
		q{SELECT string_agg(DISTINCT version, ',') FROM migrate.ddl_log WHERE object_identity IN ('public.items', 'public.items_name', 'public.items_price', 'public.item_count(integer)')}),
	'001,002,003', 'the coordinator logs each change under its migration');
is($_->safe_psql($db, 'SELECT count(*) FROM migrate.ddl_log'), '0',
	'Citus propagating the changes is not logged on ' . $_->name) for @workers;

# migrate_apply in SQL, and the server's runner building an index concurrently.
is( $coordinator->safe_psql($db,
		q{SELECT status FROM migrate_apply('004', $m$ALTER TABLE items ADD COLUMN note text;$m$)}),
	'applied', 'migrate_apply alters the distributed table');
is(column_on_shards('items', 'note'), join(',', ('1') x 8), 'every shard has the column migrate_apply added');
$coordinator->safe_psql($db, q{SELECT migrate_submit('005', $m$-- pg_migrate: no-transaction
CREATE INDEX CONCURRENTLY items_note ON items (note);$m$)});
is(wait_for_runner(q{SELECT status FROM migrate_wait('005', timeout => '2 min')}),
	'applied', 'the server\'s runner builds a concurrent index on the distributed table');
is( on_shards('items',
		q{SELECT count(*) FROM pg_index WHERE indrelid = '%s'::regclass AND indisvalid AND indexrelid::regclass::text LIKE 'items_note%%'}),
	join(',', ('1') x 8), 'every shard has it, valid');

# A worker that refuses: a shard already has the column the migration adds.
my $shard = $coordinator->safe_psql($db,
	q{SELECT shard_name('items'::regclass, shardid) FROM citus_shards WHERE table_name = 'items'::regclass AND nodeport = }
	  . $workers[1]->port . ' ORDER BY shardid LIMIT 1');
$workers[1]->safe_psql($db, "SET citus.enable_manual_changes_to_shards = on; ALTER TABLE $shard ADD COLUMN stock int");
write_migration($dir, '006_stock.sql', q{
ALTER TABLE items ADD COLUMN stock int;
CREATE INDEX items_stock ON items (stock);
});
($rc, $out, $err) = up($dir);
isnt($rc, 0, 'up fails when a worker refuses the change');
like($err, qr/column "stock" of relation "items_\d+" already exists/, 'the error is the worker\'s');
like($err, qr/006_stock\.sql, line 2, statement 1/, 'and names the file, line and statement');
is(ledger(), '001:applied,002:applied,003:applied,004:applied,005:applied', 'no ledger row for 006');
is( $coordinator->safe_psql($db,
		q{SELECT sum(result::int) FROM run_command_on_placements('items', $q$SELECT count(*) FROM pg_attribute WHERE attrelid = '%s'::regclass AND attname = 'stock'$q$)}),
	'1', 'no shard gained the column but the one changed by hand');
is($coordinator->safe_psql($db, q{SELECT count(*) FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'stock'}),
	'0', 'nor did the coordinator\'s table');
like($workers[1]->safe_psql($db, q{SELECT string_agg(command_tag || ' ' || object_identity, ',') FROM migrate.ddl_log WHERE version IS NULL}),
	qr/^ALTER TABLE public\.$shard$/, 'the worker logged the change typed on it as out-of-band');

# migrate_verify on the coordinator finds that shard.
my $verify = $coordinator->safe_psql($db,
	q{SELECT string_agg(object || ' | ' || detail, E'\n') FROM migrate_verify() WHERE check_name = 'citus_shards' AND NOT ok});
my $port = $workers[1]->port;
like($verify, qr/^public\.items shard \d+ on localhost:$port \| public\.$shard differs from public\.items on the coordinator: only on the shard: column stock integer$/,
	'migrate_verify names the shard, its worker and the column only it has');
is( $coordinator->safe_psql($db,
		q{SELECT string_agg(object || ' | ' || detail, E'\n') FROM migrate_verify() WHERE check_name = 'citus_worker_ddl' AND NOT ok}),
	"public.$shard on localhost:$port | changed once on the worker outside migrations since the last migration (the last: ALTER TABLE at "
	  . $workers[1]->safe_psql($db, q{SELECT to_char(max(logged_at), 'YYYY-MM-DD HH24:MI:SSOF') FROM migrate.ddl_log})
	  . ' by postgres)',
	'and citus_worker_ddl reads the change from the worker\'s own log');
$workers[1]->safe_psql($db, "SET citus.enable_manual_changes_to_shards = on; ALTER TABLE $shard DROP COLUMN stock");
is($coordinator->safe_psql($db, q{SELECT ok FROM migrate_verify() WHERE check_name = 'citus_shards'}),
	't', 'once put back, every shard matches');
($rc, $out, $err) = up($dir);
is($rc, 0, 'the next up applies 006') or diag($err);
is(column_on_shards('items', 'stock'), join(',', ('1') x 8), 'on every shard');

# A worker killed mid-migration: nothing changes on any node, the next up completes.
write_migration($dir, '007_sku.sql', q{
SET LOCAL citus.multi_shard_modify_mode TO sequential;
ALTER TABLE items ADD COLUMN sku text;
ALTER TABLE countries ADD COLUMN region text;
SELECT pg_sleep(8);
});
my ($h, $hout, $herr) = start_client($coordinator, $db, 'up', '--dir', $dir);
ok( $coordinator->poll_query_until($db,
		q{SELECT count(*) = 1 FROM pg_stat_activity WHERE query LIKE 'pg_migrate: migration 007, statement 4 of 4%'}),
	'007 has changed the shards and sleeps');
$workers[0]->stop('immediate');
$h->finish;
isnt($? >> 8, 0, 'up fails when a worker dies before the migration commits');
is(ledger(), '001:applied,002:applied,003:applied,004:applied,005:applied,006:applied', 'no ledger row for 007');
my $down_port = $workers[0]->port;
is( $coordinator->safe_psql($db,
		q{SELECT object || ' | ' || detail FROM migrate_verify() WHERE check_name = 'citus_shards' AND NOT ok}),
	"node localhost:$down_port | could not check the shards it holds: failed to connect to localhost:$down_port",
	'migrate_verify while the worker is down: one row for the node it could not ask');
$workers[0]->start;
is(column_on_shards('items', 'sku'), join(',', ('0') x 8), 'no shard of items has the column');
is(column_on_shards('countries', 'region'), join(',', ('0') x 3), 'no placement of the reference table either');
($rc, $out, $err) = up($dir);
is($rc, 0, 'the next up applies 007') or diag($err);
is(column_on_shards('items', 'sku'), join(',', ('1') x 8), 'every shard has the column now');
is($coordinator->safe_psql($db, q{SELECT ok FROM migrate_verify() WHERE check_name = 'citus_shards'}), 't',
	'and migrate_verify finds every shard as its table');

# Safety knows Citus: distributing a table with rows is reported with its
# size; a data-loss count on a distributed table is exact (Citus counts the
# shards' rows).
$coordinator->safe_psql($db, q{
	INSERT INTO countries VALUES ('fr', 'France');
	INSERT INTO items (tenant, id, country, name) SELECT g % 10, g, 'fr', 'item ' || g FROM generate_series(1, 1000) g;
});
write_migration($dir, '008_legacy.sql',
	q{CREATE TABLE legacy AS SELECT g AS id, repeat('x', 200) AS payload FROM generate_series(1, 20000) g;});
($rc, $out, $err) = up($dir);
is($rc, 0, 'up creates a local table with rows') or diag($err);
$coordinator->safe_psql($db, 'ANALYZE legacy');
write_migration($dir, '009_distribute_legacy.sql', q{SELECT create_distributed_table('legacy', 'id');});
($rc, $out, $err) = run_client($coordinator, $db, 'lint', '--dir', $dir, '--json', "$dir/009_distribute_legacy.sql");
like($out, qr/"rule":\s*"distributing-table"/, 'lint reports distributing a table with rows') or diag($err);
like($out, qr/create_distributed_table\(legacy\) copies every row \(\d+ [kM]B on disk\) into its shards on the workers/,
	'with its size on disk');
($rc, $out, $err) = up($dir);
is($rc, 0, 'up distributes it (locking is reported, not refused)') or diag($err);
is($coordinator->safe_psql($db, 'SELECT count(*) FROM legacy'), '20000', 'every row is in its shards');
write_migration($dir, '010_drop_name.sql', q{ALTER TABLE items DROP COLUMN name;});
($rc, $out, $err) = up($dir);
isnt($rc, 0, 'up refuses a migration that drops a distributed table\'s column with values');
like($err, qr/dropping column items\.name would destroy 1,000 values/, 'the count is exact, from the shards');
unlink "$dir/010_drop_name.sql";

# status, verify, down and diff against the coordinator.
($rc, $out, $err) = run_client($coordinator, $db, 'status', '--dir', $dir, '--json');
is($rc, 3, 'status exits 3: 004 and 005 were applied in SQL, their files are not in the directory');
like($out, qr/"version":\s*"009"/, 'status lists the migrations') or diag($out);
($rc, $out, $err) = run_client($coordinator, $db, 'verify');
is($rc, 0, 'verify through the client passes') or diag($out . $err);
like($out, qr/citus_shards/, 'and shows the shards check');
write_migration($dir, '011_color.sql', qq{-- migrate:up\nALTER TABLE items ADD COLUMN color text;\n-- migrate:down\nALTER TABLE items DROP COLUMN color;\n});
($rc, $out, $err) = up($dir);
is($rc, 0, 'up applies a migration with a down section') or diag($err);
is(column_on_shards('items', 'color'), join(',', ('1') x 8), 'every shard has the column');
# down waits for the workers' locks no longer than up does.
my $holder = $workers[1]->background_psql($db);
$holder->query_safe('BEGIN');
$holder->query_safe('SELECT count(*) FROM items');
{
	local $ENV{PGOPTIONS} = '-c migrate.lock_timeout=300ms -c migrate.lock_retries=0';
	($rc, $out, $err) = run_client($coordinator, $db, 'down', '--dir', $dir, '--to', '009');
}
isnt($rc, 0, 'down fails while a session on a worker holds the shards\' lock');
like($err, qr/could not lock relation public\.items or its shards in AccessExclusiveLock within migrate\.lock_timeout \(300 ms\)/,
	'at migrate.lock_timeout, naming the holder') or diag($err);
$holder->query_safe('COMMIT');
$holder->quit;
($rc, $out, $err) = run_client($coordinator, $db, 'down', '--dir', $dir, '--to', '009');
is($rc, 0, 'down reverts it') or diag($err);
is(column_on_shards('items', 'color'), join(',', ('0') x 8), 'on every shard');
unlink "$dir/011_color.sql";
is($_->safe_psql($db, "SELECT count(*) FROM migrate.ddl_log WHERE object_identity NOT LIKE '%$shard%'"), '0',
	'still nothing but the change typed there logged on ' . $_->name) for @workers;
IPC::Run::run([ client(), 'diff', '--db', $coordinator->connstr($db), '--db', $coordinator->connstr($db) ],
	'>', \$out, '2>', \$err);
is($? >> 8, 0, 'diff of the coordinator with itself finds nothing') or diag($out . $err);

# A session on a worker (Citus serves queries from every node) holds a lock
# on the table's shards there: migrate.lock_timeout bounds the wait on the
# worker as it does here, the statement is tried again as a lock here is,
# and the error names the session holding the lock, node by node.
my $blocker = $workers[0]->background_psql($db);
$blocker->query_safe('BEGIN');
$blocker->query_safe('SELECT count(*) FROM items');
my $started = time;
my ($psql_rc, $psql_out, $psql_err) = $coordinator->psql($db,
	q{SET migrate.lock_timeout = '500ms'; SET migrate.lock_retries = 1;
	  SELECT status FROM migrate_apply('012', 'ALTER TABLE items ADD COLUMN w int')});
isnt($psql_rc, 0, 'a migration waiting for a lock on a worker fails');
like($psql_err, qr/waiting for a lock on items or its shards timed out after 500 ms; trying again \(2 of 2\)/,
	'after trying again');
like($psql_err,
	qr/could not lock relation public\.items or its shards in AccessExclusiveLock within migrate\.lock_timeout \(500 ms\), tried 2 times/,
	'at migrate.lock_timeout');
my $port0 = $workers[0]->port;
like($psql_err, qr/Held by:\non localhost:$port0: pid \d+ \(application "[^"]*", transaction open for [^,]*, holds AccessShareLock on items\): SELECT count\(\*\) FROM items/,
	'naming the worker and the session that holds the lock there') or diag($psql_err);
cmp_ok(time - $started, '<', 60, 'without waiting for the blocker');
is($coordinator->safe_psql($db, q{SELECT count(*) FROM migrate.ledger WHERE version = '012'}), '0', 'no ledger row');
$blocker->query_safe('COMMIT');
$blocker->quit;
is($coordinator->safe_psql($db, q{SELECT status FROM migrate_apply('012', 'ALTER TABLE items ADD COLUMN w int')}),
	'applied', 'applied once the worker\'s session is done');
is($coordinator->safe_psql($db, q{SELECT status FROM migrate_apply('013', 'ALTER TABLE items ADD COLUMN w2 int'); SHOW lock_timeout}),
	"applied\n0", 'the session\'s own lock_timeout is untouched after a migration');

# A concurrent build that fails on one shard (a duplicate within one tenant):
# the report says where the index is on each shard, verify names the shard,
# and once the leftover is dropped and the data fixed, the next up builds it.
$coordinator->safe_psql($db, q{
	UPDATE items SET sku = 'sku-' || id::text;
	UPDATE items SET sku = 'twice' WHERE tenant = 5 AND id IN (5, 15);
});
write_migration($dir, '014_unique_sku.sql', qq{-- pg_migrate: no-transaction
CREATE INDEX CONCURRENTLY items_sku ON items (sku);
CREATE UNIQUE INDEX CONCURRENTLY items_tenant_sku ON items (tenant, sku);
});
($rc, $out, $err) = up($dir);
is($rc, 1, 'up stops when the concurrent build fails on a shard');
like($err, qr/statements 1 to 1 are applied and recorded; the next "pg_migrate up" resumes at statement 2/,
	'after the first statement, which stays applied');
like($err, qr/DROP INDEX CONCURRENTLY IF EXISTS items_tenant_sku;/, 'the fix Citus needs (IF EXISTS: not every shard has it)');
like($err, qr/on its 8 shards: \d+ valid, 1 INVALID \(\d+ on localhost:\d+\)(, \d+ not built)?\n/,
	'and where the index is on each shard') or diag($err);
$verify = $coordinator->safe_psql($db,
	q{SELECT string_agg(detail, E'\n') FROM migrate_verify() WHERE check_name = 'citus_shards' AND NOT ok});
like($verify, qr/INVALID on the shard \(a concurrent build that failed there\): index UNIQUE btree \(tenant, sku\)/,
	'migrate_verify names the shard whose build failed');
$coordinator->safe_psql($db, q{DROP INDEX CONCURRENTLY IF EXISTS items_tenant_sku});
$coordinator->safe_psql($db, q{UPDATE items SET sku = 'once' WHERE id = 15});
($rc, $out, $err) = up($dir);
is($rc, 0, 'the next up builds it') or diag($err);
like($out, qr/resumed at statement 2/, 'resuming at the statement that failed') or diag($out);
is($coordinator->safe_psql($db, q{SELECT count(*) FROM migrate.ddl_log WHERE version = '014' AND object_identity = 'public.items_sku'}),
	'1', 'the first statement ran once');
is( on_shards('items',
		q{SELECT count(*) FROM pg_index WHERE indrelid = '%s'::regclass AND indisvalid AND indexrelid::regclass::text LIKE 'items_tenant_sku%%'}),
	join(',', ('1') x 8), 'valid on every shard');

# The server's runner: the same failure reported by migrate_wait.
$coordinator->safe_psql($db, q{UPDATE items SET note = 'twice' WHERE tenant = 5 AND id IN (5, 15)});
$coordinator->safe_psql($db, q{SELECT migrate_submit('015', $m$-- pg_migrate: no-transaction
CREATE UNIQUE INDEX CONCURRENTLY items_tenant_note ON items (tenant, note);$m$)});
like( wait_for_runner(
		q{SELECT status || ':' || coalesce(array_to_string(invalid_indexes, ','), '') || ':' || coalesce(error, '') FROM migrate_wait('015', timeout => '2 min')}),
	qr/^failed:items_tenant_note:could not create unique index "items_tenant_note_\d+"$/,
	'the runner\'s failed build is reported with its INVALID index and the shard it failed on');

$_->stop for ($coordinator, @workers);
done_testing();
