#include "report_data.hpp"

#include <map>

#include "ledger_view.hpp"
#include "../extension/core/version.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

// One document built by the server: every name schema-qualified and every
// operator spelled OPERATOR(pg_catalog.x), so a hostile search_path changes
// nothing.  Scripts, hashes and keys are left out; statements are cut at 4 kB.
constexpr const char* kReportQuery = R"SQL(
SELECT pg_catalog.jsonb_build_object(
  'server_version', pg_catalog.current_setting('server_version'),
  'generated_at', pg_catalog.now(),
  'history', (
    SELECT COALESCE(pg_catalog.jsonb_agg(
             (pg_catalog.to_jsonb(l) OPERATOR(pg_catalog.-)
                '{script,down,verify,hash,prev_hash,hash_format,fingerprint,version_key,client_addr}'::pg_catalog.text[])
             OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object(
               'duration_ms', pg_catalog.round(EXTRACT(epoch FROM l.duration) OPERATOR(pg_catalog.*) 1000),
               'has_down', l.down IS NOT NULL)
             ORDER BY l.id), '[]')
      FROM migrate.ledger AS l),
  'statements', (
    SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'ledger_id', l.id, 'statement', s.statement, 'line', s.line, 'command', s.command,
             'sql', pg_catalog.left(s.sql, 4096)) ORDER BY l.id, s.statement), '[]')
      FROM migrate.ledger AS l, pg_catalog.migrate_split(l.script) AS s
     WHERE l.status OPERATOR(pg_catalog.=) ANY ('{applied,adopted}'::pg_catalog.text[])),
  'objects', (
    SELECT COALESCE(pg_catalog.jsonb_agg(o ORDER BY o OPERATOR(pg_catalog.->>) 'version',
             (o OPERATOR(pg_catalog.->>) 'statement')::pg_catalog.int4), '[]')
      FROM (SELECT DISTINCT pg_catalog.jsonb_build_object(
                     'version', d.version, 'statement', d.statement, 'event', d.event,
                     'command', d.command_tag, 'object_type', d.object_type,
                     'object_identity', d.object_identity) AS o
              FROM migrate.ddl_log AS d
             WHERE d.version IS NOT NULL AND NOT d.reverting) AS objects),
  'last_verify', (
    SELECT pg_catalog.to_jsonb(v) OPERATOR(pg_catalog.-) 'backend_pid'::pg_catalog.text
      FROM migrate.verify_log AS v ORDER BY v.id DESC LIMIT 1),
  'in_progress', (
    SELECT COALESCE(pg_catalog.jsonb_agg(
             pg_catalog.to_jsonb(p) OPERATOR(pg_catalog.-) '{version_key,checksum}'::pg_catalog.text[]
             ORDER BY p.version_key), '[]')
      FROM migrate.progress AS p),
  'failed_submissions', (
    SELECT COALESCE(pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object(
             'version', s.version, 'name', s.name, 'statement', s.statement, 'line', s.line,
             'error', s.error, 'sqlstate', s.sqlstate, 'detail', s.detail, 'hint', s.hint,
             'invalid_indexes', s.invalid_indexes, 'submitted_by', s.submitted_by,
             'finished_at', s.finished_at) ORDER BY s.version_key), '[]')
      FROM migrate.submissions AS s WHERE s.status OPERATOR(pg_catalog.=) 'failed')
)::pg_catalog.text
)SQL";

nlohmann::json optional(const std::optional<std::string>& value) {
    return value ? nlohmann::json(*value) : nlohmann::json();
}

// Where a version failed, when the database remembers: a migration outside a
// transaction stopped with an error, or a submission the runner failed.
std::map<std::string, nlohmann::json> failures_of(const nlohmann::json& data) {
    std::map<std::string, nlohmann::json> failures;
    for (const auto& p : data["in_progress"]) {
        if (p.value("last_error", nlohmann::json()).is_null()) continue;
        failures[p.value("version", "")] = {{"error", p["last_error"]}, {"name", p["name"]}, {"statement", p.value("done", 0) + 1},
                                            {"statements", p["statements"]}, {"since", p["updated_at"]},
                                            {"by", p["started_by"]}, {"source", "stopped half-way"}};
    }
    for (const auto& s : data["failed_submissions"])
        failures.emplace(s.value("version", ""),
                         nlohmann::json{{"error", s["error"]}, {"name", s["name"]}, {"statement", s["statement"]},
                                        {"line", s["line"]},
                                        {"sqlstate", s["sqlstate"]}, {"detail", s["detail"]}, {"hint", s["hint"]},
                                        {"since", s["finished_at"]}, {"by", s["submitted_by"]},
                                        {"source", "migrate_submit"}});
    return failures;
}

// Every version's state against the directory (status's rules), with the
// failures the database remembers marked "failed".
nlohmann::json version_states(Connection& db, const ScanResult* scan, const LedgerSnapshot& ledger,
                              const nlohmann::json& data) {
    static const ScanResult kNoDirectory;
    std::map<std::string, nlohmann::json> failures = failures_of(data);
    nlohmann::json versions = nlohmann::json::array();
    for (const auto& s : compare_with_ledger(db, scan ? *scan : kNoDirectory, ledger.rows)) {
        const std::string state = scan == nullptr && s.state == "missing" ? "applied" : s.state;
        nlohmann::json v = {{"version", s.version}, {"name", s.name}, {"state", state},
                            {"file", s.file ? nlohmann::json(s.file->up_file.string()) : nlohmann::json()},
                            {"applied_at", optional(s.applied_at)}, {"applied_by", optional(s.applied_by)},
                            {"no_transaction", s.file != nullptr && s.file->no_transaction}};
        const auto failure = failures.find(s.version);
        if (failure != failures.end() && s.state == "pending") {
            v["state"] = "failed";
            v["failure"] = failure->second;
            failures.erase(failure);
        }
        versions.push_back(std::move(v));
    }
    // Failures of versions the directory does not have (a report without
    // --dir, or files from elsewhere), in version order.
    std::map<std::string, nlohmann::json> others;
    for (auto& [version, failure] : failures)
        others[core::version_sort_key(version)] = {{"version", version}, {"name", failure["name"]}, {"state", "failed"},
                                                   {"file", nullptr}, {"applied_at", nullptr}, {"applied_by", nullptr},
                                                   {"no_transaction", false}, {"failure", failure}};
    for (auto& [key, v] : others) versions.push_back(std::move(v));
    return versions;
}

nlohmann::json summary_of(const nlohmann::json& versions, const nlohmann::json& data) {
    std::map<std::string, int> counts;
    for (const auto& v : versions) ++counts[v.value("state", "")];
    int out_of_band = 0;
    for (const auto& o : data["out_of_band"]) out_of_band += o.value("changes", 0);
    const nlohmann::json& verify = data["last_verify"];
    nlohmann::json summary = {{"applied", counts["applied"] + counts["baseline"]}, {"pending", counts["pending"]},
                              {"failed", counts["failed"]}, {"changed", counts["changed"]},
                              {"missing", counts["missing"]}, {"out_of_band_changes", out_of_band}};
    summary["verify_problems"] =
        verify.is_object() ? nlohmann::json(verify.value("failures", nlohmann::json::array()).size())
                           : nlohmann::json();
    return summary;
}

}  // namespace

void mark_run_failure(nlohmann::json& data, const nlohmann::json& error) {
    if (!error.is_object() || !error.contains("version") || !error["version"].is_string()) return;
    for (auto& v : data["versions"]) {
        if (v.value("version", "") != error["version"].get<std::string>() || v.value("state", "") != "pending") continue;
        v["state"] = "failed";
        v["failure"] = {{"error", error.value("message", "")}, {"statement", error.value("statement", nlohmann::json())},
                        {"line", error.value("line", nlohmann::json())}, {"sqlstate", error.value("sqlstate", nlohmann::json())},
                        {"hint", error.value("hint", nlohmann::json())}, {"since", data.value("generated_at", "")},
                        {"by", nlohmann::json()}, {"source", "this run of pg_migrate up"}};
        data["summary"]["failed"] = data["summary"].value("failed", 0) + 1;
        data["summary"]["pending"] = data["summary"].value("pending", 0) - 1;
        return;
    }
}

nlohmann::json gather_report(Connection& db, const ScanResult* scan) {
    db.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    nlohmann::json data;
    LedgerSnapshot ledger;
    try {
        data = nlohmann::json::parse(db.exec(kReportQuery).get(0, 0));
        ledger = read_ledger(db);
        data["out_of_band"] = out_of_band_objects(db);
    } catch (...) {
        db.run("ROLLBACK");
        throw;
    }
    db.run("COMMIT");
    data["database"] = db.database();
    data["server"] = db.describe();
    data["extension"] = ledger.extension.installed_version;
    data["version"] = current_version(ledger.rows);
    data["versions"] = version_states(db, scan, ledger, data);
    data["summary"] = summary_of(data["versions"], data);
    return data;
}

}  // namespace pgm::client
