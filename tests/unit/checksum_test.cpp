#include "checksum.hpp"

#include <gtest/gtest.h>

using namespace pgm::core;

TEST(Sha256, KnownVectors) {
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ScriptChecksum, LineEndingsDoNotMatter) {
    const std::string unix_script = "CREATE TABLE t (id int);\nSELECT 1;\n";
    EXPECT_EQ(script_checksum(unix_script), script_checksum("CREATE TABLE t (id int);\r\nSELECT 1;\r\n"));
    EXPECT_EQ(script_checksum(unix_script), script_checksum("CREATE TABLE t (id int);\rSELECT 1;\r"));
    EXPECT_EQ(script_checksum(unix_script), sha256_hex(unix_script));
}

TEST(ScriptChecksum, ContentMatters) {
    EXPECT_NE(script_checksum("SELECT 1;"), script_checksum("SELECT 2;"));
    EXPECT_NE(script_checksum("SELECT 1;"), script_checksum("SELECT 1; "));
}

TEST(NormalizeLineEndings, KeepsOtherBytes) {
    EXPECT_EQ(normalize_line_endings("a\r\n\r\nb\rc\n"), "a\n\nb\nc\n");
    EXPECT_EQ(normalize_line_endings(std::string("x\0y", 3)), std::string("x\0y", 3));
}

namespace {
LedgerRowFields sample_row() {
    LedgerRowFields row;
    row.version = "001";
    row.name = "init";
    row.status = "applied";
    row.checksum = sha256_hex("CREATE TABLE t ()");
    row.script = "CREATE TABLE t ()";
    row.statements = 1;
    row.applied_at_us = 123456789;
    row.applied_by = "deployer";
    return row;
}
}  // namespace

TEST(LedgerRowHash, IsDeterministicAndChained) {
    const auto row = sample_row();
    const std::string first = ledger_row_hash(std::nullopt, row);
    EXPECT_EQ(first, ledger_row_hash(std::nullopt, row));
    EXPECT_EQ(first.size(), 64u);
    EXPECT_NE(first, ledger_row_hash(std::string("00"), row));
}

// The bytes hashed are fixed: ledgers written by every release must verify.
// Expected values computed independently (Python's hashlib over the
// "<kind><length>:<value>" serialisation of the fields in order).
TEST(LedgerRowHash, PinnedValues) {
    EXPECT_EQ(ledger_row_hash(std::nullopt, sample_row()),
              "eee772f5deb950ceef76534780e42aa09ed0189fddb66831d833b918385a9abe");
    // A script longer than the hasher gathers in one piece.
    auto row = sample_row();
    row.format = 3;
    std::string script;
    for (int i = 0; i < 400; ++i) script += "INSERT INTO t VALUES (1);\n";
    row.script = script;
    row.checksum = sha256_hex(script);
    row.risk = "safe";
    std::string prev;
    for (int i = 0; i < 32; ++i) prev += "ab";
    EXPECT_EQ(ledger_row_hash(prev, row), "c2881c83b81f03b3d856e106d5debb6c4616e2d020af7b87da6831d7fba7ad29");
}

TEST(LedgerRowHash, EveryFieldIsCovered) {
    const auto base = sample_row();
    const std::string h = ledger_row_hash(std::nullopt, base);
    auto changed = [&](auto mutate) {
        auto row = base;
        mutate(row);
        return ledger_row_hash(std::nullopt, row) != h;
    };
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.version = "002"; }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.name.reset(); }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.status = "reverted"; }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.script = "CREATE TABLE u ()"; }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.down = "DROP TABLE t"; }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.out_of_order = true; }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.applied_at_us += 1; }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.applied_by = "other"; }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.duration_us = 5; }));
}

TEST(LedgerRowHash, FormatTwoCoversReasonPreviousChecksumAndSource) {
    auto base = sample_row();
    base.format = 2;
    const std::string h = ledger_row_hash(std::nullopt, base);
    auto v1 = sample_row();
    EXPECT_NE(h, ledger_row_hash(std::nullopt, v1));  // the format is part of the hash
    auto changed = [&](auto mutate) {
        auto row = base;
        mutate(row);
        return ledger_row_hash(std::nullopt, row) != h;
    };
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.reason = "reformatted"; }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.previous_checksum = "ab"; }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.adopted_from = "flyway"; }));
    EXPECT_TRUE(changed([](LedgerRowFields& r) { r.checksum.reset(); }));
    // Format 1 ignores them: rows written before format 2 keep their hashes.
    auto with_reason = v1;
    with_reason.reason = "ignored";
    EXPECT_EQ(ledger_row_hash(std::nullopt, v1), ledger_row_hash(std::nullopt, with_reason));
}

TEST(LedgerRowHash, FormatThreeAlsoCoversTheRisk) {
    auto base = sample_row();
    base.format = 3;
    base.risk = "breaking";
    const std::string h = ledger_row_hash(std::nullopt, base);
    auto v2 = base;
    v2.format = 2;
    EXPECT_NE(h, ledger_row_hash(std::nullopt, v2));
    auto edited = base;
    edited.risk = "safe";
    EXPECT_NE(h, ledger_row_hash(std::nullopt, edited));
    edited.risk.reset();
    EXPECT_NE(h, ledger_row_hash(std::nullopt, edited));
    edited = base;
    edited.reason = "x";  // format 3 keeps format 2's fields
    EXPECT_NE(h, ledger_row_hash(std::nullopt, edited));
    // Format 2 ignores the risk.
    auto v2_with_risk = v2;
    v2_with_risk.risk = "data_loss";
    EXPECT_EQ(ledger_row_hash(std::nullopt, v2), ledger_row_hash(std::nullopt, v2_with_risk));
}

TEST(LedgerRowHash, UnknownFormatIsRefused) {
    auto row = sample_row();
    row.format = 4;
    EXPECT_THROW(ledger_row_hash(std::nullopt, row), std::invalid_argument);
    row.format = 0;
    EXPECT_THROW(ledger_row_hash(std::nullopt, row), std::invalid_argument);
}

TEST(LedgerRowHash, NullAndEmptyDiffer) {
    auto a = sample_row();
    auto b = sample_row();
    a.down.reset();
    b.down = std::string();
    EXPECT_NE(ledger_row_hash(std::nullopt, a), ledger_row_hash(std::nullopt, b));
}

TEST(LedgerRowHash, FieldBoundariesAreUnambiguous) {
    auto a = sample_row();
    auto b = sample_row();
    a.name = "ab";
    a.applied_by = "c";
    b.name = "a";
    b.applied_by = "bc";
    EXPECT_NE(ledger_row_hash(std::nullopt, a), ledger_row_hash(std::nullopt, b));
}

TEST(Sha256Stream, PiecesHashLikeTheWhole) {
    Sha256Stream stream;
    stream.update("ab");
    stream.update("");
    stream.update("c");
    EXPECT_EQ(stream.hex_digest(), sha256_hex("abc"));
}
