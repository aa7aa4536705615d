#include "up_failures.hpp"

#include <iostream>

#include "report.hpp"

namespace pgm::client {
namespace {

nlohmann::json with_file(nlohmann::json err, const Migration& m) {
    err["version"] = m.version;
    err["file"] = m.up_file.string();
    return err;
}

void print_where(const std::string& what, const Migration& m, int line, const std::string& statement,
                 const std::string& command, const Terminal& term) {
    std::cerr << term.red("pg_migrate: migration " + m.version + " " + what) << " in " << m.up_file.string();
    if (line > 0) std::cerr << ", line " << line;
    if (!statement.empty()) std::cerr << ", statement " << statement;
    if (!command.empty()) std::cerr << " (" << command << ")";
    std::cerr << '\n';
}

nlohmann::json number_or_null(int n) { return n > 0 ? nlohmann::json(n) : nlohmann::json(); }

}  // namespace

nlohmann::json failed_migration_json(const ServerError& error, const Migration& m, int up_first_line) {
    const FailurePoint at = locate_failure(error, up_first_line);
    nlohmann::json err = with_file(server_error_json(error), m);
    err["line"] = number_or_null(at.line);
    err["statement"] = number_or_null(at.statement);
    return err;
}

void print_failed_migration(const ServerError& error, const Migration& m, int up_first_line,
                            std::size_t applied_before, bool one_transaction, const Terminal& term) {
    const FailurePoint at = locate_failure(error, up_first_line);
    print_where("failed", m, at.line, at.statement > 0 ? std::to_string(at.statement) : "", at.command, term);
    print_server_error(error, term);
    if (one_transaction)
        std::cerr << "Nothing was applied: the whole run was one transaction.\n";
    else if (applied_before > 0)
        std::cerr << applied_before << " migration" << (applied_before == 1 ? " was" : "s were")
                  << " applied before it; migration " << m.version << " left no trace.\n";
}

nlohmann::json refused_migration_json(const ServerError& error, const Migration& m) {
    return with_file(server_error_json(error), m);
}

void print_refused_migration(const ServerError& error, const Migration& m, const Terminal& term) {
    print_where("refused", m, 0, "", "", term);
    print_server_error(error, term);
}

nlohmann::json stopped_migration_json(const StepFailure& f, const Migration& m) {
    nlohmann::json err = with_file(server_error_json(f.error), m);
    err["line"] = f.line;
    err["statement"] = f.statement;
    err["statements_done"] = f.done;
    err["statements"] = f.total;
    err["invalid_indexes"] = f.invalid_indexes;
    if (!f.invalid_index_shards.empty()) err["invalid_index_shards"] = f.invalid_index_shards;
    return err;
}

void print_stopped_migration(const StepFailure& f, const Migration& m, const Terminal& term) {
    print_where("stopped", m, f.line,
                f.statement > 0 ? std::to_string(f.statement) + " of " + std::to_string(f.total) : "", f.command,
                term);
    print_server_error(f.error, term);
    if (f.statement > 0 && f.done > 0)
        std::cerr << "This migration runs outside a transaction: statements 1 to " << f.done
                  << " are applied and recorded; the next \"pg_migrate up\" resumes at statement " << f.statement
                  << ".\n";
    else if (f.statement > 0)
        std::cerr << "No statement of this migration is applied; the next \"pg_migrate up\" starts it again.\n";
    for (const auto& index : f.invalid_indexes) {
        // A distributed table's: IF EXISTS, or Citus stops at the first
        // shard the build did not reach.
        const auto shards = f.invalid_index_shards.find(index);
        const bool citus = shards != f.invalid_index_shards.end();
        std::cerr << "The failed build left index " << index
                  << " INVALID; drop it before retrying:  DROP INDEX CONCURRENTLY " << (citus ? "IF EXISTS " : "")
                  << index << ";\n";
        if (citus) std::cerr << "  on its " << shards->second << "\n";
    }
}

}  // namespace pgm::client
