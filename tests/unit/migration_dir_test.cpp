#include "migration_dir.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "checksum.hpp"

namespace fs = std::filesystem;
using namespace pgm::client;

namespace {

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = fs::temp_directory_path() / ("pgm_scan_" + std::to_string(rd()));
        fs::create_directories(path_);
    }
    ~TempDir() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }
    void write(const std::string& relative, const std::string& content) const {
        const fs::path file = path_ / relative;
        fs::create_directories(file.parent_path());
        std::ofstream(file, std::ios::binary) << content;
    }

private:
    fs::path path_;
};

std::string problems_of(const ScanResult& r) {
    std::string out;
    for (const auto& p : r.problems) out += p.file.filename().string() + ": " + p.message + "\n";
    return out;
}

}  // namespace

TEST(ScanDirectory, PlainNumbersAndTimestampsInNaturalOrder) {
    TempDir d;
    d.write("10_ten.sql", "CREATE TABLE ten ();");
    d.write("2_two.sql", "CREATE TABLE two ();");
    d.write("001_one.sql", "CREATE TABLE one ();");
    d.write("README.md", "not a migration");
    d.write(".gitkeep", "");
    const auto r = scan_directory(d.path());
    EXPECT_EQ(problems_of(r), "");
    EXPECT_EQ(r.layout, Layout::Plain);
    ASSERT_EQ(r.migrations.size(), 3u);
    EXPECT_EQ(r.migrations[0].version, "001");
    EXPECT_EQ(r.migrations[0].name, "one");
    EXPECT_EQ(r.migrations[1].version, "2");
    EXPECT_EQ(r.migrations[2].version, "10");
    EXPECT_EQ(r.migrations[0].checksum, pgm::core::script_checksum("CREATE TABLE one ();"));
}

TEST(ScanDirectory, DbmateSectionsChecksumTheUpScript) {
    TempDir d;
    d.write("20240101120000_init.sql", "-- migrate:up\nCREATE TABLE t ();\n-- migrate:down\nDROP TABLE t;\n");
    const auto r = scan_directory(d.path());
    ASSERT_EQ(problems_of(r), "");
    ASSERT_EQ(r.migrations.size(), 1u);
    EXPECT_TRUE(r.migrations[0].sections);
    EXPECT_TRUE(r.migrations[0].has_down);
    EXPECT_EQ(r.migrations[0].checksum, pgm::core::script_checksum("CREATE TABLE t ();\n"));
    const auto scripts = load_scripts(r.migrations[0]);
    EXPECT_EQ(scripts.up, "CREATE TABLE t ();\n");
    EXPECT_EQ(*scripts.down, "DROP TABLE t;\n");
    EXPECT_EQ(scripts.up_first_line, 2);
}

// A file saved with a UTF-8 byte-order mark is the same migration as
// without it (psql skips the mark too).
TEST(ScanDirectory, ByteOrderMarkIsSkipped) {
    TempDir plain;
    plain.write("001_bom.sql", "\xEF\xBB\xBF" "CREATE TABLE t ();\n");
    const auto p = scan_directory(plain.path());
    ASSERT_EQ(problems_of(p), "");
    EXPECT_FALSE(p.migrations[0].sections);
    EXPECT_EQ(p.migrations[0].checksum, pgm::core::script_checksum("CREATE TABLE t ();\n"));
    EXPECT_EQ(load_scripts(p.migrations[0]).up, "CREATE TABLE t ();\n");
}

TEST(ScanDirectory, GolangMigratePairs) {
    TempDir d;
    d.write("1_init.up.sql", "CREATE TABLE t ();");
    d.write("1_init.down.sql", "DROP TABLE t;");
    d.write("2_more.up.sql", "CREATE TABLE u ();");
    d.write("2_more.down.sql", "");  // an empty down is "no down script"
    const auto r = scan_directory(d.path());
    ASSERT_EQ(problems_of(r), "");
    EXPECT_EQ(r.layout, Layout::GolangMigrate);
    ASSERT_EQ(r.migrations.size(), 2u);
    EXPECT_TRUE(r.migrations[0].has_down);
    EXPECT_FALSE(r.migrations[1].has_down);
    EXPECT_EQ(*load_scripts(r.migrations[0]).down, "DROP TABLE t;");
}

TEST(ScanDirectory, Flyway) {
    TempDir d;
    d.write("V1__init.sql", "CREATE TABLE t ();");
    d.write("V1_1__add.sql", "ALTER TABLE t ADD c int;");
    d.write("V2__next.sql", "SELECT 1;");
    d.write("U2__next.sql", "SELECT 2;");
    d.write("R__views.sql", "CREATE OR REPLACE VIEW v AS SELECT 1;");
    const auto r = scan_directory(d.path());
    ASSERT_EQ(problems_of(r), "");
    EXPECT_EQ(r.layout, Layout::Flyway);
    ASSERT_EQ(r.migrations.size(), 4u);
    EXPECT_EQ(r.migrations[0].version, "1");
    EXPECT_EQ(r.migrations[1].version, "1.1");
    EXPECT_EQ(r.migrations[2].version, "2");
    EXPECT_TRUE(r.migrations[2].has_down);
    EXPECT_TRUE(r.migrations[3].repeatable);
    EXPECT_EQ(r.migrations[3].name, "views");
}

TEST(ScanDirectory, DieselVersionsDropDashesAndSortAfterPlainTimestamps) {
    TempDir d;
    d.write("2017-08-31-230457_x/up.sql", "CREATE TABLE x ();");
    d.write("2017-08-31-230457_x/down.sql", "DROP TABLE x;");
    d.write("20170102131034_y/up.sql", "CREATE TABLE y ();");
    d.write("20170102131034_y/down.sql", "DROP TABLE y;");
    d.write("20170102131034_y/metadata.toml", "run_in_transaction = false # needed for CIC\n");
    d.write("00000000000000_diesel_initial_setup/up.sql", "SELECT 1;");
    const auto r = scan_directory(d.path());
    ASSERT_EQ(problems_of(r), "");
    EXPECT_EQ(r.layout, Layout::Diesel);
    ASSERT_EQ(r.migrations.size(), 3u);
    EXPECT_EQ(r.migrations[0].version, "00000000000000");
    EXPECT_EQ(r.migrations[1].version, "20170102131034");
    EXPECT_TRUE(r.migrations[1].no_transaction);
    EXPECT_EQ(r.migrations[2].version, "20170831230457");
    EXPECT_EQ(r.migrations[2].name, "x");
    EXPECT_FALSE(r.migrations[2].no_transaction);
}

TEST(ScanDirectory, Prisma) {
    TempDir d;
    d.write("20210101120000_init/migration.sql", "CREATE TABLE a ();");
    d.write("20210202120000_more/migration.sql", "CREATE TABLE b ();");
    d.write("migration_lock.toml", "provider = \"postgresql\"\n");
    const auto r = scan_directory(d.path());
    ASSERT_EQ(problems_of(r), "");
    EXPECT_EQ(r.layout, Layout::Prisma);
    ASSERT_EQ(r.migrations.size(), 2u);
    EXPECT_EQ(r.migrations[1].version, "20210202120000");
}

// Diesel ignores a .sql file beside its folders (a real history keeps a data
// file there): it is listed as ignored, not refused, and is no migration.
TEST(ScanDirectory, LooseSqlFileBesideDieselFoldersIsIgnored) {
    TempDir d;
    d.write("2019-01-01-120000_init/up.sql", "CREATE TABLE a ();");
    d.write("2019-01-01-120000_init/down.sql", "DROP TABLE a;");
    d.write("data.sql", "INSERT INTO a DEFAULT VALUES;");
    const auto r = scan_directory(d.path());
    EXPECT_EQ(problems_of(r), "");
    EXPECT_EQ(r.layout, Layout::Diesel);
    ASSERT_EQ(r.migrations.size(), 1u);
    EXPECT_EQ(r.migrations[0].version, "20190101120000");
    ASSERT_EQ(r.ignored.size(), 1u);
    EXPECT_EQ(r.ignored[0].filename(), "data.sql");
}

TEST(ScanDirectory, LooseSqlFileBesidePrismaFoldersIsIgnored) {
    TempDir d;
    d.write("20210101120000_init/migration.sql", "CREATE TABLE a ();");
    d.write("migration_lock.toml", "provider = \"postgresql\"\n");
    d.write("seed.sql", "INSERT INTO a DEFAULT VALUES;");
    const auto r = scan_directory(d.path());
    EXPECT_EQ(problems_of(r), "");
    EXPECT_EQ(r.layout, Layout::Prisma);
    ASSERT_EQ(r.migrations.size(), 1u);
    ASSERT_EQ(r.ignored.size(), 1u);
    EXPECT_EQ(r.ignored[0].filename(), "seed.sql");
}

// In a file layout an unfit .sql name is where a typo hides: still an error,
// and never listed as ignored.  So is one in a directory with no migrations.
TEST(ScanDirectory, UnfitSqlFileInAFileLayoutIsStillAProblem) {
    TempDir d;
    d.write("001_a.sql", "SELECT 1;");
    d.write("002-typo.sql", "SELECT 2;");
    const auto r = scan_directory(d.path());
    EXPECT_NE(problems_of(r).find("002-typo.sql: the name fits no migration layout"), std::string::npos)
        << problems_of(r);
    EXPECT_TRUE(r.ignored.empty());

    TempDir alone;
    alone.write("data.sql", "SELECT 1;");
    const auto a = scan_directory(alone.path());
    EXPECT_NE(problems_of(a).find("data.sql: the name fits no migration layout"), std::string::npos)
        << problems_of(a);
    EXPECT_TRUE(a.ignored.empty());
}

// A file that fits a file layout beside Diesel folders is a migration of
// another layout: the directory mixes layouts, as before.
TEST(ScanDirectory, MigrationFileBesideDieselFoldersStillMixesLayouts) {
    TempDir d;
    d.write("2019-01-01-120000_init/up.sql", "CREATE TABLE a ();");
    d.write("002_more.sql", "SELECT 2;");
    d.write("data.sql", "SELECT 3;");
    const auto r = scan_directory(d.path());
    EXPECT_NE(problems_of(r).find("mixes migration layouts: plain, diesel"), std::string::npos)
        << problems_of(r);
    EXPECT_NE(problems_of(r).find("data.sql: the name fits no migration layout"), std::string::npos)
        << problems_of(r);
}

TEST(ScanDirectory, BadInputsAreReportedByFile) {
    TempDir d;
    d.write("001_a.sql", "SELECT 1;");
    d.write("1_again.sql", "SELECT 2;");          // same version as 001
    d.write("003_latin1.sql", "SELECT 'caf\xe9';");
    d.write("notes.sql", "SELECT 3;");            // fits no layout
    d.write("004_bad.sql", "-- migrate:up\nSELECT 1;\n-- migrate:up\n");
    d.write("005_nul.sql", std::string("SELECT 1;\nSELECT 2;\n\0SELECT 3;", 29));
    const auto r = scan_directory(d.path());
    const std::string p = problems_of(r);
    EXPECT_NE(p.find("1_again.sql: version 1 is also used by"), std::string::npos) << p;
    EXPECT_NE(p.find("003_latin1.sql: not valid UTF-8 at line 1 (byte offset 11)"), std::string::npos) << p;
    EXPECT_NE(p.find("005_nul.sql: contains a NUL byte at line 3 (byte offset 20)"), std::string::npos) << p;
    EXPECT_NE(p.find("notes.sql: the name fits no migration layout"), std::string::npos) << p;
    EXPECT_NE(p.find("004_bad.sql: line 3: section \"up\" appears twice"), std::string::npos) << p;
}

// Placeholders that keep version numbers dense: the server records them as
// no-ops, so the scan does not refuse them.
TEST(ScanDirectory, MigrationsWithoutStatementsAreNoProblem) {
    TempDir d;
    d.write("001_a.sql", "SELECT 1;");
    d.write("002_empty.sql", "  \n\n");
    d.write("003_placeholder.sql", "-- Replaced by 005_x.sql\n");
    const auto r = scan_directory(d.path());
    EXPECT_EQ(problems_of(r), "");
    EXPECT_EQ(r.migrations.size(), 3u);
}

TEST(ScanDirectory, MixedLayoutsAreRefused) {
    TempDir d;
    d.write("001_a.sql", "SELECT 1;");
    d.write("V2__b.sql", "SELECT 2;");
    const auto r = scan_directory(d.path());
    EXPECT_NE(problems_of(r).find("mixes migration layouts"), std::string::npos);
}

TEST(ScanDirectory, MissingDirectoryAndUnreadableFile) {
    EXPECT_NE(problems_of(scan_directory("/nonexistent/pgm")).find("not a directory"), std::string::npos);
    TempDir d;
    d.write("001_a.sql", "SELECT 1;");
    // A dangling link cannot be read, not even by root (CI runs as root).
    fs::create_symlink(d.path() / "gone.sql.target", d.path() / "002_b.sql");
    const auto r = scan_directory(d.path());
    EXPECT_NE(problems_of(r).find("002_b.sql: cannot read"), std::string::npos) << problems_of(r);
}

TEST(LoadScripts, DetectsAFileChangedSinceTheScan) {
    TempDir d;
    d.write("001_a.sql", "SELECT 1;");
    const auto r = scan_directory(d.path());
    d.write("001_a.sql", "SELECT 2;");
    EXPECT_THROW(load_scripts(r.migrations[0]), std::runtime_error);
}
