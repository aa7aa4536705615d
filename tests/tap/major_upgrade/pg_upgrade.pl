# A real major upgrade keeps the ledger: a database migrated on an older
# major (PGM_OLD_INSTALL, e.g. Debian's PostgreSQL 15) is upgraded with
# pg_upgrade to the major under test.  Afterwards the ledger and DDL log are
# the same rows, the hash chain verifies, migrate_verify() is clean (the
# schema snapshot taken by the old major matches the new major's description
# of the same schema), and the client applies a new migration.
#
# Run by ctest (pg_upgrade) when the build was configured with
# PGM_UPGRADE_FROM_PG_CONFIG; both majors need pg_migrate installed.
use strict;
use warnings;
use PostgreSQL::Test::Cluster;
use PostgreSQL::Test::Utils;
use Test::More;
use PgMigrateTest;

my $old_install = $ENV{PGM_OLD_INSTALL}
  or die "PGM_OLD_INSTALL (the older major's installation) is not set";

# Debian's 15.20 stores an attribute option of its own, pg_attver, on every
# column it creates; 18.6 does not know it, so pg_upgrade's restore fails on
# the first table ("unrecognized parameter"), with or without pg_migrate.
# RESET does not remove it: the catalog rows are cleared in every database
# (README, "Upgrading PostgreSQL").
sub forget_attribute_versions
{
	my ($node) = @_;
	my @databases = split /\n/,
	  $node->safe_psql('postgres', 'SELECT datname FROM pg_database WHERE datallowconn');
	for my $db (@databases)
	{
		my $cleared = $node->safe_psql(
			$db, q{
			WITH cleared AS (
			    UPDATE pg_attribute
			       SET attoptions = NULLIF(ARRAY(SELECT o FROM unnest(attoptions) AS o
			                                      WHERE o NOT LIKE 'pg_attver=%'), '{}')
			     WHERE attoptions::text LIKE '%pg_attver=%' RETURNING 1)
			SELECT count(*) FROM cleared});
		note "$db: pg_attver cleared from $cleared columns" if $cleared > 0;
	}
	return;
}

my $old = PostgreSQL::Test::Cluster->new('old', install_path => $old_install);
my $new = PostgreSQL::Test::Cluster->new('new');
note 'from PostgreSQL ' . $old->pg_version . ' to ' . $new->pg_version;
ok($old->pg_version < $new->pg_version, 'the old major is older');

$old->init;
$old->start;

# A history that touches what the schema description reads: tables with
# NOT NULL, CHECK, foreign keys, identity and defaults, partitions, indexes,
# views, functions, triggers, sequences, types, policies, comments, grants.
my $dir = PostgreSQL::Test::Utils::tempdir;
write_migration($dir, '001_schema.sql', <<'SQL');
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN positive AS integer CHECK (VALUE > 0);
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email text NOT NULL UNIQUE,
    balance numeric(12, 2) NOT NULL DEFAULT 0 CHECK (balance >= 0),
    feeling mood,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE payments (
    id bigserial,
    account_id bigint NOT NULL REFERENCES accounts ON DELETE CASCADE,
    amount positive NOT NULL,
    paid_on date NOT NULL,
    PRIMARY KEY (id, paid_on)
) PARTITION BY RANGE (paid_on);
CREATE TABLE payments_2026 PARTITION OF payments FOR VALUES FROM ('2026-01-01') TO ('2027-01-01');
CREATE INDEX payments_account_idx ON payments (account_id, paid_on DESC);
CREATE INDEX accounts_lower_email ON accounts (lower(email)) WHERE balance > 0;
COMMENT ON TABLE accounts IS 'who pays';
SQL
write_migration($dir, '002_logic.sql', <<'SQL');
CREATE FUNCTION total_paid(account bigint) RETURNS numeric
    LANGUAGE sql STABLE
    BEGIN ATOMIC
        SELECT coalesce(sum(amount), 0) FROM payments WHERE account_id = account;
    END;
CREATE VIEW account_totals AS
    SELECT a.id, a.email, total_paid(a.id) AS paid, CASE WHEN a.balance > 100 THEN 'high' ELSE 'low' END AS band
      FROM accounts a WHERE a.email LIKE '%@%';
CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.created := now();
    RETURN NEW;
END $$;
CREATE TRIGGER accounts_touch BEFORE UPDATE ON accounts FOR EACH ROW EXECUTE FUNCTION touch();
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
CREATE POLICY own_rows ON accounts USING (email = current_user);
CREATE SEQUENCE invoice_numbers START 1000 INCREMENT 10;
CREATE ROLE reader NOLOGIN;
GRANT SELECT ON account_totals TO reader;
INSERT INTO accounts (email, balance) VALUES ('a@example.com', 120), ('b@example.com', 5);
INSERT INTO payments (account_id, amount, paid_on) VALUES (1, 10, '2026-03-01'), (2, 3, '2026-04-01');
SQL

my ($rc, $out, $err) = run_client($old, 'postgres', 'up', '--dir', $dir);
is($rc, 0, 'the history applies on the old major') or diag($out . $err);
is(ledger_of($old, 'postgres'), '001:applied,002:applied', 'the old ledger');
my $verify_sql = "SELECT count(*) FILTER (WHERE NOT ok) || ' ' || "
  . "coalesce(string_agg(check_name || ': ' || coalesce(object, '') || ' ' || coalesce(detail, ''), '; ') "
  . "FILTER (WHERE NOT ok), '') FROM migrate_verify()";
is($old->safe_psql('postgres', $verify_sql), '0 ', 'migrate_verify is clean before the upgrade');

my $rows_sql = "SELECT (SELECT string_agg(id || ':' || version || ':' || hash, ',' ORDER BY id) FROM migrate.ledger)"
  . " || ' / ' || (SELECT count(*) FROM migrate.ddl_log)";
my $rows_before = $old->safe_psql('postgres', $rows_sql);
forget_attribute_versions($old);
$old->stop;

# The new cluster as pg_upgrade wants it: empty, not running, and (18
# enables data checksums by default) with the old cluster's checksum setting.
$new->init(extra => ['--no-data-checksums']);
my $old_bindir = "$old_install/bin";
my $new_bindir = $new->config_data('--bindir');
command_ok(
	[
		'pg_upgrade', '--no-sync',
		'--old-datadir' => $old->data_dir,
		'--new-datadir' => $new->data_dir,
		'--old-bindir' => $old_bindir,
		'--new-bindir' => $new_bindir,
		'--socketdir' => $new->host,
		'--old-port' => $old->port,
		'--new-port' => $new->port,
	],
	'pg_upgrade runs');
# pg_upgrade keeps its logs in the new data directory only on failure.
if (-d $new->data_dir . '/pg_upgrade_output.d')
{
	diag("$_:\n" . slurp_file($_))
	  for glob($new->data_dir . '/pg_upgrade_output.d/*/log/*.log');
	BAIL_OUT('pg_upgrade failed');
}
$new->start;

is($new->safe_psql('postgres', $rows_sql), $rows_before, 'the ledger and DDL log rows are kept');
is($new->safe_psql('postgres', $verify_sql), '0 ',
	'migrate_verify is clean after the upgrade (hash chain, DDL log, schema snapshot)');
($rc, $out, $err) = run_client($new, 'postgres', 'verify');
is($rc, 0, 'pg_migrate verify exits 0 after the upgrade') or diag($out . $err);

write_migration($dir, '003_after.sql', <<'SQL');
ALTER TABLE accounts ADD COLUMN nickname text;
CREATE INDEX accounts_created_idx ON accounts (created);
SQL
($rc, $out, $err) = run_client($new, 'postgres', 'up', '--dir', $dir);
is($rc, 0, 'a new migration applies on the new major') or diag($out . $err);
is(ledger_of($new, 'postgres'), '001:applied,002:applied,003:applied', 'the ledger goes on');
is($new->safe_psql('postgres', $verify_sql), '0 ', 'migrate_verify is clean after the new migration');
is( $new->safe_psql(
		'postgres', "SELECT count(*) FROM migrate.ddl_log WHERE version = '003'"),
	'2',
	'the new migration\'s DDL is attributed to it');

$new->stop;
done_testing();
