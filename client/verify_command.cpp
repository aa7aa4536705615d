// pg_migrate verify: migrate_verify() in the database, as a table or --json;
// exit code 3 when a check found a problem.
#include <iostream>

#include "commands.hpp"
#include "connection.hpp"
#include "exit_codes.hpp"
#include "ledger_view.hpp"
#include "report.hpp"
#include "terminal.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
int run_verify(const CommonOptions& options) {
    Terminal term(options.json);
    Connection db(resolve_target(options.target));
    const ExtensionState state = extension_state(db);
    if (!installed_at_least(state, "0.4"))  // migrate_verify() came with 0.4
        return report_missing_function(options.json, term, db, state, "verify", "migrate_verify");

    Result r = db.exec("SELECT check_name, object, ok, detail FROM pg_catalog.migrate_verify()");
    const std::optional<std::string> version = db.exec("SELECT pg_catalog.migrate_version()").get_optional(0, 0);
    int problems = 0;
    nlohmann::json checks = nlohmann::json::array();
    std::vector<std::vector<std::string>> table{{"check", "object", "ok", "detail"}};
    for (int i = 0; i < r.rows(); ++i) {
        const bool ok = r.get(i, 2) == "t";
        if (!ok) ++problems;
        checks.push_back({{"check_name", r.get(i, 0)},
                          {"object", r.is_null(i, 1) ? nlohmann::json() : nlohmann::json(r.get(i, 1))},
                          {"ok", ok},
                          {"detail", r.get_optional(i, 3).value_or("")}});
        table.push_back({r.get(i, 0), r.get_optional(i, 1).value_or(""), ok ? term.green("ok") : term.red("FAIL"),
                         r.get_optional(i, 3).value_or("")});
    }
    const int code = problems == 0 ? exit_code::kSuccess : exit_code::kVerification;
    if (options.json) {
        std::cout << nlohmann::json{{"command", "verify"}, {"ok", problems == 0}, {"database", db.database()},
                                    {"version", version ? nlohmann::json(*version) : nlohmann::json()},
                                    {"checks", checks}, {"problems", problems}, {"exit_code", code}}
                         .dump(2)
                  << '\n';
        return code;
    }
    std::cout << "Verifying " << db.describe() << '\n';
    print_table(table);
    if (problems == 0)
        std::cout << term.green("the database matches its ledger") << '\n';
    else
        std::cout << term.red(std::to_string(problems) + " problem" + (problems == 1 ? "" : "s") + " found") << '\n';
    return code;
}

}  // namespace pgm::client
