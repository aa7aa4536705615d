// The next migration file of a directory, in the directory's layout (plain
// with dbmate, goose or sql-migrate sections, golang-migrate, Flyway, Diesel,
// Prisma): what `pg_migrate new` creates, and where `diff --sql --out` writes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace pgm::client {

struct NewMigration {
    std::string name;            // letters, digits, '_' and '-'
    std::string up;              // its up script; empty: the layout's template
    bool no_transaction = false; // marked to run outside a transaction
    std::string allow;           // risks it allows ("data_loss"), as "-- migrate:allow" says
    bool dbmate_sections = false; // sections "-- migrate:up" even among goose or sql-migrate files
                                  // (its up script holds "-- migrate:" directives)
};

// Creates the files of the migration after the directory's highest one (a
// number one higher, or a timestamp later than it) and returns them; the
// directory's layout name is set in `layout` when given.
std::vector<std::filesystem::path> write_next_migration(const std::filesystem::path& dir, const NewMigration& migration,
                                                        std::string* layout = nullptr);

}  // namespace pgm::client
