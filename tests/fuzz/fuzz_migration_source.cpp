// libFuzzer target: a migration file's text through everything the client
// does with it before the server sees it: UTF-8 and blank checks, dbmate
// sections and directives, and the checksum.  Properties checked on every
// input (a violation aborts, and libFuzzer keeps the input):
//   - parse_migration_source either succeeds or throws std::invalid_argument;
//   - the up script and sections are pieces of the text, the up script
//     starts at a line that exists;
//   - the checksum ignores line-ending style.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "checksum.hpp"
#include "migration_source.hpp"

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

bool is_piece_of(const std::string& piece, const std::string& text) {
    return piece.empty() || text.find(piece) != std::string::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    std::size_t bad = 0;
    if (!pgm::client::is_valid_utf8(text, &bad)) require(bad < size);
    (void)pgm::client::is_blank(text);

    try {
        const pgm::client::MigrationSource source = pgm::client::parse_migration_source(text);
        require(source.up_first_line >= 1);
        std::size_t lines = 1;
        for (char c : text) lines += c == '\n';
        require(static_cast<std::size_t>(source.up_first_line) <= lines + 1);
        require(is_piece_of(source.up, text));
        if (source.down) require(is_piece_of(*source.down, text));
        if (source.verify) require(is_piece_of(*source.verify, text));
    } catch (const std::invalid_argument&) {
        // A malformed file: reported to the user by name and line.
    }

    std::string crlf;
    for (char c : text) {
        if (c == '\n') crlf += '\r';
        crlf += c;
    }
    require(pgm::core::script_checksum(text) == pgm::core::script_checksum(crlf) ||
            text.find('\r') != std::string::npos);
    return 0;
}
