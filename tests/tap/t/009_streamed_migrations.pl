# Streamed migrations (files of 8 MB or more), each with a generated 300 MB
# file: a COPY block loads every row and the ledger keeps the file's checksum
# but not the COPY data; a bad row near the end fails the migration naming
# the file's line of the row and leaves nothing behind; a file of 300 MB of
# INSERTs applies; and the client applies the COPY file with less address
# space than the file's size, so it never holds the file.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use Digest::SHA;
use IPC::Run;
use PgMigrateTest;

# 300 MB of rows (the file ends a few bytes past this).
my $file_bytes = 300 * 1024 * 1024;
my $note = 'x' x 60;

my $node = PostgreSQL::Test::Cluster->new('streamed_migrations');
$node->init;
# Nothing else competes with the loads for the CPU.
$node->append_conf('postgresql.conf', "autovacuum = off\n");
$node->start;

# Writes $path: the $header lines, then lines from $line_of->(n) for
# n = 1, 2, ... until the file holds $file_bytes, in 10,000-line chunks.
# With $bad, a row "oops" goes after them, then 100 more rows (the bad row
# is about 100 rows before the end).  $footer ends the file.
# Returns the number of good rows and the 1-based line of the bad row.
sub write_big
{
	my (%a) = @_;
	open my $fh, '>', $a{path} or die "cannot write $a{path}: $!";
	binmode $fh;
	my $line_of = $a{line_of};
	my $size = length $a{header};
	my $lines = ($a{header} =~ tr/\n//);
	print $fh $a{header} or die "write $a{path}: $!";
	my $n = 0;
	while ($size < $file_bytes)
	{
		my $chunk = '';
		$chunk .= $line_of->(++$n) for 1 .. 10_000;
		$size += length $chunk;
		print $fh $chunk or die "write $a{path}: $!";
	}
	$lines += $n;
	my $bad_line;
	if ($a{bad})
	{
		print $fh $a{bad} or die "write $a{path}: $!";
		$bad_line = ++$lines;
		my $rest = '';
		$rest .= $line_of->(++$n) for 1 .. 100;
		print $fh $rest or die "write $a{path}: $!";
	}
	print $fh $a{footer} or die "write $a{path}: $!";
	close $fh or die "write $a{path}: $!";
	return ($n, $bad_line);
}

# A COPY migration in a directory of its own: returns the directory, the
# file, the number of good rows and the line of the bad row (if any).
sub copy_migration
{
	my ($bad) = @_;
	my $dir = PostgreSQL::Test::Utils::tempdir;
	my $path = "$dir/001_big.sql";
	my ($rows, $bad_line) = write_big(
		path => $path,
		header => "CREATE TABLE big (id int, note text);\nCOPY big (id, note) FROM stdin;\n",
		line_of => sub { "$_[0]\t$note\n" },
		bad => $bad ? "oops\t$note\n" : undef,
		footer => "\\.\n");
	return ($dir, $path, $rows, $bad_line);
}

sub sha256_of_file
{
	my ($path) = @_;
	return Digest::SHA->new(256)->addfile($path, 'b')->hexdigest;
}

# The ledger's row for version 001: checksum, length of script, whether the
# script summarises COPY data, statements.
sub ledger_row
{
	my ($db) = @_;
	return split /\|/,
	  $node->safe_psql($db,
		"SELECT checksum, length(script), script LIKE '%COPY data not kept%', statements "
		  . "FROM migrate.ledger WHERE version = '001'");
}

# 1. A 300 MB COPY: every row loaded, the checksum of the file recorded, the
# COPY data summarised in the ledger's script.
{
	my ($dir, $path, $rows) = copy_migration(0);
	ok(-s $path >= $file_bytes, 'the COPY migration is 300 MB');
	my $db = fresh_database($node, 'copy_good');
	my ($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir);
	is($rc, 0, 'up applies the 300 MB COPY migration') or diag($out . $err);
	is($node->safe_psql($db, 'SELECT count(*) FROM big'), $rows, "all $rows rows loaded");
	is(ledger_of($node, $db), '001:applied', 'the migration is recorded once');
	my ($checksum, $script_length, $summarised, $statements) = ledger_row($db);
	is($checksum, sha256_of_file($path), 'the ledger checksum is the SHA-256 of the file');
	is($summarised, 't', "the ledger's script says the COPY data was not kept");
	cmp_ok($script_length, '<', 10000, "the ledger's script is short ($script_length characters)");
	is($statements, 2, 'two statements: CREATE TABLE and COPY');
	unlink $path or die "unlink $path: $!";
	$node->safe_psql('postgres', "DROP DATABASE $db");
}

# 2. The same with a bad row about 100 rows before the end: the migration
# fails naming the bad row's line in the file, and nothing of it stays.
{
	my ($dir, $path, $rows, $bad_line) = copy_migration(1);
	my $db = fresh_database($node, 'copy_bad');
	my ($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir);
	isnt($rc, 0, 'up fails on the bad row');
	like($err, qr/\bline $bad_line\b/, "the error names the file's line of the bad row ($bad_line)")
	  or diag($err);
	like($err, qr/"oops"/, 'the error shows the bad value');
	is($node->safe_psql($db, "SELECT to_regclass('big') IS NULL"), 't', 'the table big does not exist');
	is($node->safe_psql($db, "SELECT count(*) FROM migrate.ledger WHERE version = '001'"),
		0, 'the ledger has no row for the migration');
	unlink $path or die "unlink $path: $!";
	$node->safe_psql('postgres', "DROP DATABASE $db");
}

# 3. 300 MB of INSERT statements, one a line.
{
	my $dir = PostgreSQL::Test::Utils::tempdir;
	my $path = "$dir/001_ins.sql";
	my ($rows) = write_big(
		path => $path,
		header => "CREATE TABLE ins (id int, note text);\n",
		line_of => sub { "INSERT INTO ins VALUES ($_[0], '$note');\n" },
		footer => '');
	ok(-s $path >= $file_bytes, 'the INSERT migration is 300 MB');
	my $db = fresh_database($node, 'inserts');
	my ($rc, $out, $err) = run_client($node, $db, 'up', '--dir', $dir);
	is($rc, 0, 'up applies the 300 MB INSERT migration') or diag($out . $err);
	is($node->safe_psql($db, 'SELECT count(*) FROM ins'), $rows, "all $rows rows inserted");
	my ($checksum, undef, undef, $statements) = ledger_row($db);
	is($checksum, sha256_of_file($path), 'the ledger checksum is the SHA-256 of the file');
	is($statements, $rows + 1, 'every statement counted');
	unlink $path or die "unlink $path: $!";
	$node->safe_psql('postgres', "DROP DATABASE $db");
}

# 4. The client never holds the file: it applies the COPY migration with its
# address space limited to 300 MB, less than the file alone.
#
# The figure: by hand (PostgreSQL 15, glibc, this build), a one-line
# migration goes through with "ulimit -v" down to 32768 kB and fails at
# 20480 kB ("Resource temporarily unavailable"); the 300 MB COPY file also
# goes through at 32768 kB (peak RSS about 13 MB).  300 MB (307200 kB) is far
# above what the client needs, and a client that read the file into memory
# would need the file's 300 MB on top of its ~30 MB of baseline address space.
my $vm_limit_kb = 307200;

# Runs the client with its address space limited: (exit code, stdout, stderr).
sub run_limited_client
{
	my ($db, @args) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run(
		[
			'bash', '-c', "ulimit -v $vm_limit_kb; exec \"\$0\" \"\$\@\"",
			client(), @args, '-d', $node->connstr($db)
		],
		'>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

{
	# The limit leaves the client enough to run at all.
	my $tiny = PostgreSQL::Test::Utils::tempdir;
	write_migration($tiny, '001_tiny.sql', "CREATE TABLE tiny (id int);\n");
	my $db = fresh_database($node, 'limited_tiny');
	my ($rc, $out, $err) = run_limited_client($db, 'up', '--dir', $tiny);
	is($rc, 0, "a tiny migration goes through with ulimit -v $vm_limit_kb") or diag($out . $err);
	$node->safe_psql('postgres', "DROP DATABASE $db");

	my ($dir, $path, $rows) = copy_migration(0);

	# ... and it does bite: reading the file into memory under it fails.
	my ($slurp_out, $slurp_err) = ('', '');
	IPC::Run::run(
		[
			'bash', '-c', "ulimit -v $vm_limit_kb; exec \"\$0\" \"\$\@\"",
			$^X, '-e', 'open my $f, "<", $ARGV[0] or die; local $/; my $s = <$f>; print length $s', $path
		],
		'>', \$slurp_out, '2>', \$slurp_err);
	isnt($?, 0, 'reading the whole file into memory fails under the same limit')
	  or diag("read $slurp_out bytes");
	note("reading it whole: $slurp_err");

	$db = fresh_database($node, 'limited_copy');
	($rc, $out, $err) = run_limited_client($db, 'up', '--dir', $dir);
	is($rc, 0, "up applies the 300 MB COPY migration with ulimit -v $vm_limit_kb") or diag($out . $err);
	is($node->safe_psql($db, 'SELECT count(*) FROM big'), $rows, "all $rows rows loaded");
	unlink $path or die "unlink $path: $!";
	$node->safe_psql('postgres', "DROP DATABASE $db");
}

$node->stop;
done_testing();
