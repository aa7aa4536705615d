// What a migration file says: its up/down/verify sections and its directives.
//
// Pure C++ (no libpq, no PostgreSQL headers), unit-tested.  Section markers are
// dbmate's: a line "-- migrate:up", "-- migrate:down" or "-- migrate:verify",
// optionally followed by options ("-- migrate:up transaction:false"); or
// goose's ("-- +goose Up", "-- +goose Down", "-- +goose NO TRANSACTION", any
// letter case, at the start of a line), or rubenv/sql-migrate's ("-- +migrate
// Up [notransaction]", "-- +migrate Down"), read as those tools read them: in
// a file of any of them only the up section is the migration.  Without
// markers the whole file is the up script.  Directives are comment lines:
//   -- migrate:no-transaction     apply statement by statement, outside a transaction
// These are line-level markers in SQL comments (like dbmate's), not SQL: the
// SQL itself is only ever split by the server's parser.
#pragma once

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace pgm::client {

struct MigrationSource {
    std::string up;
    int up_first_line = 1;  // line of the file where the up script starts
    std::optional<std::string> down;
    std::optional<std::string> verify;
    bool no_transaction = false;
    // Risks allowed by "-- migrate:allow data_loss" lines anywhere in the
    // file (the line also stays in its section: the server reads the ones in
    // the up script itself).
    std::set<std::string> allow;
};

// Where a file's sections are, as byte offsets: what the file's lines say,
// read one at a time (a data migration too large to hold is read in pieces).
struct SectionRange {
    std::size_t begin = 0;  // the line after its marker
    std::size_t end = 0;    // the next section's marker line, or the end of the file
    bool seen = false;
};

struct SectionLayout {
    bool sections = false;  // false: the whole file is the up script
    SectionRange up;
    SectionRange down;
    SectionRange verify;
    int up_first_line = 1;
    bool no_transaction = false;
    bool pulled = false;  // "-- migrate:pulled": applied whole (its statements are matched by the server)
    std::set<std::string> allow;
};

class SectionScanner {
public:
    SectionScanner();
    ~SectionScanner();
    SectionScanner(const SectionScanner&) = delete;
    SectionScanner& operator=(const SectionScanner&) = delete;

    // The next line of the file: `head` is its start (the whole line, or
    // enough of it to hold a marker), `offset` where it starts in the file and
    // `length` its bytes with the '\n'.  Throws std::invalid_argument as
    // parse_migration_source does.
    void line(std::string_view head, std::size_t offset, std::size_t length);
    // After the last line; `end_offset`: the file's size.
    SectionLayout finish(std::size_t end_offset);
    // A line that starts with neither a blank nor '-' (so is no marker and no
    // comment): the same as line() with it, without looking at it.
    void plain_line();
    // Whether the lines now come in the up section.
    bool in_up() const;

private:
    struct State;
    std::unique_ptr<State> state_;
    SectionLayout layout_;
};

// Splits `text` into sections.  Throws std::invalid_argument with a message
// naming the line for a malformed file (a section given twice, an unknown
// section or option, text before the first marker other than comments).
// Takes the text by value: a file without markers becomes the up script
// without a copy (data migrations can be hundreds of megabytes).
MigrationSource parse_migration_source(std::string text);

// Whose section markers `text` uses: "dbmate", "goose" or "sql-migrate"; ""
// when it has none.
std::string_view section_markers_of(std::string_view text);

// True when `text` is valid UTF-8 (and holds no NUL byte, which PostgreSQL
// text cannot store).  `bad_offset` receives the first offending byte offset.
bool is_valid_utf8(std::string_view text, std::size_t* bad_offset = nullptr);

// True when `text` holds nothing but whitespace.
bool is_blank(std::string_view text);

}  // namespace pgm::client
