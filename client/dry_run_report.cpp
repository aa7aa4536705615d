#include "dry_run_report.hpp"

#include <cstdio>

namespace pgm::client {
namespace {

// PostgreSQL's table lock modes, weakest first (as pg_locks names them).
int lock_rank(const std::string& mode) {
    static const char* const modes[] = {"AccessShareLock", "RowShareLock", "RowExclusiveLock",
                                        "ShareUpdateExclusiveLock", "ShareLock", "ShareRowExclusiveLock",
                                        "ExclusiveLock", "AccessExclusiveLock"};
    for (int i = 0; i < 8; i++)
        if (mode == modes[i]) return i + 1;
    return 0;
}

// The report comes from the server: read it without trusting its shape.
const nlohmann::json& field(const nlohmann::json& object, const char* key) {
    static const nlohmann::json none;
    if (!object.is_object()) return none;
    const auto it = object.find(key);
    return it == object.end() ? none : *it;
}

std::string text_of(const nlohmann::json& object, const char* key) {
    const nlohmann::json& value = field(object, key);
    return value.is_string() ? value.get<std::string>() : "";
}

template <typename Number>
Number number_of(const nlohmann::json& object, const char* key, Number otherwise) {
    const nlohmann::json& value = field(object, key);
    return value.is_number() ? value.get<Number>() : otherwise;
}

const nlohmann::json& list_of(const nlohmann::json& object, const char* key) {
    static const nlohmann::json empty = nlohmann::json::array();
    const nlohmann::json& value = field(object, key);
    return value.is_array() ? value : empty;
}

std::string milliseconds(double ms) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f ms", ms);
    return buf;
}

std::string coloured_risk(const std::string& risk, const Terminal& term) {
    if (risk == "data_loss") return term.red(risk);
    if (risk == "safe") return term.green(risk);
    return term.yellow(risk);
}

void print_statement(std::ostream& out, const nlohmann::json& st, int first_line, const Terminal& term) {
    const long rows = number_of(st, "rows", 0L);
    out << "    statement " << number_of(st, "statement", 0) << ", line " << first_line + number_of(st, "line", 1) - 1
        << ": " << text_of(st, "command") << "  (";
    if (rows > 0) out << rows << " row" << (rows == 1 ? "" : "s") << ", ";
    out << milliseconds(number_of(st, "duration_ms", 0.0)) << ")\n";
    for (const auto& lock : list_of(st, "locks"))
        out << "        lock     " << text_of(lock, "mode") << " on " << text_of(lock, "relation") << '\n';
    for (const auto& rewrite : list_of(st, "rewrites"))
        out << "        rewrite  " << text_of(rewrite, "relation") << " (" << text_of(rewrite, "reason") << ")\n";
    for (const auto& finding : list_of(st, "findings"))
        out << "        " << coloured_risk(text_of(finding, "risk"), term) << "  " << text_of(finding, "rule") << ": "
            << text_of(finding, "message") << '\n';
}

}  // namespace

void print_migration_evidence(std::ostream& out, const nlohmann::json& report, int first_line, const Terminal& term) {
    for (const auto& st : list_of(report, "statements")) print_statement(out, st, first_line, term);
}

void EvidenceSummary::add(const std::string& version, const nlohmann::json& report) {
    for (const auto& table : list_of(report, "tables_rewritten"))
        if (table.is_string()) rewritten_.emplace(table.get<std::string>(), version);
    for (const auto& lock : list_of(report, "locks")) {
        const std::string mode = text_of(lock, "mode");
        StrongestLock& kept = locks_[text_of(lock, "relation")];
        if (lock_rank(mode) <= kept.rank) continue;
        kept = StrongestLock{mode, lock_rank(mode), version, number_of(lock, "statement", 0)};
    }
}

void EvidenceSummary::print(std::ostream& out, const Terminal& term) const {
    if (rewritten_.empty() && locks_.empty()) {
        out << "the run locks and rewrites no table another session can see\n";
        return;
    }
    for (const auto& [table, version] : rewritten_)
        out << term.yellow("rewrites ") << table << " (migration " << version << ")\n";
    for (const auto& [relation, lock] : locks_)
        out << (lock.rank >= lock_rank("ShareLock") ? term.yellow("locks    ") : "locks    ") << relation << " in "
            << lock.mode << " (migration " << lock.version << ", statement " << lock.statement << ")\n";
}

nlohmann::json EvidenceSummary::to_json() const {
    nlohmann::json rewritten = nlohmann::json::array();
    for (const auto& [table, version] : rewritten_) rewritten.push_back({{"table", table}, {"version", version}});
    nlohmann::json locks = nlohmann::json::array();
    for (const auto& [relation, lock] : locks_)
        locks.push_back({{"relation", relation}, {"mode", lock.mode}, {"version", lock.version},
                         {"statement", lock.statement}});
    return {{"tables_rewritten", rewritten}, {"locks", locks}};
}

}  // namespace pgm::client
