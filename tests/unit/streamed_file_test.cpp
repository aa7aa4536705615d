// A migration file read in pieces (scan_streamed_file, read_file_range) says
// what the whole file read at once says (parse_migration_source), whatever
// falls across the pieces' boundaries; and the incremental script checksum
// (ScriptChecksumStream) is script_checksum of the concatenation, wherever the
// pieces are cut.
#include "streamed_file.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "checksum.hpp"
#include "migration_dir.hpp"
#include "migration_source.hpp"

namespace fs = std::filesystem;
using namespace pgm::client;
using pgm::core::script_checksum;
using pgm::core::ScriptChecksumStream;

namespace {

constexpr std::size_t kMiB = 1024 * 1024;  // the pieces scan_streamed_file reads

// ---------------------------------------------------------------------------
// Helpers

// `text` with its control and non-ASCII bytes escaped, for messages.
std::string escaped(std::string_view text) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\\') out += "\\\\";
        else if (c < 0x20 || c >= 0x7f) {
            out += "\\x";
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0x0f]);
        } else out.push_back(ch);
    }
    return out;
}

// Equal bytes; on a difference, where (texts may be megabytes).
testing::AssertionResult same_bytes(std::string_view actual, std::string_view expected) {
    if (actual == expected) return testing::AssertionSuccess();
    std::size_t at = 0;
    while (at < actual.size() && at < expected.size() && actual[at] == expected[at]) ++at;
    const std::size_t from = at < 20 ? 0 : at - 20;
    return testing::AssertionFailure()
           << "actual " << actual.size() << " bytes, expected " << expected.size()
           << " bytes, first difference at byte " << at << ": actual \""
           << escaped(actual.substr(std::min(from, actual.size()), 60)) << "\", expected \""
           << escaped(expected.substr(std::min(from, expected.size()), 60)) << "\"";
}

testing::AssertionResult same_section(const std::optional<std::string>& actual,
                                      const std::optional<std::string>& expected) {
    if (!actual && !expected) return testing::AssertionSuccess();
    if (!actual) return testing::AssertionFailure() << "actual: none, expected " << expected->size() << " bytes";
    if (!expected) return testing::AssertionFailure() << "actual " << actual->size() << " bytes, expected: none";
    return same_bytes(*actual, *expected);
}

// The checksum of `pieces` given one after the other to a ScriptChecksumStream.
std::string streamed_checksum(const std::vector<std::string_view>& pieces) {
    ScriptChecksumStream stream;
    for (std::string_view p : pieces) stream.update(p);
    return stream.hex_digest();
}

// `text` cut at `cuts` (sorted offsets, repeats allowed: empty pieces).
std::vector<std::string_view> cut(std::string_view text, const std::vector<std::size_t>& cuts) {
    std::vector<std::string_view> pieces;
    std::size_t from = 0;
    for (std::size_t at : cuts) {
        pieces.push_back(text.substr(from, at - from));
        from = at;
    }
    pieces.push_back(text.substr(from));
    return pieces;
}

std::string describe_cuts(const std::vector<std::size_t>& cuts) {
    std::string out;
    for (std::size_t at : cuts) out += (out.empty() ? "" : ",") + std::to_string(at);
    return "cuts at {" + out + "}";
}

class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = fs::temp_directory_path() /
                ("pgm_streamed_" + std::to_string(::getpid()) + "_" + std::to_string(rd()));
        fs::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const fs::path& path() const { return path_; }

    fs::path write(const std::string& name, const std::string& content) const {
        const fs::path file = path_ / name;
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        out.write(content.data(), static_cast<std::streamsize>(content.size()));
        out.close();
        if (!out) throw std::runtime_error("could not write " + file.string());
        return file;
    }

private:
    fs::path path_;
};

// Appends comment (and, for the last one or two bytes, blank) lines to `text`
// until it is `size` bytes long: filler that is valid anywhere in a file.
void pad_to(std::string& text, std::size_t size) {
    if (text.size() > size)
        throw std::logic_error("pad_to: text is already " + std::to_string(text.size()) + " bytes, past " +
                               std::to_string(size));
    std::size_t n = 0;
    while (size - text.size() >= 3) {
        const std::size_t left = size - text.size();
        std::size_t len = std::min<std::size_t>(left, 72);
        if (left - len > 0 && left - len < 3) len = left - 3;  // never leave 1 or 2 bytes if avoidable
        std::string line = "-- filler " + std::to_string(n++) + " ";
        line.resize(len - 1, 'x');
        line += '\n';
        text += line;
    }
    text.append(size - text.size(), '\n');
}

// Line number (1-based) of byte `offset` of `text`.
std::size_t line_of(std::string_view text, std::size_t offset) {
    return 1 + static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(offset), '\n'));
}

// All of read_file_range's pieces over [begin, end), checking that they come
// one after the other and are at most a megabyte each.
std::string read_back(const fs::path& file, std::size_t begin, std::size_t end, std::size_t* pieces = nullptr) {
    std::string out;
    std::size_t count = 0;
    read_file_range(file, begin, end, [&](std::string_view piece) {
        EXPECT_FALSE(piece.empty()) << "an empty piece";
        EXPECT_LE(piece.size(), kMiB) << "a piece larger than a megabyte";
        out.append(piece);
        ++count;
    });
    if (pieces) *pieces = count;
    return out;
}

// scan_streamed_file(file) says what parse_migration_source(read_file(file))
// says.
void expect_agrees(const fs::path& file, bool sections) {
    const std::string text = read_file(file);
    const MigrationSource source = parse_migration_source(text);
    StreamedFile streamed;
    try {
        streamed = scan_streamed_file(file);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "scan_streamed_file threw: " << e.what();
        return;
    }
    EXPECT_EQ(streamed.sections, sections);
    ASSERT_LE(streamed.up_begin, streamed.up_end);
    ASSERT_LE(streamed.up_end, fs::file_size(file));
    const std::string up = read_back(file, streamed.up_begin, streamed.up_end);
    EXPECT_TRUE(same_bytes(up, source.up)) << "the up script";
    EXPECT_EQ(streamed.up_first_line, source.up_first_line);
    EXPECT_TRUE(same_section(streamed.down, source.down)) << "the down section";
    EXPECT_TRUE(same_section(streamed.verify, source.verify)) << "the verify section";
    EXPECT_EQ(streamed.no_transaction, source.no_transaction);
    EXPECT_EQ(streamed.allow, source.allow);
    EXPECT_EQ(streamed.checksum, script_checksum(source.up));
    EXPECT_EQ(streamed.checksum, script_checksum(up));
}

// What `f` throws as an E (its message), "no error", or the other exception.
template <class E>
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const E& e) {
        return e.what();
    } catch (const std::exception& e) {
        return std::string("another exception: ") + e.what();
    }
    return "no error";
}

std::string parse_error(const std::string& text) {
    return error_of<std::invalid_argument>([&] { parse_migration_source(text); });
}

std::string scan_error(const fs::path& file) {
    return error_of<std::invalid_argument>([&] { scan_streamed_file(file); });
}

// scan_streamed_file(file) throws std::runtime_error naming the file, `what`
// and "line <line> (byte offset <offset>)".
void expect_bad_bytes(const fs::path& file, const std::string& what, std::size_t line, std::size_t offset) {
    const std::string message = error_of<std::runtime_error>([&] { scan_streamed_file(file); });
    const std::string where = "line " + std::to_string(line) + " (byte offset " + std::to_string(offset) + ")";
    EXPECT_NE(message.find(what), std::string::npos) << message;
    EXPECT_NE(message.find(where), std::string::npos) << "expected \"" << where << "\" in: " << message;
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
}

// Texts the checksum stream is tried on: every kind of line ending, a CR at
// the very end, empty, multi-byte characters.
const std::vector<std::string>& checksum_texts() {
    static const std::vector<std::string> texts = {
        "",
        "\r",
        "\n",
        "\r\n",
        "\n\r",
        "\r\r",
        "\r\r\n\n",
        "SELECT 1;",
        "SELECT 1;\nSELECT 2;\n",                  // LF
        "SELECT 1;\r\nSELECT 2;\r\n",              // CRLF
        "SELECT 1;\rSELECT 2;\r",                  // lone CR, one at the end
        "SELECT 1;\rSELECT 2;",                    // lone CR
        "SELECT 1;\r\nSELECT 2;\r",                // CR at the very end
        "a\r\n\r\n\rb\r\r\nc\n\r",                 // mixed
        "CREATE TABLE t (x text);\r\nINSERT INTO t VALUES ('caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80');\r\n\r",
        std::string("nul\0inside\r\n", 12),
    };
    return texts;
}

}  // namespace

// ---------------------------------------------------------------------------
// ScriptChecksumStream

TEST(ScriptChecksumStream, WholeTextInOnePiece) {
    for (const std::string& text : checksum_texts()) {
        SCOPED_TRACE("text \"" + escaped(text) + "\"");
        EXPECT_EQ(streamed_checksum({text}), script_checksum(text));
    }
    ScriptChecksumStream nothing;
    EXPECT_EQ(nothing.hex_digest(), script_checksum(""));
    EXPECT_EQ(script_checksum(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(ScriptChecksumStream, EverySingleCut) {
    for (const std::string& text : checksum_texts()) {
        const std::string expected = script_checksum(text);
        for (std::size_t at = 0; at <= text.size(); ++at) {
            SCOPED_TRACE("text \"" + escaped(text) + "\" cut at " + std::to_string(at));
            EXPECT_EQ(streamed_checksum(cut(text, {at})), expected);
        }
    }
}

TEST(ScriptChecksumStream, EveryByteItsOwnPiece) {
    for (const std::string& text : checksum_texts()) {
        SCOPED_TRACE("text \"" + escaped(text) + "\"");
        std::vector<std::size_t> cuts;
        for (std::size_t at = 0; at <= text.size(); ++at) cuts.push_back(at);
        EXPECT_EQ(streamed_checksum(cut(text, cuts)), script_checksum(text));
    }
}

TEST(ScriptChecksumStream, RandomMultipleCuts) {
    std::mt19937 rng(20240611);  // fixed: the same cuts on every run
    for (const std::string& text : checksum_texts()) {
        const std::string expected = script_checksum(text);
        for (int trial = 0; trial < 200; ++trial) {
            std::vector<std::size_t> cuts(2 + rng() % 6);
            for (std::size_t& at : cuts) at = rng() % (text.size() + 1);
            std::sort(cuts.begin(), cuts.end());
            SCOPED_TRACE("text \"" + escaped(text) + "\" " + describe_cuts(cuts));
            EXPECT_EQ(streamed_checksum(cut(text, cuts)), expected);
        }
    }
}

// Random texts of 'a', '\r' and '\n' (every way line endings can meet a cut),
// cut at random points.
TEST(ScriptChecksumStream, RandomTextsRandomCuts) {
    std::mt19937 rng(7);
    static const char alphabet[] = {'a', '\r', '\n', '\r', 'b'};
    for (int trial = 0; trial < 2000; ++trial) {
        std::string text(rng() % 24, ' ');
        for (char& c : text) c = alphabet[rng() % sizeof(alphabet)];
        std::vector<std::size_t> cuts(rng() % 8);
        for (std::size_t& at : cuts) at = rng() % (text.size() + 1);
        std::sort(cuts.begin(), cuts.end());
        SCOPED_TRACE("text \"" + escaped(text) + "\" " + describe_cuts(cuts));
        EXPECT_EQ(streamed_checksum(cut(text, cuts)), script_checksum(text));
    }
}

// ---------------------------------------------------------------------------
// scan_streamed_file and read_file_range

class StreamedFileTest : public testing::Test {
protected:
    TempDir dir_;
};

TEST_F(StreamedFileTest, PlainFiles) {
    const std::vector<std::pair<std::string, std::string>> files = {
        {"plain.sql", "CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\n"},
        {"no_final_newline.sql", "CREATE TABLE t (id int);\nSELECT 1;"},
        {"crlf.sql", "CREATE TABLE t (id int);\r\nSELECT 1;\r\n"},
        {"cr_at_end.sql", "CREATE TABLE t (id int);\rSELECT 1;\r"},
        {"empty.sql", ""},
        {"only_newline.sql", "\n"},
        {"unicode.sql", "INSERT INTO t VALUES ('caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80');\n"},
        {"no_transaction.sql", "-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (x);\n"},
        {"allow.sql", "-- migrate:allow data_loss\nTRUNCATE t;\n-- migrate:allow locking\n"},
        {"pulled.sql", "-- migrate:pulled\nCREATE INDEX i ON t (a);\n"},
        {"goose_no_transaction.sql", "-- +goose NO TRANSACTION\nCREATE INDEX CONCURRENTLY i ON t (x);\n"},
    };
    for (const auto& [name, content] : files) {
        SCOPED_TRACE(name);
        const fs::path file = dir_.write(name, content);
        expect_agrees(file, false);
        const StreamedFile s = scan_streamed_file(file);
        EXPECT_EQ(s.up_begin, 0u);
        EXPECT_EQ(s.up_end, content.size());
        EXPECT_EQ(s.checksum, script_checksum(content));
        EXPECT_FALSE(s.down);
        EXPECT_FALSE(s.verify);
    }
    const StreamedFile nt = scan_streamed_file(dir_.path() / "no_transaction.sql");
    EXPECT_TRUE(nt.no_transaction);
    const StreamedFile allow = scan_streamed_file(dir_.path() / "allow.sql");
    EXPECT_EQ(allow.allow, (std::set<std::string>{"data_loss", "locking"}));
}

TEST_F(StreamedFileTest, DbmateSectionsWithCrlf) {
    const std::string content =
        "-- a header comment\r\n"
        "-- migrate:allow data_loss\r\n"
        "-- migrate:up transaction:false\r\n"
        "CREATE TABLE t (id int);\r\n"
        "\r\n"
        "-- migrate:allow breaking, locking\r\n"
        "CREATE INDEX CONCURRENTLY i ON t (id);\r\n"
        "-- migrate:down\r\n"
        "DROP TABLE t;\r\n"
        "-- migrate:verify\r\n"
        "SELECT to_regclass('t') IS NOT NULL;\r\n";
    const fs::path file = dir_.write("dbmate_crlf.sql", content);
    expect_agrees(file, true);
    const StreamedFile s = scan_streamed_file(file);
    EXPECT_TRUE(same_bytes(read_back(file, s.up_begin, s.up_end),
                           "CREATE TABLE t (id int);\r\n\r\n-- migrate:allow breaking, locking\r\n"
                           "CREATE INDEX CONCURRENTLY i ON t (id);\r\n"));
    EXPECT_EQ(s.up_first_line, 4);
    EXPECT_TRUE(s.no_transaction);
    EXPECT_EQ(s.allow, (std::set<std::string>{"breaking", "data_loss", "locking"}));
    EXPECT_EQ(s.down, std::optional<std::string>("DROP TABLE t;\r\n"));
    EXPECT_EQ(s.verify, std::optional<std::string>("SELECT to_regclass('t') IS NOT NULL;\r\n"));
    EXPECT_EQ(s.checksum, script_checksum("CREATE TABLE t (id int);\n\n-- migrate:allow breaking, locking\n"
                                          "CREATE INDEX CONCURRENTLY i ON t (id);\n"));
}

TEST_F(StreamedFileTest, DbmateVariants) {
    const std::vector<std::pair<std::string, std::string>> files = {
        {"lf.sql", "-- migrate:up\nCREATE TABLE t ();\n\n-- migrate:down\nDROP TABLE t;\n"},
        {"blank_down.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n\n  \n"},
        {"down_first.sql", "-- migrate:down\nDROP TABLE t;\n-- migrate:up\nCREATE TABLE t ();\n"},
        {"verify_only_after_up.sql", "-- migrate:up\nSELECT 1;\n-- migrate:verify\nSELECT true;"},
        {"indented_markers.sql", "  -- migrate:up\nSELECT 1;\n\t-- migrate:down\r\nSELECT 2;\r"},
        {"up_no_final_newline.sql", "-- migrate:up\nSELECT 1;\r"},
        {"empty_up.sql", "-- migrate:up\n-- migrate:down\nSELECT 2;\n"},
        {"marker_last_line.sql", "-- migrate:up"},
        {"pulled_in_up.sql", "-- migrate:up\n-- migrate:pulled\nCREATE INDEX i ON t (a);\n-- migrate:down\n"},
    };
    for (const auto& [name, content] : files) {
        SCOPED_TRACE(name);
        expect_agrees(dir_.write(name, content), true);
    }
}

TEST_F(StreamedFileTest, GooseAndSqlMigrateMarkers) {
    const std::vector<std::pair<std::string, std::string>> files = {
        {"goose.sql",
         "-- +goose Up\n-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1; $$;\n"
         "-- +goose StatementEnd\n\n-- +goose Down\nDROP FUNCTION f();\n"},
        {"goose_lower_no_tx.sql", "-- +goose no transaction\n-- +goose up\nCREATE INDEX CONCURRENTLY i ON t (x);\n"},
        {"goose_crlf.sql", "-- +GOOSE UP\r\nSELECT 1;\r\n-- +goose Down\r\nSELECT 2;\r\n"},
        {"goose_indented.sql", "-- +goose Up\nSELECT 1;\n  -- +goose Down\nSELECT 2;\n"},
        {"sql_migrate.sql", "-- +migrate Up\nCREATE TABLE t ();\n-- +migrate Down\nDROP TABLE t;\n"},
        {"sql_migrate_no_tx.sql",
         "-- comment\n-- +migrate Up notransaction\n-- +migrate StatementBegin\nCREATE INDEX CONCURRENTLY i ON t (x);\n"
         "-- +migrate StatementEnd\n-- +migrate Down\nDROP INDEX i;\n"},
    };
    for (const auto& [name, content] : files) {
        SCOPED_TRACE(name);
        expect_agrees(dir_.write(name, content), true);
    }
    const StreamedFile goose = scan_streamed_file(dir_.path() / "goose_lower_no_tx.sql");
    EXPECT_TRUE(goose.no_transaction);
    EXPECT_EQ(goose.up_first_line, 3);
    const StreamedFile sm = scan_streamed_file(dir_.path() / "sql_migrate_no_tx.sql");
    EXPECT_TRUE(sm.no_transaction);
    EXPECT_EQ(sm.down, std::optional<std::string>("DROP INDEX i;\n"));
}

// A UTF-8 byte-order mark is skipped, as read_file skips it.
TEST_F(StreamedFileTest, ByteOrderMark) {
    const std::string bom = "\xEF\xBB\xBF";
    const fs::path plain = dir_.write("bom_plain.sql", bom + "SELECT 'caf\xc3\xa9';\r\n");
    expect_agrees(plain, false);
    const StreamedFile p = scan_streamed_file(plain);
    EXPECT_EQ(p.up_begin, 3u);
    EXPECT_EQ(p.up_end, fs::file_size(plain));
    EXPECT_EQ(p.checksum, script_checksum("SELECT 'caf\xc3\xa9';\n"));

    const fs::path sections =
        dir_.write("bom_sections.sql", bom + "-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n");
    expect_agrees(sections, true);
    const StreamedFile s = scan_streamed_file(sections);
    EXPECT_EQ(s.up_begin, bom.size() + std::string("-- migrate:up\n").size());
    EXPECT_EQ(s.checksum, script_checksum("SELECT 1;\n"));

    // A BOM followed by SQL before the first marker: the line is still line 1.
    const fs::path bad = dir_.write("bom_bad.sql", bom + "SELECT 0;\n-- migrate:up\nSELECT 1;\n");
    EXPECT_EQ(scan_error(bad), parse_error(read_file(bad)));

    expect_agrees(dir_.write("bom_only.sql", bom), false);
    expect_agrees(dir_.write("bom_goose.sql", bom + "-- +goose Up\nSELECT 1;\n-- +goose Down\nSELECT 2;\n"), true);
}

// A 3 MiB file whose pieces are cut inside a 4-byte character (it starts at
// byte 1048575), inside a marker line (across 2 MiB) and inside a 2-byte
// character (at 3 MiB - 1).
TEST_F(StreamedFileTest, LargerThanOnePieceCutInsideCharactersAndMarkers) {
    std::string t = "-- a data migration\n-- migrate:allow data_loss\n-- migrate:up\n";
    pad_to(t, kMiB - 1 - 8);
    t += "SELECT '";
    ASSERT_EQ(t.size(), kMiB - 1);
    t += "\xF0\x9F\x98\x80 caf\xc3\xa9 \xe2\x82\xac';\r\n";
    pad_to(t, 2 * kMiB - 5);
    t += "-- migrate:down\r\n";  // "-- m" | "igrate:down\r\n"
    t += "DELETE FROM t;\n";
    pad_to(t, 3 * kMiB - 1 - 8);
    t += "SELECT '";
    ASSERT_EQ(t.size(), 3 * kMiB - 1);
    t += "\xc3\xa9';\n-- migrate:verify\nSELECT 'done \xe2\x82\xac';\n";
    const fs::path file = dir_.write("large.sql", t);
    expect_agrees(file, true);

    const StreamedFile s = scan_streamed_file(file);
    EXPECT_EQ(s.up_first_line, 4);
    EXPECT_EQ(s.up_begin, t.find("-- migrate:up\n") + 14);
    EXPECT_EQ(s.up_end, 2 * kMiB - 5);
    EXPECT_EQ(s.allow, (std::set<std::string>{"data_loss"}));
    EXPECT_EQ(s.checksum, script_checksum(std::string_view(t).substr(s.up_begin, s.up_end - s.up_begin)));
    ASSERT_TRUE(s.down);
    EXPECT_EQ(s.down->substr(0, 15), "DELETE FROM t;\n");
    EXPECT_EQ(s.verify, std::optional<std::string>("SELECT 'done \xe2\x82\xac';\n"));

    std::size_t pieces = 0;
    const std::string whole = read_back(file, 0, t.size(), &pieces);
    EXPECT_TRUE(same_bytes(whole, t));
    EXPECT_EQ(pieces, 4u);
}

// Every way a 2-, 3- or 4-byte character, a marker line (its CR and LF
// included) or a CRLF ending a long line can be cut by the 1 MiB boundary.
TEST_F(StreamedFileTest, EveryCutAcrossThePieceBoundary) {
    const std::vector<std::string> characters = {"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80"};
    for (const std::string& ch : characters) {
        for (std::size_t before = 1; before < ch.size(); ++before) {  // bytes of it in the first piece
            SCOPED_TRACE("character \"" + escaped(ch) + "\" with " + std::to_string(before) + " byte(s) before 1 MiB");
            std::string t = "-- migrate:up\n";
            pad_to(t, kMiB - before - 8);
            t += "SELECT '" + ch + "';\r\n";
            t += "-- migrate:down\nSELECT '" + ch + "';\n";
            expect_agrees(dir_.write("char.sql", t), true);
        }
    }
    const std::vector<std::string> markers = {"-- migrate:up\r\n", "-- migrate:down\r\n", "-- migrate:verify\n",
                                              "-- +goose Down\r\n", "-- +migrate Down\n"};
    for (const std::string& marker : markers) {
        const bool goose = marker.find("+goose") != std::string::npos;
        const bool sql_migrate = marker.find("+migrate") != std::string::npos;
        for (std::size_t before = 1; before < marker.size(); ++before) {
            SCOPED_TRACE("marker \"" + escaped(marker) + "\" with " + std::to_string(before) + " byte(s) before 1 MiB");
            std::string t;
            if (marker == "-- migrate:up\r\n") {
                t = "-- header\r\n";
                pad_to(t, kMiB - before);
                t += marker + "SELECT 1;\r\n-- migrate:down\r\nSELECT 2;\r\n";
            } else {
                t = goose ? "-- +goose Up\r\n" : sql_migrate ? "-- +migrate Up\n" : "-- migrate:up\r\n";
                t += "SELECT 1;\r\n";
                pad_to(t, kMiB - before);
                t += marker + "SELECT 2;\r\n";
            }
            expect_agrees(dir_.write("marker.sql", t), true);
        }
    }
    // A long line of the up script ending in CRLF, its CR the second piece's
    // first byte, the first piece's last byte (its LF in the second piece),
    // and the byte before.  Then a file of exactly 1 MiB ending in CR (in a
    // long line of the up script), and the same with an LF after it.
    for (std::size_t before = 0; before <= 2; ++before) {
        SCOPED_TRACE("CRLF of a long line with " + std::to_string(before) + " byte(s) of it before 1 MiB");
        std::string t = "-- migrate:up\n";
        pad_to(t, kMiB - 6000);
        t += "INSERT INTO t VALUES ('";
        t.append(kMiB - before - t.size() - 2, 'y');
        t += "')\r\n-- migrate:down\nSELECT 2;\n";
        expect_agrees(dir_.write("long_crlf.sql", t), true);
    }
    {
        std::string t = "-- migrate:up\n";
        pad_to(t, kMiB - 5000);
        t.append(kMiB - 1 - t.size(), 'z');
        t += "\r";  // the file's last byte, in the up script: counts as "\n"
        ASSERT_EQ(t.size(), kMiB);
        expect_agrees(dir_.write("cr_at_piece_end.sql", t), true);
        t += "\n";
        expect_agrees(dir_.write("crlf_across.sql", t), true);
    }
}

// Lines longer than the head scan_streamed_file keeps of a line (4096 bytes),
// in every section and around that length.
TEST_F(StreamedFileTest, LongLines) {
    for (std::size_t length : {4095u, 4096u, 4097u, 4098u, 8192u, 10000u, 70000u}) {
        const std::string body = "INSERT INTO t VALUES ('";
        std::string line = body + std::string(length - body.size() - 4, 'q') + "');\n";  // `length` bytes with \n
        ASSERT_EQ(line.size(), length);
        std::string crlf = line;
        crlf.insert(crlf.size() - 1, "\r");
        SCOPED_TRACE("a line of " + std::to_string(length) + " bytes");
        expect_agrees(dir_.write("long_up.sql", "-- migrate:up\nSELECT 1;\n" + line + "SELECT 2;\n-- migrate:down\nSELECT 3;\n"), true);
        expect_agrees(dir_.write("long_up_crlf.sql", "-- migrate:up\r\n" + crlf + crlf + "-- migrate:down\r\nSELECT 3;\r\n"), true);
        expect_agrees(dir_.write("long_up_last.sql", "-- migrate:up\n" + line.substr(0, line.size() - 1)), true);
        expect_agrees(dir_.write("long_up_first.sql", "-- migrate:up\n" + line), true);
        expect_agrees(dir_.write("long_down.sql", "-- migrate:up\nSELECT 1;\n-- migrate:down\n" + line + "SELECT 3;\n"), true);
        expect_agrees(dir_.write("long_down_crlf.sql", "-- migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\n" + crlf), true);
        expect_agrees(dir_.write("long_verify.sql", "-- migrate:up\nSELECT 1;\n-- migrate:verify\n" + line), true);
        expect_agrees(dir_.write("long_comment_header.sql", "-- " + line + "-- migrate:up\nSELECT 1;\n" + line), true);
        expect_agrees(dir_.write("long_goose.sql", "-- +goose Up\n" + line + "-- +goose Down\n" + line), true);
        expect_agrees(dir_.write("long_plain.sql", line + line + "SELECT 1;\n"), false);
    }
}

// A line longer than 4096 bytes before the first marker that is SQL after
// leading blanks: parse_migration_source rejects the file (the SQL would
// belong to no section and never run); so must scan_streamed_file.
TEST_F(StreamedFileTest, LongSqlLineBeforeTheFirstSectionIsRejected) {
    const std::string line = std::string(5000, ' ') + "DELETE FROM accounts;\n";
    const fs::path file = dir_.write("long_sql_before.sql", line + "-- migrate:up\nSELECT 1;\n");
    const std::string expected = parse_error(read_file(file));
    ASSERT_NE(expected.find("line 1: SQL before the first"), std::string::npos) << expected;
    EXPECT_EQ(scan_error(file), expected);
}

TEST_F(StreamedFileTest, InvalidUtf8NamesLineAndOffset) {
    // A lone lead byte at the very end of a small file.
    {
        const std::string t = "-- migrate:up\nSELECT 1;\nSELECT '\xC3";
        expect_bad_bytes(dir_.write("lone_c3.sql", t), "not valid UTF-8", 3, t.size() - 1);
    }
    // ... at the end of a file of exactly 1 MiB (the piece's last byte) and of
    // 1 MiB + 1 (alone in the second piece).
    for (std::size_t size : {kMiB, kMiB + 1, 2 * kMiB}) {
        SCOPED_TRACE("a lone 0xC3 ending a file of " + std::to_string(size) + " bytes");
        std::string t = "SELECT 1;\n";
        pad_to(t, size - 9);
        t += "SELECT '\xC3";
        ASSERT_EQ(t.size(), size);
        expect_bad_bytes(dir_.write("lone_c3_large.sql", t), "not valid UTF-8", line_of(t, size - 1), size - 1);
    }
    // An invalid byte in the second megabyte.
    {
        std::string t = "-- migrate:up\nSELECT 1;\n";
        pad_to(t, kMiB + kMiB / 2);
        const std::size_t at = t.size() + 8;
        t += "SELECT '\xFF';\n";
        pad_to(t, 2 * kMiB + 100);
        expect_bad_bytes(dir_.write("ff_2nd_mib.sql", t), "not valid UTF-8", line_of(t, at), at);
    }
    // A 3-byte character's lead as the first piece's last byte, then not a
    // continuation byte.
    {
        std::string t = "-- migrate:up\n";
        pad_to(t, kMiB - 1 - 8);
        t += "SELECT '\xE2" "A';\n";
        pad_to(t, kMiB + 50);
        expect_bad_bytes(dir_.write("cut_bad.sql", t), "not valid UTF-8", line_of(t, kMiB - 1), kMiB - 1);
    }
    // A stray continuation byte as the first byte of the second piece.
    {
        std::string t = "-- migrate:up\n";
        pad_to(t, kMiB - 8);
        t += "SELECT '\x80';\n";
        pad_to(t, kMiB + 50);
        expect_bad_bytes(dir_.write("stray_cont.sql", t), "not valid UTF-8", line_of(t, kMiB), kMiB);
    }
    // Overlong and surrogate encodings.
    {
        const std::string t = "SELECT 1;\nSELECT '\xC0\xAF';\n";
        expect_bad_bytes(dir_.write("overlong.sql", t), "not valid UTF-8", 2, 18);
        const std::string s = "SELECT 1;\n\nSELECT '\xED\xA0\x80';\n";
        expect_bad_bytes(dir_.write("surrogate.sql", s), "not valid UTF-8", 3, 19);
    }
}

TEST_F(StreamedFileTest, NulByteNamesLineAndOffset) {
    {
        const std::string t = std::string("-- migrate:up\nSELECT 1;\nSELECT '\0';\n", 36);
        expect_bad_bytes(dir_.write("nul.sql", t), "contains a NUL byte", 3, 32);
    }
    {
        std::string t = "SELECT 1;\n";
        pad_to(t, kMiB + 12345);
        const std::size_t at = t.size() + 3;
        t += std::string("-- \0\n", 5);
        pad_to(t, 2 * kMiB);
        expect_bad_bytes(dir_.write("nul_2nd_mib.sql", t), "contains a NUL byte", line_of(t, at), at);
    }
    {
        std::string t = "SELECT 1;\n";
        pad_to(t, kMiB);
        t += std::string("\0", 1);  // the second piece's first byte
        expect_bad_bytes(dir_.write("nul_at_1mib.sql", t), "contains a NUL byte", line_of(t, kMiB), kMiB);
    }
}

TEST_F(StreamedFileTest, MalformedSectionsAsParseMigrationSource) {
    const std::vector<std::string> malformed = {
        // tests/unit/migration_source_test.cpp, MalformedFilesNameTheLine
        "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n",
        "-- migrate:sideways\n",
        "SELECT 0;\n-- migrate:up\nSELECT 1;\n",
        "-- migrate:down\nSELECT 1;\n",
        "-- migrate:up transaction:maybe\n",
        // and a few more
        "-- migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\n-- migrate:down\r\n",
        "-- migrate:up\nSELECT 1;\n-- migrate:down transaction:false\n",
        "-- migrate:no-transaction please\nSELECT 1;\n",
        "-- migrate:allow everything\nSELECT 1;\n",
        "-- +goose Down\nSELECT 1;\n-- +goose Up\nSELECT 2;\n",
        "-- +goose Up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n",
        "-- +goose Up\n-- +goose ENVSUB ON\nSELECT 1;\n",
        "-- +goose Sideways\n",
        "-- +migrate Up sometimes\nSELECT 1;\n",
        "-- +migrate Down\nSELECT 1;\n",
        "-- comment\n\nSELECT 0;\n-- +migrate Up\nSELECT 1;\n",
    };
    for (std::size_t i = 0; i < malformed.size(); ++i) {
        SCOPED_TRACE("file \"" + escaped(malformed[i]) + "\"");
        const std::string expected = parse_error(malformed[i]);
        ASSERT_EQ(expected.rfind("line ", 0), 0u) << expected;
        const fs::path file = dir_.write("malformed_" + std::to_string(i) + ".sql", malformed[i]);
        EXPECT_EQ(scan_error(file), expected);
    }
    EXPECT_EQ(parse_error(malformed[0]), "line 3: section \"up\" appears twice");
}

// A malformed marker past the first piece: the line number counts every
// line of the pieces before.
TEST_F(StreamedFileTest, MalformedSectionsPastTheFirstPiece) {
    const std::vector<std::string> tails = {"-- migrate:up\nSELECT 2;\n", "-- migrate:sideways\n",
                                            "-- migrate:down transaction:false\n"};
    for (const std::string& tail : tails) {
        SCOPED_TRACE("\"" + escaped(tail) + "\" after 1.5 MiB");
        std::string t = "-- migrate:up\nSELECT 1;\n";
        pad_to(t, kMiB + kMiB / 2);
        t += tail;
        pad_to(t, 2 * kMiB + 3);
        const fs::path file = dir_.write("malformed_large.sql", t);
        const std::string expected = parse_error(t);
        ASSERT_EQ(expected.rfind("line " + std::to_string(line_of(t, kMiB + kMiB / 2)) + ":", 0), 0u) << expected;
        EXPECT_EQ(scan_error(file), expected);
    }
}

TEST_F(StreamedFileTest, ReadFileRange) {
    std::string t;
    std::mt19937 rng(99);
    t.resize(3 * kMiB + 777);
    for (char& c : t) c = static_cast<char>('a' + rng() % 26);
    const fs::path file = dir_.write("range.bin", t);
    const std::vector<std::pair<std::size_t, std::size_t>> ranges = {
        {0, t.size()}, {5, t.size() - 7}, {kMiB - 1, kMiB + 1}, {kMiB, 2 * kMiB}, {123, 456}, {t.size() - 1, t.size()}};
    for (const auto& [begin, end] : ranges) {
        SCOPED_TRACE("bytes [" + std::to_string(begin) + ", " + std::to_string(end) + ")");
        std::size_t pieces = 0;
        EXPECT_TRUE(same_bytes(read_back(file, begin, end, &pieces), std::string_view(t).substr(begin, end - begin)));
        EXPECT_EQ(pieces, (end - begin + kMiB - 1) / kMiB);
    }
    std::size_t calls = 0;
    read_file_range(file, 10, 10, [&](std::string_view) { ++calls; });
    EXPECT_EQ(calls, 0u);
    EXPECT_THROW(read_file_range(file, t.size() - 10, t.size() + 10, [](std::string_view) {}), std::runtime_error);
    EXPECT_THROW(read_file_range(dir_.path() / "missing.sql", 0, 1, [](std::string_view) {}), std::runtime_error);
    EXPECT_THROW(scan_streamed_file(dir_.path() / "missing.sql"), std::runtime_error);
}
