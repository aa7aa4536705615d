// Applying a migration whose file is streamed (streamed_file.hpp): CALL
// migrate_apply_stream(), then the up script's bytes as COPY data, a
// megabyte at a time, straight from the file.  The server checks what it
// read against the checksum announced in the CALL.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "connection.hpp"
#include "migration_dir.hpp"

namespace pgm::client {

// What migrate_apply and migrate_apply_stream return of a migration.
struct AppliedRow {
    std::string status;
    int statements = 0;
    std::optional<std::string> risk;
    std::optional<std::string> report;
};

// `settings`: set_config(..., true) calls for the migration's transaction
// (behind a pooler), or empty.  `sent` is told the bytes sent so far and
// their total after each piece (for a progress line).  Throws ServerError as
// migrate_apply does.
AppliedRow apply_streamed(Connection& db, const Migration& migration, const MigrationScripts& scripts,
                          bool out_of_order, const std::string* allow, const std::string& settings,
                          const std::function<void(std::size_t, std::size_t)>& sent);

}  // namespace pgm::client
