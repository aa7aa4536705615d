// pg_migrate up: apply what is pending, each migration in its own
// transaction (or all in one), stopping at the first failure.
#include <algorithm>
#include <chrono>
#include <functional>
#include <future>
#include <iostream>
#include <set>
#include <utility>

#include "commands.hpp"
#include "backup.hpp"
#include "commit_durability.hpp"
#include "deploy_lock.hpp"
#include "dry_run_report.hpp"
#include "steps_runner.hpp"
#include "up_failures.hpp"
#include "streamed_apply.hpp"
#include "exit_codes.hpp"
#include "ledger_view.hpp"
#include "report.hpp"
#include "../extension/core/risk_policy.hpp"
#include "../extension/core/version.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

using Clock = std::chrono::steady_clock;

// The extension's ledger lock (pg/ledger.cpp): "pg_migra" as a bigint.
constexpr const char* kLedgerLockKey = "x'70675f6d69677261'::pg_catalog.int8";

// Files from this size on are read ahead by a thread of their own.
constexpr std::uintmax_t kReadAheadBytes = 1 << 20;

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string format_seconds(double s) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1fs", s);
    return buf;
}

struct Outcome {
    std::string version, name, file, status;
    int statements = 0;
    long duration_ms = 0;
    std::string risk;          // the migration's overall risk (empty when not assessed)
    nlohmann::json report;     // the dry run's evidence, or null
};

// "applied  migrations/003_x.sql  (2 statements, 12 ms)", after the server's notices.
void print_outcome(Connection& db, Terminal& term, const Outcome& o, bool outside_transaction, int resumed_at) {
    for (const auto& notice : db.take_notices()) std::cerr << notice << '\n';
    const std::string label = o.status == "skipped" ? term.yellow(o.status) : term.green(o.status);
    std::cout << label << "  " << o.file << "  (";
    // A placeholder of comments (dense version numbers): recorded, nothing ran.
    if (o.statements == 0 && o.status != "skipped") std::cout << "no statements: recorded as a no-op";
    else std::cout << o.statements << " statement" << (o.statements == 1 ? "" : "s");
    if (outside_transaction) std::cout << " outside a transaction";
    if (resumed_at > 1) std::cout << ", resumed at statement " << resumed_at;
    std::cout << ", " << o.duration_ms << " ms)\n";
}

nlohmann::json outcome_json(const Outcome& o) {
    nlohmann::json out = {{"version", o.version}, {"name", o.name},         {"file", o.file},
                          {"status", o.status},   {"statements", o.statements}, {"duration_ms", o.duration_ms}};
    out["risk"] = o.risk.empty() ? nlohmann::json() : nlohmann::json(o.risk);
    if (!o.report.is_null()) out["report"] = o.report;
    return out;
}

// Everything a run produced, printed once at the end in --json mode.
struct RunReport {
    nlohmann::json doc;
    std::vector<Outcome> outcomes;
    nlohmann::json error;
    std::optional<EvidenceSummary> evidence;  // --dry-run: what the run would lock and rewrite
    // Runs once before the report is printed, however the run ends.
    std::function<void()> before_finish;
    // Runs after it: gives the deploy lock back.
    std::function<void()> release_lock;

    int finish(const CommonOptions& options, int code) {
        if (before_finish) std::exchange(before_finish, nullptr)();
        if (release_lock) std::exchange(release_lock, nullptr)();
        if (!options.json) return code;
        nlohmann::json list = nlohmann::json::array();
        for (const auto& o : outcomes) list.push_back(outcome_json(o));
        doc["migrations"] = list;
        if (evidence) doc["evidence"] = evidence->to_json();
        doc["error"] = error;
        doc["ok"] = code == exit_code::kSuccess;
        doc["exit_code"] = code;
        std::cout << doc.dump(2) << '\n';
        return code;
    }
};

// Installs the extension, or brings an older installed version up to date.
// Two deployers starting at once must not both try (CREATE EXTENSION IF NOT
// EXISTS and ALTER EXTENSION UPDATE fail against a concurrent one): the
// change is made under the ledger's transaction-level advisory lock, after
// looking again.  In the usual case this is one query.
// Returns true when it installed or updated the extension.
bool ensure_current_extension(Connection& db, ExtensionState ext, bool json) {
    if (ext.installed && ext.installed_version == ext.default_version) return false;
    db.run("BEGIN");
    db.exec("SELECT pg_catalog.pg_advisory_xact_lock(" + std::string(kLedgerLockKey) + ")");
    ext = extension_state(db);
    std::string done;
    if (!ext.installed) {
        db.run("CREATE EXTENSION pg_migrate");
        done = "installed the pg_migrate extension";
    } else if (ext.installed_version != ext.default_version) {
        db.run("ALTER EXTENSION pg_migrate UPDATE");
        done = "updated the pg_migrate extension from " + ext.installed_version + " to " + ext.default_version;
    }
    db.run("COMMIT");
    if (!done.empty() && !json) std::cout << done << " in " << db.describe() << '\n';
    return true;
}

// A run of several migrations leaves the schema snapshot's upkeep to its end
// (migrate.defer_schema_snapshot): the objects they touched are described
// once instead of after each migration.  Servers before 0.6 do it per
// migration.
// Behind a pooler (`per_transaction`) nothing is set for the session: each
// migration's transaction sets it for itself (migration_settings).
bool defer_schema_recording(Connection& db, bool per_transaction) {
    Result r = db.exec("SELECT pg_catalog.to_regprocedure('pg_catalog.migrate_record_schema()') IS NOT NULL");
    if (r.get(0, 0) != "t") return false;
    if (!per_transaction) db.run("SET migrate.defer_schema_snapshot = on");
    return true;
}

// Whether this role may call migrate_apply_stream.
bool may_stream(Connection& db) {
    return db.exec("SELECT pg_catalog.has_function_privilege('pg_catalog.migrate_apply_stream(text, text, text, text, "
                   "integer, interval, boolean, text, jsonb, text, text, text[])', 'EXECUTE')")
               .get(0, 0) == "t";
}

// "[3/12] 003_add_orders.sql  1.2s": where the run is.
std::string progress_line(std::size_t done, std::size_t pending, const Migration& m, Clock::time_point run_start) {
    return "[" + std::to_string(done + 1) + "/" + std::to_string(pending) + "] " + m.up_file.filename().string() + "  " +
           format_seconds(seconds_since(run_start));
}

// The migration's scripts sent whole as parameters of migrate_apply (or
// migrate_apply_repeatable).  The next (small) file is read while the server
// runs this migration.
AppliedRow apply_whole(Connection& db, const Migration& m, const MigrationScripts& scripts, bool out_of_order,
                       const std::string* allow, const std::string& settings, const char* risk_columns,
                       std::future<MigrationScripts>& next_scripts) {
    // Parameters by pointer: a data migration can be hundreds of megabytes.
    const std::string out_of_order_text = out_of_order ? "true" : "false";
    const std::string* down = scripts.down ? &*scripts.down : nullptr;
    const std::string* verify = scripts.verify ? &*scripts.verify : nullptr;
    const std::string sql = m.repeatable ? std::string("SELECT status, statements, ") + risk_columns +
                                               " FROM pg_catalog.migrate_apply_repeatable($1, $2, "
                                               "down => $3, verify => $4, allow => $5::pg_catalog.text[])"
                                         : std::string("SELECT status, statements, ") + risk_columns +
                                               " FROM pg_catalog.migrate_apply($1, $2, name => $3, "
                                               "down => $4, verify => $5, out_of_order => $6::pg_catalog.bool, "
                                               "allow => $7::pg_catalog.text[])";
    const std::vector<const std::string*> params =
        m.repeatable ? std::vector<const std::string*>{&m.name, &scripts.up, down, verify, allow}
                     : std::vector<const std::string*>{&m.version, &scripts.up, m.name.empty() ? nullptr : &m.name,
                                                       down, verify, &out_of_order_text, allow};
    if (settings.empty()) db.send_refs(sql, params);
    else db.send_refs_after(settings, sql, params);
    if (next_scripts.valid() && next_scripts.wait_for(std::chrono::seconds(0)) == std::future_status::deferred)
        next_scripts.wait();
    const Result r = db.finish_sent();
    return AppliedRow{r.get(0, 0), std::atoi(r.get(0, 1).c_str()), r.get_optional(0, 2), r.get_optional(0, 3)};
}

// Behind a pooler: the settings a migration's own transaction takes, as one
// statement sent before it in the same transaction (empty when none).
std::string migration_settings(bool defer_recording, bool defer_commit) {
    std::string calls;
    if (defer_recording) calls += "pg_catalog.set_config('migrate.defer_schema_snapshot', 'on', true)";
    if (defer_commit) calls += std::string(calls.empty() ? "" : ", ") + "pg_catalog.set_config('synchronous_commit', 'off', true)";
    return calls.empty() ? calls : "SELECT " + calls;
}

// Records what the run's migrations changed: from 0.9 on in a background
// worker of the server (the run does not wait for it; migrate_verify() and
// the next migration wait for it under the ledger lock), here when no worker
// can be started.  A failure here does not undo the migrations: the
// recording stays owed and the next migration or migrate_verify() does it,
// so it is a warning.
void record_deferred_schema(Connection& db, bool in_background, bool per_transaction, RunReport& report,
                            const Terminal& term, bool json) {
    try {
        if (!per_transaction) db.run("SET migrate.defer_schema_snapshot = off");
        if (in_background &&
            db.exec("SELECT pg_catalog.migrate_record_schema_in_background()").get(0, 0) == "t") {
            report.doc["schema_snapshot"] = "recording in the background";
            return;
        }
        db.exec("SELECT pg_catalog.migrate_record_schema()");
        report.doc["schema_snapshot"] = "recorded";
    } catch (const std::exception& e) {
        report.doc["schema_snapshot_warning"] = e.what();
        if (!json)
            std::cerr << term.yellow("warning: ") << "could not record the schema snapshot after the run ("
                      << e.what() << "); migrate_verify() records it\n";
    }
}

}  // namespace

std::optional<std::string> allow_array(const std::vector<std::string>& allow) {
    std::set<std::string> risks;
    for (const auto& a : allow)
        for (const auto& r : core::parse_risk_list(a)) risks.insert(r);
    if (risks.empty()) return std::nullopt;
    std::string array = "{";
    for (const auto& r : risks) array += (array.size() > 1 ? "," : "") + r;
    return array + "}";
}

namespace {

std::optional<std::string> migration_allow(const UpOptions& up, const MigrationScripts& scripts) {
    std::vector<std::string> allow = up.allow;
    allow.insert(allow.end(), scripts.allow.begin(), scripts.allow.end());
    return allow_array(allow);
}

}  // namespace

int run_up(const CommonOptions& options, const UpOptions& up) {
    if (!up.html_file.empty()) {
        std::cerr << "pg_migrate: up --html reports on a fleet; for one database, run "
                     "\"pg_migrate report --html FILE\" after up\n";
        return exit_code::kUsage;
    }
    Terminal term(options.json);
    RunReport report;
    report.doc = {{"command", "up"}, {"directory", options.dir.string()}, {"dry_run", up.dry_run},
                  {"single_transaction", up.single_transaction}};

    std::optional<std::string> to_key;
    if (up.to) {
        if (auto problem = core::version_problem(*up.to)) {
            std::cerr << "pg_migrate: invalid --to version \"" << *up.to << "\": " << *problem << '\n';
            return exit_code::kUsage;
        }
        to_key = core::version_sort_key(*up.to);
    }

    // Connects and reads the ledger while we scan the directory.
    LedgerSnapshot snapshot;
    PendingConnection pending_db(resolve_target(options.target),
                                 [&snapshot](Connection& c) {
                                     snapshot = read_ledger(c);
                                     c.behind_pooler();
                                 });
    const ScanResult scan = scan_directory(options.dir);
    report.doc["layout"] = layout_name(scan.layout);
    if (!scan.problems.empty()) {
        report.doc["problems"] = problems_json(scan.problems);
        if (!options.json) print_problems(scan.problems, term);
        return report.finish(options, exit_code::kFailed);
    }

    Connection& db = pending_db.get();
    report.doc["database"] = db.database();
    // Behind a pooler no session state lasts from one transaction to the
    // next: no deploy lock (each migration is serialised by migrate_apply's
    // ledger lock and recorded once), no session settings, and what cannot
    // run in a transaction is run by the server's own runner.
    const bool pooled = db.behind_pooler();
    report.doc["pooler"] = pooled;
    if (pooled && !options.json)
        std::cerr << "note: " << db.describe() << " is reached through a connection pooler: each migration is "
                  << "serialised by the server, and those that cannot run in a transaction are run by the "
                  << "server's runner\n";
    if (ensure_current_extension(db, snapshot.extension, options.json)) snapshot = read_ledger(db);
    // An older server package (the client installs what the server has):
    // risk and report come with 0.7, migrate.report with 0.8.
    const char* const risk_columns = installed_at_least(snapshot.extension, "0.7") ? "risk, report" : "NULL, NULL";
    const bool collects_evidence = installed_at_least(snapshot.extension, "0.8");
    std::vector<VersionState> states = compare_with_ledger(db, scan, snapshot.rows);

    // One deployer at a time (polling: see deploy_lock.hpp), but only when there
    // is something to do: a no-op run is two round trips, no lock.  After
    // waiting for the lock the state is read again: the other deployer may
    // have applied what we were about to.
    const bool work_to_do = std::any_of(states.begin(), states.end(), [](const VersionState& s) {
        return s.state == "pending" && s.file != nullptr;
    });
    if (work_to_do && !pooled) {
        bool waited = false;
        const bool locked = acquire_deploy_lock(db, std::chrono::seconds(up.lock_wait_seconds), [&](const std::string& pid) {
            waited = true;
            if (!options.json)
                std::cerr << "waiting for another deployer (backend pid " << pid << ") to finish...\n";
        });
        if (!locked) {
            const std::string message = "another deployer still holds the migration lock after " +
                                        std::to_string(up.lock_wait_seconds) + " s; nothing was applied";
            report.error = {{"message", message}};
            if (!options.json) std::cerr << term.red("pg_migrate: ") << message << '\n';
            return report.finish(options, exit_code::kFailed);
        }
        if (waited) states = compare_with_ledger(db, scan, read_ledger(db).rows);
        // Given back explicitly, not left to the disconnect: behind a pooler
        // the server connection (and a session lock with it) outlives ours.
        report.release_lock = [&] {
            try {
                if (release_deploy_lock(db)) return;
            } catch (const std::exception&) {
                return;  // the connection is gone, and a session's locks with it
            }
            const std::string warning =
                "the deploy lock was no longer held by this session at the end of the run: a migration "
                "released it (pg_advisory_unlock_all()), or the connection goes through a pooler in "
                "transaction mode, where the lock can stay with another server connection until that "
                "closes; connect directly or in session mode";
            report.doc["deploy_lock_warning"] = warning;
            if (!options.json) std::cerr << term.yellow("warning: ") << warning << '\n';
        };
    }

    // 1. Nothing runs while an applied migration's file really changed
    //    (cosmetic changes were already told apart by compare_with_ledger).
    std::vector<const VersionState*> changed;
    for (const auto& s : states)
        if (s.state == "changed" && s.file != nullptr) changed.push_back(&s);
    if (!changed.empty()) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto* s : changed) {
            list.push_back({{"version", s->version}, {"file", s->file->up_file.string()},
                            {"applied_checksum", *s->checksum}, {"file_checksum", *s->file_checksum}});
            if (!options.json)
                std::cerr << term.red("pg_migrate: ") << s->file->up_file.string() << " was changed after migration "
                          << s->version << " was applied (applied checksum " << *s->checksum
                          << ", file now " << *s->file_checksum << ")\n";
        }
        if (!options.json)
            std::cerr << "HINT:  Restore the applied files and put changes in new migrations. Nothing was applied.\n";
        report.doc["changed"] = list;
        return report.finish(options, exit_code::kChanged);
    }

    // Out-of-band DDL does not stop a run, but is worth knowing before one.
    if (snapshot.out_of_band) {
        const OutOfBandDdl& drift = *snapshot.out_of_band;
        report.doc["out_of_band_ddl"] = {{"changes", drift.changes}, {"last_at", drift.last_at},
                                         {"roles", drift.roles}};
        if (!options.json)
            std::cerr << term.yellow("warning: ") << "the schema was changed outside migrations since the last "
                      << "migration (" << drift.changes << " change" << (drift.changes == 1 ? "" : "s")
                      << ", the last at " << drift.last_at << " by " << drift.roles
                      << "); \"pg_migrate status\" lists them\n";
    }

    // 2. What to apply.
    std::vector<const VersionState*> pending;
    for (const auto& s : states) {
        if (s.state == "missing" && !options.json)
            std::cerr << term.yellow("warning: ") << "migration " << s.version
                      << " is applied but missing from " << options.dir.string() << '\n';
        if (s.state != "pending" || s.file == nullptr) continue;
        // --to stops among the versions; repeatables run only in a full run.
        if (to_key && (s.file->repeatable || core::version_sort_key(s.version) > *to_key)) continue;
        pending.push_back(&s);
    }
    const bool one_transaction = up.single_transaction || up.dry_run;
    // Large files go to migrate_apply_stream (0.16) when this role may call
    // it; a role granted only migrate_apply has them sent whole, as before.
    const bool streams_files =
        installed_at_least(snapshot.extension, "0.16") &&
        std::any_of(pending.begin(), pending.end(), [](const VersionState* s) { return s->file->streamed != nullptr; }) &&
        may_stream(db);
    for (const auto* s : pending) {
        if (s->file->no_transaction && s->file->repeatable) {
            const std::string message = s->file->up_file.string() +
                " is a repeatable migration marked no-transaction; repeatable migrations are re-applied "
                "as a whole and must run in a transaction. Nothing was applied.";
            report.error = {{"message", message}, {"version", s->version}};
            if (!options.json) std::cerr << term.red("pg_migrate: ") << message << '\n';
            return report.finish(options, exit_code::kFailed);
        }
        if (s->file->no_transaction && one_transaction) {
            const std::string message = s->file->up_file.string() +
                " must run outside a transaction (no-transaction), so it cannot be part of " +
                (up.dry_run ? "--dry-run" : "--single-transaction") + ". Nothing was applied.";
            report.error = {{"message", message}, {"version", s->version}};
            if (!options.json) std::cerr << term.red("pg_migrate: ") << message << '\n';
            return report.finish(options, exit_code::kFailed);
        }
    }
    // 3. A backup first, when asked and there is something to apply.
    if (!up.backup_file.empty() && !pending.empty() && !up.dry_run) {
        try {
            run_pg_dump(resolve_target(options.target), up.backup_file);
        } catch (const std::exception& e) {
            report.error = {{"message", e.what()}};
            if (!options.json) std::cerr << term.red("pg_migrate: ") << e.what() << '\n';
            return report.finish(options, exit_code::kFailed);
        }
        report.doc["backup"] = up.backup_file;
        if (!options.json) std::cout << "backup written to " << up.backup_file << " (pg_dump)\n";
    }

    // 4. Apply, in natural version order.
    const bool defers_recording = !up.dry_run && pending.size() > 1 && defer_schema_recording(db, pooled);
    const auto commits_of_their_own = std::count_if(pending.begin(), pending.end(), [](const VersionState* s) {
        return !s->file->no_transaction;
    });
    CommitDurability durability(db, !one_transaction && !up.durable_each && commits_of_their_own > 1, pooled);
    report.before_finish = [&] {
        // What the run reports applied is durable before it is reported.
        if (const std::string warning = durability.settle(); !warning.empty()) {
            report.doc["durability_warning"] = warning;
            if (!options.json) std::cerr << term.yellow("warning: ") << warning << '\n';
        }
        if (defers_recording)
            record_deferred_schema(db, installed_at_least(snapshot.extension, "0.9"), pooled, report, term,
                                   options.json);
    };
    if (one_transaction) db.run("BEGIN");
    // The dry run is one transaction rolled back at the end (each migration
    // sees the ones before it); migrate.report has every migration return
    // its evidence meanwhile.
    if (up.dry_run && collects_evidence) {
        db.run("SET LOCAL migrate.report = on");
        report.evidence.emplace();
    }
    const auto run_start = Clock::now();
    std::size_t done = 0;
    // The next migration's file, read while the server runs the current one.
    std::future<MigrationScripts> next_scripts;
    for (std::size_t i = 0; i < pending.size(); ++i) {
        const Migration& m = *pending[i]->file;
        term.progress(progress_line(done, pending.size(), m, run_start));
        MigrationScripts scripts;
        try {
            scripts = next_scripts.valid() ? next_scripts.get() : load_scripts(m);
            if (i + 1 < pending.size()) {
                // The next file is read while the server runs this migration:
                // a large one by a thread of its own, a small one by this
                // thread once the migration is sent (starting a thread costs
                // more than reading a small file).
                const Migration& next = *pending[i + 1]->file;
                next_scripts = std::async(next.size >= kReadAheadBytes ? std::launch::async : std::launch::deferred,
                                          load_scripts, std::cref(next), false);
            }
            // A streamed file goes to migrate_apply_stream (0.16), which
            // applies versioned migrations in a transaction; else it is read whole.
            if (scripts.streamed && (m.repeatable || m.no_transaction || scripts.streamed->pulled || !streams_files))
                scripts = load_scripts(m, true);
        } catch (const std::exception& e) {
            term.end_progress();
            if (one_transaction) db.run("ROLLBACK");
            report.error = {{"message", e.what()}, {"version", m.version}, {"file", m.up_file.string()}};
            if (!options.json) std::cerr << term.red("pg_migrate: ") << e.what() << '\n';
            return report.finish(options, exit_code::kFailed);
        }
        const auto start = Clock::now();
        // Files marked no-transaction go outside a transaction directly.  Any
        // other file that holds a statement which cannot run in one is refused
        // by migrate_apply with SQLSTATE 25001 before anything runs, and then
        // goes the same way.
        bool outside_transaction = m.no_transaction;
        if (!outside_transaction) {
            try {
                durability.before_migration(i + 1 == pending.size());
                // --allow, and the file's "-- migrate:allow" lines (also those
                // outside its up section, which the server does not see).
                const std::optional<std::string> allow = migration_allow(up, scripts);
                const std::string* allow_ref = allow ? &*allow : nullptr;
                const std::string settings =
                    pooled && !one_transaction ? migration_settings(defers_recording, durability.commit_deferred())
                                               : std::string();
                const AppliedRow row =
                    scripts.streamed ? apply_streamed(db, m, scripts, up.out_of_order, allow_ref, settings,
                                                      [&](std::size_t sent, std::size_t total) {
                                                          term.progress(progress_line(done, pending.size(), m, run_start) +
                                                                        "  sent " + std::to_string(sent * 100 / total) + "% of " +
                                                                        std::to_string(total >> 20) + " MB");
                                                      })
                                     : apply_whole(db, m, scripts, up.out_of_order, allow_ref, settings, risk_columns,
                                                   next_scripts);
                Outcome o{m.version, m.name, m.up_file.string(), row.status, row.statements,
                          static_cast<long>(seconds_since(start) * 1000), row.risk.value_or(""), nullptr};
                if (!one_transaction) durability.committed(o.status == "applied");
                if (up.dry_run && o.status == "applied") o.status = "dry_run";
                if (report.evidence && row.report) {
                    o.report = nlohmann::json::parse(*row.report, nullptr, false);
                    if (o.report.is_object()) {
                        o.report["rolled_back"] = true;  // with the whole run, at its end
                        report.evidence->add(o.version, o.report);
                    } else {
                        o.report = nullptr;
                    }
                }
                report.outcomes.push_back(o);
                term.end_progress();
                if (!options.json) {
                    print_outcome(db, term, o, false, 0);
                    print_migration_evidence(std::cout, o.report, scripts.up_first_line, term);
                }
                ++done;
                continue;
            } catch (const ServerError& e) {
                if (e.sqlstate == "25001" && !one_transaction && !m.repeatable) {
                    outside_transaction = true;
                    if (scripts.streamed) scripts = load_scripts(m, true);
                } else {
                    term.end_progress();
                    if (one_transaction) db.run("ROLLBACK");
                    report.error = failed_migration_json(e, m, scripts.up_first_line);
                    if (!options.json)
                        print_failed_migration(e, m, scripts.up_first_line, done, one_transaction, term);
                    return report.finish(options, exit_code::kFailed);
                }
            }
        }
        if (outside_transaction) {
            try {
                durability.before_migration(true);
                const StepsOutcome steps =
                    pooled ? apply_by_server_runner(db, m, scripts, up.out_of_order, migration_allow(up, scripts))
                           : apply_outside_transaction(db, m, scripts, up.out_of_order, migration_allow(up, scripts));
                Outcome o{m.version, m.name, m.up_file.string(), steps.status, steps.statements,
                          static_cast<long>(seconds_since(start) * 1000), "", nullptr};
                report.outcomes.push_back(o);
                durability.committed(o.status == "applied");
                term.end_progress();
                if (!options.json) print_outcome(db, term, o, true, steps.resumed_at);
                ++done;
                continue;
            } catch (const ServerError& e) {
                // The server refused the migration as a whole (e.g. MG005: it
                // stopped half-way with another script): nothing of it ran now.
                term.end_progress();
                report.error = refused_migration_json(e, m);
                if (!options.json) print_refused_migration(e, m, term);
                return report.finish(options, exit_code::kFailed);
            } catch (const StepFailure& f) {
                term.end_progress();
                report.error = stopped_migration_json(f, m);
                if (!options.json) print_stopped_migration(f, m, term);
                return report.finish(options, exit_code::kFailed);
            }
        }
    }
    if (up.dry_run) db.run("ROLLBACK");
    else if (one_transaction) db.run("COMMIT");
    term.end_progress();

    if (!options.json) {
        if (pending.empty()) std::cout << "nothing to apply: " << db.describe() << " is up to date\n";
        else
            std::cout << (up.dry_run ? "dry run: " : "") << done << " migration" << (done == 1 ? "" : "s")
                      << (up.dry_run ? (done == 1 ? " ran and was rolled back" : " ran and were rolled back") : " applied") << " in "
                      << format_seconds(seconds_since(run_start)) << '\n';
        if (report.evidence && !pending.empty()) report.evidence->print(std::cout, term);
    }
    return report.finish(options, exit_code::kSuccess);
}

}  // namespace pgm::client
