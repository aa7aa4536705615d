// Finding the migrations in a directory, whatever tool wrote it.
//
// Layouts recognised (one per directory, detected from the names):
//   plain           <version>_<name>.sql, optional dbmate sections (-- migrate:up/down/verify)
//   golang-migrate  <version>_<name>.up.sql + <version>_<name>.down.sql
//   flyway          V<version>__<name>.sql, U<version>__<name>.sql (undo), R__<name>.sql (repeatable)
//   diesel          <version>_<name>/up.sql + down.sql (+ metadata.toml); the version is the
//                   folder name up to the first '_' with every '-' removed
//   prisma          <timestamp>_<name>/migration.sql
// Other files (README.md, .gitkeep, migration_lock.toml) are ignored.  A .sql
// file that fits no layout is an error, never silently skipped, except beside
// the folders of a Diesel or Prisma directory: there it is listed as ignored
// (ScanResult::ignored) for status to show.  Every file
// is read and checked before anything is applied: duplicate versions, empty
// or unreadable files and invalid UTF-8 are errors naming the file.
//
// Pure C++ (std::filesystem), unit-tested.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "streamed_file.hpp"

namespace pgm::client {

enum class Layout { Empty, Plain, GolangMigrate, Flyway, Diesel, Prisma };

const char* layout_name(Layout layout);

struct Migration {
    std::string version;               // as recorded in the ledger
    std::string name;
    std::filesystem::path up_file;     // holds the up script (alone, or in a section)
    std::optional<std::filesystem::path> down_file;    // separate down file (golang, diesel, flyway undo)
    bool repeatable = false;           // flyway R__
    bool sections = false;             // dbmate sections inside up_file
    bool no_transaction = false;       // directive or diesel run_in_transaction = false
    std::string checksum;              // of the up script, as migrate_apply computes it
    bool has_down = false;
    std::uintmax_t size = 0;           // bytes of up_file
    // A file of kStreamedFileBytes or more, read in pieces and never held:
    // where its up script is, its checksum and its other sections.
    std::shared_ptr<const StreamedFile> streamed;
};

struct Problem {
    std::filesystem::path file;
    std::string message;
};

struct ScanResult {
    Layout layout = Layout::Empty;
    std::vector<Migration> migrations;  // versioned ones in natural version order, then repeatables
    std::vector<Problem> problems;      // nothing may be applied while this is not empty
    // Loose .sql files beside the folders of a Diesel or Prisma layout: not
    // migrations (Diesel ignores them too; a real history keeps a data file
    // there), so no command applies them, but status lists them so that a
    // misplaced migration does not go unnoticed.
    std::vector<std::filesystem::path> ignored;
};

ScanResult scan_directory(const std::filesystem::path& dir);

// The whole file, without a leading UTF-8 byte-order mark (as psql reads a
// script); throws std::runtime_error naming it when it cannot be read.
std::string read_file(const std::filesystem::path& file);

// The scripts of one migration, read from disk (again) just before applying it.
struct MigrationScripts {
    std::string up;
    std::optional<std::string> down;
    std::optional<std::string> verify;
    int up_first_line = 1;  // line of up_file where the up script starts (sections)
    std::set<std::string> allow;  // "-- migrate:allow" lines of the file
    // Set for a streamed file: `up` is then empty, the file is sent in pieces.
    std::shared_ptr<const StreamedFile> streamed;
};

// Throws std::runtime_error naming the file when it cannot be read or changed
// since the scan (its checksum differs).
// A streamed file's up script is left in the file unless `whole` (for a
// server older than 0.16, or a migration that runs outside a transaction).
MigrationScripts load_scripts(const Migration& migration, bool whole = false);

}  // namespace pgm::client
