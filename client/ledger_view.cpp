#include "ledger_view.hpp"

#include <cstdio>

#include <cstdlib>
#include <map>

#include "../extension/core/ledger_status.hpp"
#include "../extension/core/version.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {

// pg_extension through a query, not a syscache lookup such as to_regprocedure:
// after waiting for an advisory lock the caches may not have seen a concurrent
// CREATE EXTENSION yet, a fresh snapshot has.
// The server's default version is read from its control file
// (pg_available_extensions reads every extension's: milliseconds) only when
// the installed version is not the one this client was built with; when it
// is, there is nothing for this client to update to.
static const char* const kExtensionStateQuery =
    "SELECT e.extversion, CASE WHEN e.extversion OPERATOR(pg_catalog.=) $1 THEN e.extversion "
    "ELSE (SELECT a.default_version FROM pg_catalog.pg_available_extensions AS a "
    "       WHERE a.name OPERATOR(pg_catalog.=) 'pg_migrate') END "
    "FROM (SELECT) AS one LEFT JOIN pg_catalog.pg_extension AS e ON e.extname OPERATOR(pg_catalog.=) 'pg_migrate'";

static ExtensionState extension_state_from(const Result& r) {
    ExtensionState state;
    if (r.rows() == 1) {
        state.installed = !r.is_null(0, 0);
        state.installed_version = r.get_optional(0, 0).value_or("");
        state.default_version = r.get(0, 1);
    }
    return state;
}

ExtensionState extension_state(Connection& db) {
    return extension_state_from(db.exec(kExtensionStateQuery, {std::string(PGM_EXTENSION_VERSION)}));
}

bool installed_at_least(const ExtensionState& state, const std::string& version) {
    if (!state.installed) return false;
    int have_major = 0, have_minor = 0, want_major = 0, want_minor = 0;
    std::sscanf(state.installed_version.c_str(), "%d.%d", &have_major, &have_minor);
    std::sscanf(version.c_str(), "%d.%d", &want_major, &want_minor);
    return have_major != want_major ? have_major > want_major : have_minor >= want_minor;
}

namespace {

// Asks the server whether the new script of an applied version differs only
// cosmetically: a dry run of an applied version never executes anything and
// answers "skipped" for a cosmetic change, MG001 for a real one.  Read-only
// roles (status, report) get "changed" for both.
bool change_is_cosmetic(Connection& db, const VersionState& s) {
    const MigrationScripts scripts = load_scripts(*s.file);
    bool cosmetic = false;
    db.run("BEGIN");
    try {
        Result r = db.exec("SELECT status FROM pg_catalog.migrate_apply($1, $2, dry_run => true)",
                           {s.version, scripts.up});
        cosmetic = r.get(0, 0) == "skipped";
    } catch (const ServerError& e) {
        db.run("ROLLBACK");
        // A role that may read but not migrate (42501: no EXECUTE on
        // migrate_apply) cannot ask: the script is shown as changed.
        if (e.sqlstate != "MG001" && e.sqlstate != "42501") throw;
        return false;
    }
    db.run("ROLLBACK");
    db.take_notices();
    return cosmetic;
}

}  // namespace

LedgerSnapshot read_ledger(Connection& db) {
    LedgerSnapshot snapshot;
    // One round trip: the extension's state and, if it is installed, the
    // ledger (the second statement fails harmlessly when it is not).
    auto results = db.exec_pipelined(
        {{kExtensionStateQuery, {std::string(PGM_EXTENSION_VERSION)}},
         {"SELECT version, name, state, checksum, "
          "pg_catalog.to_char(applied_at, 'YYYY-MM-DD HH24:MI:SSOF'), applied_by, statements "
          "FROM pg_catalog.migrate_status()",
          {}}});
    if (results[0].error) throw *results[0].error;
    snapshot.extension = extension_state_from(*results[0].result);
    if (!snapshot.extension.installed) return snapshot;
    if (results[1].error) throw *results[1].error;
    const Result& r = *results[1].result;
    snapshot.rows.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        if (r.get(i, 2) == "drift") {
            snapshot.out_of_band = OutOfBandDdl{std::atoi(r.get(i, 6).c_str()), r.get_optional(i, 1).value_or(""),
                                                r.get_optional(i, 4).value_or(""), r.get_optional(i, 5).value_or("")};
            continue;
        }
        // A migration under way in another session or in the server's runner.
        if (r.get(i, 2) == "running" || r.get(i, 2) == "queued") {
            snapshot.running.push_back({r.get(i, 0), r.get_optional(i, 1).value_or(""),
                                        r.get_optional(i, 4).value_or(""), r.get_optional(i, 5).value_or(""),
                                        std::atoi(r.get(i, 6).c_str()), r.get(i, 2)});
            continue;
        }
        snapshot.rows.push_back({r.get(i, 0), r.get_optional(i, 1).value_or(""), r.get(i, 2), r.get_optional(i, 3),
                                 r.get_optional(i, 4), r.get_optional(i, 5)});
    }
    return snapshot;
}

std::string current_version(const std::vector<LedgerEntry>& rows) {
    std::string best, best_key;
    for (const auto& row : rows) {
        if (!core::status_counts_as_applied(row.status) && row.status != "baseline") continue;
        const std::string key = core::version_sort_key(row.version);
        if (best.empty() || key > best_key) {
            best = row.version;
            best_key = key;
        }
    }
    return best;
}

nlohmann::json out_of_band_objects(Connection& db) {
    Result r = db.exec(
        "SELECT object_type, object_identity, changes, "
        "pg_catalog.to_char(last_at, 'YYYY-MM-DD HH24:MI:SSOF'), last_command, roles, last_statement "
        "FROM pg_catalog.migrate_out_of_band_ddl()");
    nlohmann::json objects = nlohmann::json::array();
    auto optional = [&r](int row, int col) {
        return r.is_null(row, col) ? nlohmann::json() : nlohmann::json(r.get(row, col));
    };
    for (int i = 0; i < r.rows(); ++i)
        objects.push_back({{"object_type", optional(i, 0)},
                           {"object_identity", optional(i, 1)},
                           {"changes", std::atoi(r.get(i, 2).c_str())},
                           {"last_at", optional(i, 3)},
                           {"last_command", optional(i, 4)},
                           {"roles", optional(i, 5)},
                           {"last_statement", optional(i, 6)}});
    return objects;
}

std::optional<LastVerify> last_verify(Connection& db) {
    try {
        Result r = db.exec(
            "SELECT pg_catalog.to_char(verified_at, 'YYYY-MM-DD HH24:MI:SSOF'), ok, "
            "pg_catalog.jsonb_array_length(failures), "
            "(SELECT pg_catalog.string_agg(DISTINCT f OPERATOR(pg_catalog.->>) 'check_name', ',') "
            "   FROM pg_catalog.jsonb_array_elements(failures) AS f) "
            "FROM migrate.verify_log ORDER BY id DESC LIMIT 1");
        if (r.rows() == 0) return std::nullopt;
        LastVerify v{r.get(0, 0), r.get(0, 1) == "t", std::atoi(r.get(0, 2).c_str()), {}};
        const std::string names = r.get_optional(0, 3).value_or("");
        for (std::size_t start = 0; start < names.size();) {
            const std::size_t comma = std::min(names.find(',', start), names.size());
            v.failed_checks.push_back(names.substr(start, comma - start));
            start = comma + 1;
        }
        return v;
    } catch (const ServerError& e) {
        // Not installed, an extension older than the log, or no right to read it.
        if (e.sqlstate == "42P01" || e.sqlstate == "3F000" || e.sqlstate == "42501") return std::nullopt;
        throw;
    }
}

nlohmann::json last_verify_json(const std::optional<LastVerify>& verify) {
    if (!verify) return nlohmann::json();
    return {{"verified_at", verify->verified_at}, {"ok", verify->ok}, {"problems", verify->problems},
            {"failed_checks", verify->failed_checks}};
}

std::vector<VersionState> compare_with_ledger(Connection& db, const ScanResult& scan,
                                              const std::vector<LedgerEntry>& rows) {
    // Keyed by the natural sort key: std::string compares bytes as unsigned,
    // like bytea, so the map's order is the natural version order.
    std::map<std::string, std::pair<const Migration*, const LedgerEntry*>> all;
    for (const auto& m : scan.migrations) all[core::version_sort_key(m.version)].first = &m;
    for (const auto& row : rows) all[core::version_sort_key(row.version)].second = &row;

    // migrate_baseline(): versions at or below the newest baseline that were
    // never applied count as there already.
    std::string baseline_key;
    for (const auto& row : rows)
        if (row.status == "baseline") baseline_key = std::max(baseline_key, core::version_sort_key(row.version));

    std::vector<VersionState> states;
    for (const auto& [key, pair] : all) {
        const Migration* file = pair.first;
        const LedgerEntry* row = pair.second;
        const bool applied = row != nullptr && core::status_counts_as_applied(row->status);
        VersionState s;
        s.file = file;
        s.version = row ? row->version : file->version;
        s.name = row && !row->name.empty() ? row->name : (file ? file->name : "");
        if (file) s.file_checksum = file->checksum;
        if (row) {
            s.checksum = row->checksum;
            s.applied_at = row->applied_at;
            s.applied_by = row->applied_by;
        }
        if (row && row->status == "baseline") s.state = "baseline";
        else if (applied && !file) s.state = "missing";
        else if (!applied && file && !baseline_key.empty() && key <= baseline_key) s.state = "baseline";
        else if (applied && (!row->checksum || file->checksum == *row->checksum)) s.state = "applied";
        else if (applied) s.state = file->repeatable ? "pending" : "changed";
        else if (file) s.state = "pending";
        else continue;  // reverted and gone from disk
        if (s.state == "changed" && change_is_cosmetic(db, s)) {
            s.state = "applied";
            s.cosmetic_change = true;
        }
        states.push_back(std::move(s));
    }
    return states;
}

}  // namespace pgm::client
