# Helpers shared by the TAP tests: run the pg_migrate client against a
# PostgreSQL::Test::Cluster node and write migration directories.
#
# The client binary and the source tree come from the environment that
# tests/run-suite.sh sets (PGM_CLIENT, PGM_SOURCE_DIR).
package PgMigrateTest;

use strict;
use warnings;
use Exporter 'import';
use File::Path qw(make_path);
use File::Basename qw(dirname);
use IPC::Run;
use PostgreSQL::Test::Utils;

our @EXPORT = qw(client run_client start_client write_migration ledger_of
  fresh_database);

# The client binary under test.
sub client
{
	my $path = $ENV{PGM_CLIENT} or die "PGM_CLIENT is not set";
	return $path;
}

# Runs the client to completion: returns (exit code, stdout, stderr).
sub run_client
{
	my ($node, $dbname, @args) = @_;
	my ($out, $err) = ('', '');
	IPC::Run::run([ client(), @args, '-d', $node->connstr($dbname) ],
		'>', \$out, '2>', \$err);
	return ($? >> 8, $out, $err);
}

# Starts the client in the background: returns the IPC::Run harness and
# references to its stdout and stderr (call ->finish on the harness).
sub start_client
{
	my ($node, $dbname, @args) = @_;
	my ($out, $err) = ('', '');
	my $h = IPC::Run::start([ client(), @args, '-d', $node->connstr($dbname) ],
		'>', \$out, '2>', \$err);
	return ($h, \$out, \$err);
}

# Writes one migration file (creating its folders) under $dir.
sub write_migration
{
	my ($dir, $name, $text) = @_;
	my $path = "$dir/$name";
	make_path(dirname($path));
	open my $fh, '>', $path or die "cannot write $path: $!";
	print $fh $text;
	close $fh;
	return $path;
}

# "version:status,..." for every ledger row, oldest first.
sub ledger_of
{
	my ($node, $dbname) = @_;
	return $node->safe_psql($dbname,
		"SELECT coalesce(string_agg(version || ':' || status, ',' ORDER BY id), '') FROM migrate.ledger"
	);
}

# Drops and creates a database; returns its name.
sub fresh_database
{
	my ($node, $dbname) = @_;
	$node->safe_psql('postgres', "DROP DATABASE IF EXISTS $dbname WITH (FORCE)");
	$node->safe_psql('postgres', "CREATE DATABASE $dbname");
	return $dbname;
}

1;
