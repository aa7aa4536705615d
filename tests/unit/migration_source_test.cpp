#include "migration_source.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace pgm::client;

namespace {

// What parse_migration_source says of a malformed file.
std::string error_of(const char* text) {
    try {
        parse_migration_source(text);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "no error";
}

}  // namespace

TEST(MigrationSource, WholeFileWithoutMarkers) {
    auto s = parse_migration_source("CREATE TABLE t ();\n-- a comment\n");
    EXPECT_EQ(s.up, "CREATE TABLE t ();\n-- a comment\n");
    EXPECT_FALSE(s.down);
    EXPECT_FALSE(s.no_transaction);
    EXPECT_EQ(s.up_first_line, 1);
}

TEST(MigrationSource, DbmateSections) {
    auto s = parse_migration_source(
        "-- header comment\n-- migrate:up\nCREATE TABLE t ();\n\n-- migrate:down\nDROP TABLE t;\n"
        "-- migrate:verify\nSELECT to_regclass('t') IS NOT NULL;\n");
    EXPECT_EQ(s.up, "CREATE TABLE t ();\n\n");
    ASSERT_TRUE(s.down);
    EXPECT_EQ(*s.down, "DROP TABLE t;\n");
    ASSERT_TRUE(s.verify);
    EXPECT_EQ(*s.verify, "SELECT to_regclass('t') IS NOT NULL;\n");
    EXPECT_EQ(s.up_first_line, 3);
}

TEST(MigrationSource, CrlfMarkers) {
    auto s = parse_migration_source("-- migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\nSELECT 2;\r\n");
    EXPECT_EQ(s.up, "SELECT 1;\r\n");
    EXPECT_EQ(*s.down, "SELECT 2;\r\n");
}

TEST(MigrationSource, NoTransactionDirectiveAndDbmateOption) {
    EXPECT_TRUE(parse_migration_source("-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n").no_transaction);
    auto s = parse_migration_source("-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (x);\n");
    EXPECT_TRUE(s.no_transaction);
    EXPECT_EQ(s.up, "CREATE INDEX CONCURRENTLY i ON t (x);\n");
}

TEST(MigrationSource, EmptyDownSectionMeansNoDown) {
    auto s = parse_migration_source("-- migrate:up\nSELECT 1;\n-- migrate:down\n\n");
    EXPECT_FALSE(s.down);
}

TEST(MigrationSource, MalformedFilesNameTheLine) {
    EXPECT_EQ(error_of("-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n"), "line 3: section \"up\" appears twice");
    EXPECT_NE(error_of("-- migrate:sideways\n").find("line 1: unknown directive"), std::string::npos);
    EXPECT_NE(error_of("SELECT 0;\n-- migrate:up\nSELECT 1;\n").find("line 1: SQL before the first"), std::string::npos);
    EXPECT_NE(error_of("-- migrate:down\nSELECT 1;\n").find("no \"-- migrate:up\" section"), std::string::npos);
    EXPECT_NE(error_of("-- migrate:up transaction:maybe\n").find("unknown option"), std::string::npos);
}

TEST(Utf8, ValidAndInvalid) {
    EXPECT_TRUE(is_valid_utf8("plain ascii"));
    EXPECT_TRUE(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
    std::size_t at = 0;
    EXPECT_FALSE(is_valid_utf8("ab\xff", &at));
    EXPECT_EQ(at, 2u);
    EXPECT_FALSE(is_valid_utf8("\xc0\xaf"));           // overlong
    EXPECT_FALSE(is_valid_utf8("\xed\xa0\x80"));       // surrogate
    EXPECT_FALSE(is_valid_utf8("\xe2\x82"));           // truncated
    EXPECT_FALSE(is_valid_utf8(std::string("a\0b", 3)));  // NUL: PostgreSQL text cannot hold it
}

TEST(MigrationSource, AllowDirectiveIsReadAndKeptInItsSection) {
    auto s = pgm::client::parse_migration_source("-- migrate:allow data_loss\n-- migrate:up\n-- migrate:allow breaking, locking\nDROP TABLE t;\n");
    EXPECT_EQ(s.allow, (std::set<std::string>{"breaking", "data_loss", "locking"}));
    EXPECT_NE(s.up.find("-- migrate:allow breaking"), std::string::npos);
    auto plain = pgm::client::parse_migration_source("-- migrate:allow data_loss\nTRUNCATE t;\n");
    EXPECT_EQ(plain.allow, (std::set<std::string>{"data_loss"}));
    EXPECT_EQ(plain.up, "-- migrate:allow data_loss\nTRUNCATE t;\n");
    EXPECT_THROW(pgm::client::parse_migration_source("-- migrate:allow everything\nSELECT 1;\n"), std::invalid_argument);
}

// "-- migrate:pulled" is for the server: it stays in the up script.
TEST(MigrationSource, PulledDirectiveStaysInTheUpScript) {
    auto s = pgm::client::parse_migration_source("-- migrate:up\n-- migrate:pulled\nCREATE INDEX i ON t (a);\n-- migrate:down\n");
    EXPECT_EQ(s.up, "-- migrate:pulled\nCREATE INDEX i ON t (a);\n");
    auto plain = pgm::client::parse_migration_source("-- migrate:pulled\nCREATE INDEX i ON t (a);\n");
    EXPECT_EQ(plain.up, "-- migrate:pulled\nCREATE INDEX i ON t (a);\n");
}

// goose (pressly/goose): "-- +goose Up" / "-- +goose Down", any letter case,
// at the start of a line; StatementBegin/End stay in the script as comments.
TEST(MigrationSource, GooseAnnotations) {
    auto s = parse_migration_source(
        "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n"
        "-- +goose StatementEnd\n\n-- +goose Down\nDROP FUNCTION f();\n");
    EXPECT_EQ(s.up,
              "-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n"
              "-- +goose StatementEnd\n\n");
    ASSERT_TRUE(s.down);
    EXPECT_EQ(*s.down, "DROP FUNCTION f();\n");
    EXPECT_EQ(s.up_first_line, 2);
    EXPECT_FALSE(s.no_transaction);

    auto lower = parse_migration_source("-- +goose no transaction\n-- +goose up\nCREATE INDEX CONCURRENTLY i ON t (x);\n");
    EXPECT_TRUE(lower.no_transaction);
    EXPECT_EQ(lower.up, "CREATE INDEX CONCURRENTLY i ON t (x);\n");
    EXPECT_FALSE(lower.down);

    // Indented, goose does not read it as an annotation: neither does pg_migrate.
    auto indented = parse_migration_source("-- +goose Up\nSELECT 1;\n  -- +goose Down\nSELECT 2;\n");
    EXPECT_EQ(indented.up, "SELECT 1;\n  -- +goose Down\nSELECT 2;\n");
}

// rubenv/sql-migrate: "-- +migrate Up [notransaction]" / "-- +migrate Down".
TEST(MigrationSource, SqlMigrateCommands) {
    auto s = parse_migration_source("-- +migrate Up\nCREATE TABLE t ();\n\n-- +migrate Down\nDROP TABLE t;\n");
    EXPECT_EQ(s.up, "CREATE TABLE t ();\n\n");
    ASSERT_TRUE(s.down);
    EXPECT_EQ(*s.down, "DROP TABLE t;\n");
    EXPECT_FALSE(s.no_transaction);
    auto outside = parse_migration_source(
        "-- +migrate Up notransaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n-- +migrate Down\nDROP INDEX i;\n");
    EXPECT_TRUE(outside.no_transaction);
    EXPECT_EQ(outside.up, "CREATE INDEX CONCURRENTLY i ON t (x);\n");
    // notransaction on Down alone does not move the up script out of its transaction.
    EXPECT_FALSE(parse_migration_source("-- +migrate Up\nSELECT 1;\n-- +migrate Down notransaction\nSELECT 2;\n")
                     .no_transaction);
}

TEST(MigrationSource, GooseAndSqlMigrateMistakesNameTheLine) {
    EXPECT_EQ(error_of("-- +goose Down\nSELECT 2;\n-- +goose Up\nSELECT 1;\n"),
              "line 1: the \"-- +goose Down\" section comes before the up section");
    EXPECT_NE(error_of("-- +goose Up\nSELECT 1;\n-- +goose ENVSUB ON\nSELECT '${X}';\n").find("line 3: \"-- +goose ENVSUB ON\" is not supported"),
              std::string::npos);
    EXPECT_NE(error_of("-- +goose sideways\n").find("line 1: unknown annotation"), std::string::npos);
    EXPECT_NE(error_of("-- +migrate Up sometimes\n").find("line 1: unknown option \"sometimes\""), std::string::npos);
    EXPECT_NE(error_of("-- +migrate Sideways\n").find("line 1: unknown command"), std::string::npos);
    EXPECT_NE(error_of("-- +goose Up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n").find("line 3: \"-- migrate:down\" in a file whose sections are marked with \"-- +goose\""),
              std::string::npos);
    EXPECT_NE(error_of("SELECT 0;\n-- +migrate Up\nSELECT 1;\n").find("line 1: SQL before the first \"-- +migrate\" section"),
              std::string::npos);
    EXPECT_NE(error_of("-- +goose no transaction\n-- +goose Down\nSELECT 1;\n").find("comes before the up section"), std::string::npos);
}

TEST(MigrationSource, WhoseMarkers) {
    EXPECT_EQ(section_markers_of("CREATE TABLE t ();\n"), "");
    EXPECT_EQ(section_markers_of("-- a note\n-- migrate:up\nSELECT 1;\n"), "dbmate");
    EXPECT_EQ(section_markers_of("-- +goose up\nSELECT 1;\n"), "goose");
    EXPECT_EQ(section_markers_of("-- +migrate Up\nSELECT 1;\n"), "sql-migrate");
    EXPECT_EQ(section_markers_of("SELECT 1;\n  -- +goose Up\n"), "");  // indented: not goose's
}
