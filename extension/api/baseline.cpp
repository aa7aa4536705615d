// migrate_baseline(version, name) -> (version, name, status, objects)
//
// Records an existing database as being at `version` without running
// anything: the "production already has its tables" case.  Every version at
// or below it counts as applied from now on (migrate_status says "baseline"
// for the files up to it), and the whole live schema becomes what
// migrate_verify()'s schema_drift compares with.  Refused when a version at or
// above it is applied already.  C++ zone.
#include "../core/version.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/schema_snapshot.hpp"
#include "errors.hpp"
#include "rules.hpp"

namespace pgm {
namespace {

// The versions applied at or above `key`, as "005, 006 and 2 more".
std::string applied_at_or_above(const std::string& key) {
    // Just below `key`: the bytes of key with its last byte lowered is not a
    // valid key in general, so ask for everything above "" and filter.
    const pg::AppliedVersions* all = pg_call(pg::applied_versions_above, static_cast<const char*>(""), 0);
    std::string list;
    int listed = 0, more = 0;
    for (int i = 0; i < all->count; ++i) {
        const std::string k(all->rows[i].version_key, all->rows[i].version_key_len);
        if (k < key) continue;
        if (listed < 5) {
            list += (list.empty() ? "" : ", ") + std::string(all->rows[i].version);
            ++listed;
        } else {
            ++more;
        }
    }
    if (more > 0) list += " and " + std::to_string(more) + " more";
    return list;
}

}  // namespace
}  // namespace pgm

PGM_FUNCTION(migrate_baseline) {
    using namespace pgm;
    const std::string version = required_text_arg(fcinfo, 0, "version");
    const std::optional<std::string> name = optional_text_arg(fcinfo, 1);
    validate_version(version);
    if (core::is_repeatable_version(version))
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE,
                        "version \"" + version + "\" names a repeatable migration",
                        "A baseline is a position in the version order; repeatable migrations have none.");
    const std::string key = core::version_sort_key(version);

    pg_call(pg::lock_ledger);
    pg_call(pg::check_ledger_snapshot);
    const std::string applied = applied_at_or_above(key);
    if (!applied.empty())
        throw UserError(sqlstate::kBaselineBelowApplied,
                        "cannot record a baseline at version " + version + ": versions at or above it are applied",
                        "Applied: " + applied + ".",
                        "A baseline records a database that pg_migrate has not migrated yet; choose a version "
                        "above the applied ones, or revert them first.");

    const pg::SessionFacts* facts = pg_call(pg::session_facts);
    core::LedgerRowFields row = session_row(*facts);
    row.format = 2;
    row.version = version;
    row.name = name;
    row.status = "baseline";
    row.reason = std::string("baseline: the database was already at this version");
    // The live schema is what the baseline version means from now on.
    const std::string why = "baseline at version " + version;
    const int64 objects = pg_call(pg::record_whole_schema_as, version.c_str(), why.c_str());
    append_ledger_row(row, key);

    const std::string objects_text = std::to_string(objects);
    const char* cells[4] = {version.c_str(), name ? name->c_str() : nullptr, "baseline", objects_text.c_str()};
    return pg_call(pg::text_row_result, fcinfo, static_cast<const char* const*>(cells));
}
