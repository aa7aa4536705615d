#include "steps_runner.hpp"

#include "citus_shards.hpp"

#include <cstdlib>
#include <sstream>

#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

std::optional<std::string> name_or_null(const Migration& m) {
    if (m.name.empty()) return std::nullopt;
    return m.name;
}

// Line of the file where an error inside statement `sql` (starting at script
// line `statement_line`) was reported.
int error_line(const ServerError& e, const std::string& sql, int statement_line, int up_first_line) {
    int line = statement_line;
    if (e.position > 0) {
        int chars = 1;
        for (std::size_t i = 0; i < sql.size() && chars < e.position; ++i) {
            if ((static_cast<unsigned char>(sql[i]) & 0xC0) == 0x80) continue;
            if (sql[i] == '\n') ++line;
            ++chars;
        }
    }
    return up_first_line + line - 1;
}

std::vector<std::string> invalid_indexes(Connection& db) {
    Result r = db.exec(
        "SELECT i.indexrelid::pg_catalog.regclass::pg_catalog.text FROM pg_catalog.pg_index AS i "
        "WHERE NOT i.indisvalid ORDER BY 1");
    std::vector<std::string> out;
    for (int row = 0; row < r.rows(); ++row) out.push_back(r.get(row, 0));
    return out;
}

}  // namespace

StepsOutcome apply_outside_transaction(Connection& db, const Migration& m, const MigrationScripts& scripts,
                                       bool out_of_order, const std::optional<std::string>& allow) {
    Result begin = db.exec(
        "SELECT status, done, statements FROM pg_catalog.migrate_steps_begin($1, $2, $3, $4::pg_catalog.bool, "
        "$5::pg_catalog.text[])",
        {m.version, scripts.up, name_or_null(m), std::string(out_of_order ? "true" : "false"), allow});
    StepsOutcome outcome;
    if (begin.get(0, 0) == "skipped") {
        outcome.status = "skipped";
        return outcome;
    }
    const int done = std::atoi(begin.get(0, 1).c_str());
    const int total = std::atoi(begin.get(0, 2).c_str());

    Result split = db.exec("SELECT statement, line, command, sql FROM pg_catalog.migrate_split($1)", {scripts.up});
    if (split.rows() != total)
        throw std::runtime_error("the server split migration " + m.version + " into " +
                                 std::to_string(split.rows()) + " statements, expected " + std::to_string(total));
    for (int i = done; i < total; ++i) {
        const std::string sql = split.get(i, 3);
        const int number = i + 1;
        if (outcome.resumed_at == 0) outcome.resumed_at = number;
        try {
            db.run_top_level(sql);
        } catch (const ServerError& e) {
            db.exec("SELECT pg_catalog.migrate_step_failed($1, $2::pg_catalog.int4, $3)",
                    {m.version, std::to_string(number), e.message});
            StepFailure failure{e, number, error_line(e, sql, std::atoi(split.get(i, 1).c_str()), scripts.up_first_line),
                                split.get(i, 2), i, total, invalid_indexes(db), {}};
            failure.invalid_index_shards = invalid_index_shards(db, failure.invalid_indexes);
            throw failure;
        }
        db.exec("SELECT pg_catalog.migrate_step_done($1, $2::pg_catalog.int4)", {m.version, std::to_string(number)});
    }
    Result finish = db.exec(
        "SELECT status, statements FROM pg_catalog.migrate_steps_finish($1, $2, $3, $4, $5)",
        {m.version, scripts.up, name_or_null(m), scripts.down, scripts.verify});
    outcome.status = finish.get(0, 0);
    outcome.statements = std::atoi(finish.get(0, 1).c_str());
    return outcome;
}

StepsOutcome apply_by_server_runner(Connection& db, const Migration& m, const MigrationScripts& scripts,
                                    bool out_of_order, const std::optional<std::string>& allow) {
    // The call writes (and so takes a transaction ID) only when it queues the
    // migration: otherwise another deployer submitted it, and this one waits
    // for that run and does not report it as its own.
    Result submitted = db.exec(
        "SELECT s.status, pg_catalog.pg_current_xact_id_if_assigned() IS NOT NULL "
        "  FROM pg_catalog.migrate_submit($1, $2, name => $3, down => $4, verify => $5, "
        "out_of_order => $6::pg_catalog.bool, allow => $7::pg_catalog.text[]) AS s",
        {m.version, scripts.up, name_or_null(m), scripts.down, scripts.verify,
         std::string(out_of_order ? "true" : "false"), allow});
    StepsOutcome outcome;
    outcome.status = submitted.get(0, 0);
    if (outcome.status == "skipped") return outcome;
    const bool queued_here = submitted.get(0, 1) == "t";
    for (;;) {
        // A minute at a time: the wait is one statement, and a pooler or a
        // proxy may end a statement that runs for long.
        Result w = db.exec(
            "SELECT status, statements, done, statement, line, error, sqlstate, detail, hint, "
            "       pg_catalog.array_to_string(invalid_indexes, E'\\n') "
            "  FROM pg_catalog.migrate_wait($1, timeout => interval '1 minute')",
            {m.version});
        db.take_notices();  // "still running": we ask again
        const std::string status = w.get(0, 0);
        if (status == "queued" || status == "running") continue;
        outcome.status = status == "applied" && !queued_here ? "skipped" : status;
        outcome.statements = std::atoi(w.get(0, 1).c_str());
        if (status != "failed") return outcome;
        StepFailure failure{ServerError(w.get(0, 6), w.get(0, 5), w.get(0, 7), w.get(0, 8)),
                            std::atoi(w.get(0, 3).c_str()),
                            w.is_null(0, 4) ? 0 : scripts.up_first_line + std::atoi(w.get(0, 4).c_str()) - 1,
                            "",
                            std::atoi(w.get(0, 2).c_str()),
                            outcome.statements,
                            {},
                            {}};
        std::istringstream indexes(w.get_optional(0, 9).value_or(""));
        for (std::string index; std::getline(indexes, index);) failure.invalid_indexes.push_back(index);
        failure.invalid_index_shards = invalid_index_shards(db, failure.invalid_indexes);
        throw failure;
    }
}

}  // namespace pgm::client
